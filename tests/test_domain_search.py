"""Searches: the words of a text as SQLite's FTS5 sees them, so the Redis store's matching finds what SQLite does."""

import contextlib
import sqlite3
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chat.domain.model import ChatError
from chat.domain.search import Search, clean_search_words, words
from chat.stores.messages.sqlite import MIGRATIONS, fts_query

# letters with and without accents (composed and not), other scripts, digits and what separates words
ALPHABET = 'aeinoszAEINOSZéèÉñÑüÜßçøæ\u0301\u0308\u03b1άΑΣς\u03c3йиЙ猫日本 ,.!?-_"*:()\'0129\n'  # noqa: RUF001 (Greek on purpose)


@pytest.fixture(scope='module')
def fts() -> Iterator[sqlite3.Connection]:
    """The chat's own schema in memory, so the index is the one the SQLite store keeps."""
    with contextlib.closing(sqlite3.connect(':memory:')) as db:
        for step in MIGRATIONS:
            db.executescript(step)
        yield db


def test_words_fold_case_and_latin_accents_but_keep_other_scripts_letters() -> None:
    assert words('Café, CAFE\u0301S; straße_ΟΔΟΣ Йод 我喜欢猫!') == [
        'cafe',
        'cafes',
        'straße',
        'οδοσ',
        'йод',
        '我喜欢猫',
    ]


def test_the_matched_words_are_found_where_they_are_in_the_text() -> None:
    text = 'Le CAFÉ, les cafe\u0301s et un caféier'
    search = clean_search_words('le cafe')
    assert [text[start:end] for start, end in search.spans(text)] == ['Le', 'CAFÉ', 'cafe\u0301s', 'caféier']


def test_a_search_is_its_words_in_order() -> None:
    assert clean_search_words('"NEAR(x* -y)":z') == Search(('near', 'x', 'y', 'z'))
    with pytest.raises(ChatError):
        clean_search_words('*** ---')


@settings(max_examples=300, deadline=None)
@given(text=st.text(ALPHABET, max_size=30), query=st.text(ALPHABET, max_size=12))
def test_a_search_matches_exactly_what_sqlites_index_finds(fts: sqlite3.Connection, text: str, query: str) -> None:
    try:
        search = clean_search_words(query)
    except ChatError:
        return
    with fts:
        fts.execute('DELETE FROM messages')
        fts.execute(
            "INSERT INTO messages (room, author_id, author_name, text, sent_at) VALUES ('r', 'a', 'A', ?, 0)", (text,)
        )
        found = fts.execute('SELECT count(*) FROM messages_search WHERE messages_search MATCH ?', (fts_query(search),))
        assert search.matches(text) == bool(found.fetchone()[0]), (text, search)
