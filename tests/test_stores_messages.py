"""The backend contract, run against SQLite and Redis alike: durable, ordered, paged, delivered once, and trimmed
to the same messages by the retention settings."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from chat.domain.model import Author, ChatError, ErrorKind, Message, Quote, RoomCursor
from chat.domain.notices import NOTICE_AUTHOR, Notice, NoticeKind
from chat.domain.private import Access, Member
from chat.domain.restrictions import EVERYWHERE, Mute
from chat.domain.search import clean_search_words, words
from chat.stores.messages import DEFAULT_RETENTION, Backend, Retention
from chat.stores.messages import redis as redis_store
from chat.stores.messages import sqlite as sqlite_store
from chat.stores.messages.redis import RedisBackend
from chat.stores.messages.sqlite import SQLiteBackend

ALICE = Author('tab-a', 'Alice')
DAY = 86_400.0
MakeBackend = Callable[..., Backend]  # (retention=DEFAULT_RETENTION) -> a backend on the test's one store


class Started:
    """A started backend and everything it delivered."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.delivered: list[Message] = []

    async def delivered_ends_with(self, last: Message) -> None:
        async with asyncio.timeout(5):
            while not self.delivered or self.delivered[-1] != last:
                await asyncio.sleep(0.01)

    async def delivered_equals(self, expected: list[Message]) -> None:
        async with asyncio.timeout(5):
            while self.delivered != expected:
                await asyncio.sleep(0.01)


@pytest.fixture(params=['sqlite', 'redis'])
def make_backend(request: pytest.FixtureRequest, tmp_path: Path) -> MakeBackend:
    """Backends of one kind that share one store, as processes (or restarts) of the app would."""
    if request.param == 'sqlite':
        return lambda retention=DEFAULT_RETENTION: SQLiteBackend(tmp_path / 'chat.db', retention)
    redis_url = request.getfixturevalue('redis_server').url
    return lambda retention=DEFAULT_RETENTION: RedisBackend(redis_url, retention)


@pytest.fixture
async def start(make_backend: MakeBackend) -> AsyncIterator[Callable[[Retention], Awaitable[Started]]]:
    """Start a backend with the given retention; every one started is stopped after the test."""
    stores: list[Started] = []

    async def start_one(retention: Retention) -> Started:
        store = Started(make_backend(retention))
        await store.backend.start(store.delivered.append)
        stores.append(store)
        return store

    yield start_one
    for store in stores:
        await store.backend.stop()


@pytest.fixture
async def started(start: Callable[[Retention], Awaitable[Started]]) -> Started:
    return await start(Retention())


async def test_append_returns_increasing_ids_and_delivers_each_message_once(started: Started) -> None:
    first = await started.backend.append('lobby', ALICE, 'one')
    second = await started.backend.append('other', ALICE, 'two')
    await started.delivered_equals([first, second])
    assert second.id > first.id
    assert (first.room, first.author, first.text) == ('lobby', ALICE, 'one')


async def test_history_pages_backwards_oldest_first_per_room(started: Started) -> None:
    lobby = [await started.backend.append('lobby', ALICE, f'{i}') for i in range(5)]
    await started.backend.append('elsewhere', ALICE, 'not here')
    latest = await started.backend.history('lobby', limit=2)
    assert latest == lobby[3:]
    assert await started.backend.history('lobby', before=latest[0].id, limit=2) == lobby[1:3]
    assert await started.backend.history('lobby', before=lobby[0].id) == []
    assert await started.backend.history('nobody-here') == []


async def test_since_returns_what_follows_an_id_oldest_first_per_room(started: Started) -> None:
    lobby = [await started.backend.append('lobby', ALICE, f'{i}') for i in range(5)]
    await started.backend.append('elsewhere', ALICE, 'not here')
    assert await started.backend.since('lobby', after=lobby[1].id, limit=2) == lobby[2:4]
    assert await started.backend.since('lobby', after=0, limit=10) == lobby
    assert await started.backend.since('lobby', after=lobby[-1].id, limit=10) == []
    assert await started.backend.since('nobody-here', after=0, limit=10) == []


async def test_text_round_trips_exactly(started: Started) -> None:
    texts = ['<script>alert(1)</script>', 'emoji 🦊 and \u202eRTL', 'line\nbreak', 'nul \x00 byte', ' padded ']
    sent = [await started.backend.append('lobby', ALICE, text) for text in texts]
    assert [message.text for message in await started.backend.history('lobby')] == texts
    await started.delivered_equals(sent)


async def test_rooms_are_listed_with_their_count_and_latest_activity(started: Started) -> None:
    assert await started.backend.rooms() == []
    await started.backend.append('quiet', ALICE, 'one')
    for i in range(3):
        last = await started.backend.append('busy', ALICE, f'{i}')
    rooms = await started.backend.rooms()
    assert [(room.name, room.message_count) for room in rooms] == [('busy', 3), ('quiet', 1)]
    assert rooms[0].last_activity == pytest.approx(last.sent_at)


async def test_messages_survive_a_restart_of_the_app(make_backend: MakeBackend) -> None:
    first_run = make_backend()
    await first_run.start(lambda message: None)
    sent = [await first_run.append('lobby', ALICE, f'message {i}') for i in range(3)]
    await first_run.stop()

    second_run = make_backend()
    await second_run.start(lambda message: None)
    assert await second_run.history('lobby') == sent
    await second_run.stop()


async def test_concurrent_appends_are_delivered_in_the_stores_order(started: Started) -> None:
    posts = [started.backend.append('lobby', Author(f'tab-{i}', f'Writer {i}'), f'#{i}') for i in range(30)]
    sent = await asyncio.gather(*posts)
    stored = await started.backend.history('lobby')
    assert sorted(message.id for message in sent) == [message.id for message in stored]
    await started.delivered_equals(stored)


Start = Callable[[Retention], Awaitable[Started]]


def texts(messages: list[Message]) -> list[str]:
    return [message.text for message in messages]


async def counts(backend: Backend) -> dict[str, int]:
    return {room.name: room.message_count for room in await backend.rooms()}


async def a_moment_later(message: Message) -> None:
    """Wait until the clock has passed `message`'s time by a little, so a cutoff can fall between two messages."""
    async with asyncio.timeout(5):
        while time.time() < message.sent_at + 0.02:
            await asyncio.sleep(0.005)


async def test_a_room_keeps_only_its_newest_messages_and_its_summary_stays_true(start: Start) -> None:
    store = await start(Retention(keep_messages=3, keep_days=0))
    lobby = [await store.backend.append('lobby', ALICE, f'lobby {i}') for i in range(5)]
    other = [await store.backend.append('other', ALICE, f'other {i}') for i in range(2)]
    await store.delivered_equals(lobby + other)
    assert await store.backend.history('lobby') == lobby[2:]
    assert await store.backend.history('other') == other, 'each room has its own count'
    assert await counts(store.backend) == {'lobby': 3, 'other': 2}
    assert (await store.backend.rooms())[1].last_activity == pytest.approx(lobby[-1].sent_at)


async def test_reading_around_trimmed_messages_gets_what_is_left(start: Start) -> None:
    """A tab that shows messages which are gone since resumes, and pages back, without an error."""
    store = await start(Retention(keep_messages=2, keep_days=0))
    sent = [await store.backend.append('lobby', ALICE, f'{i}') for i in range(5)]
    assert await store.backend.since('lobby', after=sent[0].id, limit=10) == sent[3:]
    assert await store.backend.since('lobby', after=0, limit=1) == sent[3:4]
    assert await store.backend.history('lobby', before=sent[2].id) == []
    assert await store.backend.history('lobby', before=sent[4].id) == sent[3:4]


async def test_messages_older_than_keep_days_go_and_rooms_they_empty_disappear(start: Start) -> None:
    store = await start(Retention(keep_messages=0, keep_days=1))
    old = [await store.backend.append('quiet', ALICE, 'old'), await store.backend.append('lobby', ALICE, 'old')]
    await a_moment_later(old[-1])
    new = await store.backend.append('lobby', ALICE, 'new')
    cutoff = (old[-1].sent_at + new.sent_at) / 2
    assert await store.backend.trim(now=cutoff - 1 + DAY) == 0, 'nothing is a day old yet'
    assert await store.backend.trim(now=cutoff + DAY) == 2
    assert await store.backend.history('lobby') == [new]
    assert await store.backend.history('quiet') == []
    assert await store.backend.since('lobby', after=old[0].id, limit=10) == [new]
    assert await counts(store.backend) == {'lobby': 1}
    assert await store.backend.trim(now=cutoff + DAY) == 0
    again = await store.backend.append('quiet', ALICE, 'back')
    assert await counts(store.backend) == {'quiet': 1, 'lobby': 1}
    assert await store.backend.history('quiet') == [again]


async def test_keep_days_of_zero_keeps_messages_for_ever(start: Start) -> None:
    store = await start(Retention(keep_messages=0, keep_days=0))
    sent = await store.backend.append('lobby', ALICE, 'ancient')
    assert await store.backend.trim(now=sent.sent_at + 100 * 365 * DAY) == 0
    assert await store.backend.history('lobby') == [sent]


async def test_expiry_goes_through_many_rooms_and_messages_in_small_batches(
    start: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_store, 'TRIM_BATCH', 2)  # modules, not names: `user` pops `chat`
    monkeypatch.setattr(redis_store, 'TRIM_BATCH', 2)
    store = await start(Retention(keep_messages=0, keep_days=1))
    old = [await store.backend.append(f'room-{i % 5}', ALICE, f'old {i}') for i in range(12)]
    await a_moment_later(old[-1])
    new = await store.backend.append('room-0', ALICE, 'new')
    assert await store.backend.trim(now=(old[-1].sent_at + new.sent_at) / 2 + DAY) == 12
    assert await counts(store.backend) == {'room-0': 1}


async def test_a_lowered_keep_count_trims_quiet_rooms_too(make_backend: MakeBackend, start: Start) -> None:
    first_run = make_backend(Retention(keep_messages=10, keep_days=0))
    await first_run.start(lambda message: None)
    sent = [await first_run.append('quiet', ALICE, f'{i}') for i in range(6)]
    await first_run.stop()

    store = await start(Retention(keep_messages=2, keep_days=0))
    assert await store.backend.trim(now=time.time()) == 4
    assert await store.backend.history('quiet') == sent[4:]
    assert await counts(store.backend) == {'quiet': 2}


async def test_both_stores_keep_the_same_messages(start: Start) -> None:
    """The same posts leave the same messages in either store: the newest `keep_messages` of each room."""
    store = await start(Retention(keep_messages=4, keep_days=0))
    rooms = ['a', 'b', 'a', 'c', 'a', 'a', 'b', 'a', 'a', 'b', 'b', 'b', 'a']
    for index, room in enumerate(rooms):
        await store.backend.append(room, ALICE, f'{room}{index}')
    assert {room: texts(await store.backend.history(room)) for room in 'abc'} == {
        'a': ['a5', 'a7', 'a8', 'a12'],
        'b': ['b6', 'b9', 'b10', 'b11'],
        'c': ['c3'],
    }
    assert await counts(store.backend) == {'a': 4, 'b': 4, 'c': 1}


async def page_names(backend: Backend, *, prefix: str = '', size: int) -> list[list[str]]:
    """Every page of the rooms list (of those starting with `prefix`), each page's names, from the newest on."""
    pages, after = [], None
    while page := await backend.rooms(prefix=prefix, after=after, limit=size):
        pages.append([room.name for room in page])
        after = RoomCursor(page[-1].last_activity, page[-1].name)
    return pages


async def test_rooms_are_paged_from_the_most_recent_back_each_page_after_the_last(started: Started) -> None:
    for name in ('r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6'):
        await started.backend.append(name, ALICE, 'hello')
    assert await page_names(started.backend, size=3) == [['r6', 'r5', 'r4'], ['r3', 'r2', 'r1'], ['r0']]
    first = await started.backend.rooms(limit=3)
    await started.backend.append('r2', ALICE, 'back again')
    after_first = await started.backend.rooms(after=RoomCursor(first[-1].last_activity, first[-1].name), limit=3)
    assert [room.name for room in after_first] == ['r3', 'r1', 'r0'], 'a room active again moves to the top'


async def test_rooms_active_at_the_same_moment_are_paged_by_name(
    started: Started, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rooms sharing a timestamp (a clock's resolution, processes at the same instant) each show exactly once."""
    for moment, name in ((999.0, 'zzz'), (1000.0, 'a'), (1000.0, 'c'), (1000.0, 'b'), (1000.0, 'd')):
        clock = SimpleNamespace(time=lambda moment=moment: moment)
        monkeypatch.setattr(inspect.getmodule(started.backend), 'time', clock)
        await started.backend.append(name, ALICE, 'hello')
    assert await page_names(started.backend, size=2) == [['d', 'c'], ['b', 'a'], ['zzz']]
    assert await page_names(started.backend, size=3) == [['d', 'c', 'b'], ['a', 'zzz']]


async def test_rooms_are_searched_by_the_start_of_their_name(started: Started) -> None:
    for name in ('book', 'book-club', 'books_2', 'cookbook', 'boo', 'book_z', 'zz', 'zzz', 'bookz'):
        await started.backend.append(name, ALICE, 'hello')
    assert await page_names(started.backend, prefix='book', size=2) == [
        ['bookz', 'book_z'],
        ['books_2', 'book-club'],
        ['book'],
    ]
    assert await page_names(started.backend, prefix='book-', size=5) == [['book-club']]
    assert await page_names(started.backend, prefix='zz', size=5) == [['zzz', 'zz']]
    assert await page_names(started.backend, prefix='cookbook', size=5) == [['cookbook']]
    assert await page_names(started.backend, prefix='x', size=5) == []
    (book,) = await started.backend.rooms(prefix='book-c')
    assert (book.name, book.message_count) == ('book-club', 1)


BOB = Author('tab-b', 'Bob')


async def test_an_author_edits_their_message_in_place_and_every_reader_sees_the_new_text(started: Started) -> None:
    first = await started.backend.append('lobby', ALICE, 'helo')
    second = await started.backend.append('lobby', BOB, 'hi')
    edited = await started.backend.edit('lobby', first.id, ALICE.id, 'hello')
    assert (edited.id, edited.author, edited.text, edited.sent_at) == (first.id, ALICE, 'hello', first.sent_at)
    assert edited.edited_at is not None and edited.edited_at >= first.sent_at and not edited.deleted
    await started.delivered_equals([first, second, edited])
    assert await started.backend.history('lobby') == [edited, second]
    assert await started.backend.since('lobby', after=0, limit=10) == [edited, second]
    again = await started.backend.edit('lobby', first.id, ALICE.id, 'hello!')
    assert again.revision > edited.revision, 'a later edit is the current one'
    assert await started.backend.history('lobby', limit=1) == [second]
    assert await started.backend.history('lobby', before=second.id) == [again]


async def test_a_deleted_message_keeps_its_place_without_its_text(started: Started) -> None:
    sent = [await started.backend.append('lobby', ALICE, f'{i}') for i in range(3)]
    await started.backend.edit('lobby', sent[1].id, ALICE.id, 'edited first')
    deleted = await started.backend.delete('lobby', sent[1].id, ALICE.id)
    assert (deleted.id, deleted.author, deleted.text, deleted.deleted) == (sent[1].id, ALICE, '', True)
    assert await started.backend.history('lobby') == [sent[0], deleted, sent[2]]
    assert await started.backend.history('lobby', before=sent[2].id, limit=1) == [deleted]
    assert await started.backend.since('lobby', after=sent[0].id, limit=1) == [deleted]
    assert await started.backend.since('lobby', after=sent[1].id, limit=5) == [sent[2]]
    assert started.delivered[-1] == deleted
    assert await counts(started.backend) == {'lobby': 3}, 'a deleted message still stands in its room'


async def test_only_the_author_may_change_a_message_and_only_while_it_exists(started: Started) -> None:
    mine = await started.backend.append('lobby', ALICE, 'mine')
    for change in (
        started.backend.edit('lobby', mine.id, BOB.id, 'hacked'),
        started.backend.delete('lobby', mine.id, BOB.id),
    ):
        with pytest.raises(ChatError) as refused:
            await change
        assert refused.value.kind == ErrorKind.NOT_YOURS
    for change in (
        started.backend.edit('other', mine.id, ALICE.id, 'wrong room'),
        started.backend.edit('lobby', mine.id + 1, ALICE.id, 'no such message'),
    ):
        with pytest.raises(ChatError) as refused:
            await change
        assert refused.value.kind == ErrorKind.GONE
    await started.backend.delete('lobby', mine.id, ALICE.id)
    for change in (
        started.backend.edit('lobby', mine.id, ALICE.id, 'back'),
        started.backend.delete('lobby', mine.id, ALICE.id),
    ):
        with pytest.raises(ChatError) as refused:
            await change
        assert refused.value.kind == ErrorKind.GONE
    assert texts(await started.backend.history('lobby')) == ['']
    await started.delivered_equals([mine, (await started.backend.history('lobby'))[0]])


async def test_changes_reach_every_process_in_the_stores_order(make_backend: MakeBackend, started: Started) -> None:
    """Each state of a message is delivered like a message: once, in order, to every process sharing the store
    (SQLite: the one process). A state already replaced when a process reads the feed may be skipped there; the
    current one always arrives, so a tab shows the message as it is now."""
    other = Started(make_backend())
    await other.backend.start(other.delivered.append)
    shared = isinstance(started.backend, RedisBackend)
    try:
        first = await started.backend.append('lobby', ALICE, 'one')
        await other.delivered_equals([first] if shared else [])
        edited = await other.backend.edit('lobby', first.id, ALICE.id, 'one, edited')
        await started.delivered_equals([first, edited] if shared else [first])
        second = await started.backend.append('lobby', ALICE, 'two')
        deleted = await started.backend.delete('lobby', first.id, ALICE.id)
        await started.delivered_equals([first, edited, second, deleted] if shared else [first, second, deleted])
        await other.delivered_equals([first, edited, second, deleted] if shared else [edited])
    finally:
        await other.backend.stop()


async def test_retention_drops_changed_messages_like_any_other(start: Start) -> None:
    store = await start(Retention(keep_messages=3, keep_days=1))
    sent = [await store.backend.append('lobby', ALICE, f'{i}') for i in range(3)]
    edited = await store.backend.edit('lobby', sent[0].id, ALICE.id, 'edited')
    deleted = await store.backend.delete('lobby', sent[1].id, ALICE.id)
    assert await store.backend.history('lobby') == [edited, deleted, sent[2]]
    newer = await store.backend.append('lobby', ALICE, '3')
    assert await store.backend.history('lobby') == [deleted, sent[2], newer], 'the count holds changed messages too'
    assert await counts(store.backend) == {'lobby': 3}
    with pytest.raises(ChatError) as refused:
        await store.backend.edit('lobby', sent[0].id, ALICE.id, 'after it left')
    assert refused.value.kind == ErrorKind.GONE
    await a_moment_later(newer)
    assert await store.backend.trim(now=newer.sent_at + 0.01 + DAY) == 3
    assert await store.backend.history('lobby') == []
    assert await counts(store.backend) == {}
    assert await store.backend.since('lobby', after=0, limit=10) == []


SEARCHED = [
    'Meet at the Café tomorrow',
    'the cafe is closed',
    'CAFÉS everywhere',
    'decomposed cafe\u0301s too',
    'Straße und Strasse',
    'Ελληνικά και ΟΔΟΣ',
    'Привет, мир! Йод',
    '我喜欢猫 and 日本語のテキスト',
    'café au lait, not tea',
]


async def found(backend: Backend, query: str, *, room: str = 'lobby', **page: int) -> list[str]:
    return texts(await backend.search(room, clean_search_words(query), **page))


async def test_a_search_finds_words_whatever_their_case_and_latin_accents(started: Started) -> None:
    for text in SEARCHED:
        await started.backend.append('lobby', ALICE, text)
    every_cafe = [SEARCHED[8], SEARCHED[3], SEARCHED[2], SEARCHED[1], SEARCHED[0]]
    assert await found(started.backend, 'cafe') == every_cafe, 'the last word is the start of a word'
    assert await found(started.backend, 'CAFÉ') == every_cafe
    assert await found(started.backend, 'caf') == every_cafe
    assert await found(started.backend, 'cafés') == [SEARCHED[3], SEARCHED[2]], 'decomposed accents too'
    assert await found(started.backend, 'cafe is') == [SEARCHED[1]]
    assert await found(started.backend, 'cafe lait') == [SEARCHED[8]], 'a word before the last is a whole word'
    assert await found(started.backend, 'cafes everywhere') == [SEARCHED[2]]
    assert await found(started.backend, 'cafe tomorrow') == [SEARCHED[0]], 'every word must be there'
    assert await found(started.backend, 'tomorrow cafe') == [SEARCHED[0]]
    assert await found(started.backend, 'tomorrow tea') == []
    assert await found(started.backend, 'strasse') == [SEARCHED[4]]
    assert await found(started.backend, 'straße') == [SEARCHED[4]]
    assert await found(started.backend, 'οδος') == [SEARCHED[5]], 'Greek folds case'
    assert await found(started.backend, 'ελληνικα') == [], 'and keeps its accents, as FTS5 does'
    assert await found(started.backend, 'йод мир') == [SEARCHED[6]]
    assert await found(started.backend, 'иод') == [], 'й is a letter of its own'
    assert await found(started.backend, '我喜欢') == [SEARCHED[7]], 'a run of CJK characters is found by its start'
    assert await found(started.backend, '猫') == []
    assert await found(started.backend, 'au la') == [SEARCHED[8]]
    assert await found(started.backend, 'au la not') == [], 'only the last word is a prefix'


@pytest.mark.parametrize(
    'query',
    ['"closed', 'closed"', 'clo*', 'NEAR(the closed)', 'the -closed', 'text:closed', '^closed', '(closed',
     'closed OR x', 'the AND closed', 'NOT closed', '{text}: closed', "cl'osed", 'closed +', '\\closed', 'closed;--'],
)  # fmt: skip
async def test_search_syntax_is_plain_text(started: Started, query: str) -> None:
    """Whatever FTS5 would read as syntax is only a separator between words: every query runs, none fails."""
    closed = await started.backend.append('lobby', ALICE, 'the cafe is closed')
    await started.backend.append('lobby', ALICE, 'or x and not near text')
    expected = [closed] if all(word in {'the', 'closed', 'clo'} for word in words(query)) else []
    assert await started.backend.search('lobby', clean_search_words(query)) == expected


async def test_search_pages_back_newest_first_within_one_room(started: Started) -> None:
    sent = [await started.backend.append('lobby', ALICE, f'match {i}') for i in range(7)]
    await started.backend.append('other', ALICE, 'match elsewhere')
    await started.backend.append('lobby', ALICE, 'no hit')
    search = clean_search_words('match')
    first = await started.backend.search('lobby', search, limit=3)
    assert first == sent[:3:-1]
    assert await started.backend.search('lobby', search, before=first[-1].id, limit=3) == sent[3:0:-1]
    assert await started.backend.search('lobby', search, before=sent[1].id, limit=3) == sent[:1]
    assert await started.backend.search('lobby', search, before=sent[0].id) == []
    assert texts(await started.backend.search('other', search)) == ['match elsewhere']
    assert await started.backend.search('nobody-here', search) == []


async def test_a_search_reads_past_many_messages_that_do_not_match(started: Started) -> None:
    """The Redis store reads the stream in chunks: a match behind more than one chunk of others is found."""
    wanted = await started.backend.append('lobby', ALICE, 'needle')
    for i in range(redis_store.SEARCH_CHUNK + 10):
        await started.backend.append('lobby', ALICE, f'hay {i}')
    assert await started.backend.search('lobby', clean_search_words('needle')) == [wanted]


async def test_trimmed_and_expired_messages_are_not_found(start: Start) -> None:
    store = await start(Retention(keep_messages=2, keep_days=1))
    old = await store.backend.append('lobby', ALICE, 'word one')
    await a_moment_later(old)
    kept = [await store.backend.append('lobby', ALICE, f'word {i}') for i in range(2, 5)]
    assert await store.backend.search('lobby', clean_search_words('word')) == kept[:0:-1]
    assert await store.backend.trim(now=(old.sent_at + kept[0].sent_at) / 2 + DAY) == 0, 'already trimmed by count'
    assert await store.backend.trim(now=kept[-1].sent_at + 2 * DAY) == 2
    assert await store.backend.search('lobby', clean_search_words('word')) == []


async def test_a_search_finds_an_edited_message_by_its_new_text_and_a_deleted_one_not_at_all(started: Started) -> None:
    """In Redis an edited message leaves the room's stream for its changed set: a search reads both, in id order."""
    first = await started.backend.append('lobby', ALICE, 'teh first draft')
    second = await started.backend.append('lobby', ALICE, 'draft two')
    third = await started.backend.append('lobby', ALICE, 'draft three, regretted')
    await started.backend.append('lobby', ALICE, 'newest draft')
    await started.backend.edit('lobby', first.id, ALICE.id, 'the first draft, fixed')
    await started.backend.delete('lobby', third.id, ALICE.id)
    assert await found(started.backend, 'teh') == []
    assert await found(started.backend, 'fixed') == ['the first draft, fixed']
    assert await found(started.backend, 'regretted') == []
    assert await found(started.backend, 'draft') == ['newest draft', 'draft two', 'the first draft, fixed']
    assert await found(started.backend, 'draft', before=second.id) == ['the first draft, fixed']


def reactions(message: Message) -> list[tuple[str, list[str]]]:
    return [(reaction.emoji, [author.name for author in reaction.authors]) for reaction in message.reactions]


async def test_reactions_toggle_per_author_and_emoji_and_every_reader_sees_them(started: Started) -> None:
    first = await started.backend.append('lobby', ALICE, 'party')
    second = await started.backend.append('lobby', BOB, 'next')
    liked = await started.backend.react('lobby', first.id, BOB, '🎉', on=True)
    assert reactions(liked) == [('🎉', ['Bob'])] and liked.revision > first.revision
    thumb = await started.backend.react('lobby', first.id, ALICE, '👍', on=True)
    party = await started.backend.react('lobby', first.id, ALICE, '🎉', on=True)
    twice = await started.backend.react('lobby', first.id, ALICE, '🎉', on=True)
    assert reactions(twice) == [('👍', ['Alice']), ('🎉', ['Bob', 'Alice'])], 'one per author and emoji'
    taken_back = await started.backend.react('lobby', first.id, BOB, '🎉', on=False)
    assert reactions(taken_back) == [('👍', ['Alice']), ('🎉', ['Alice'])]
    assert taken_back.text == 'party' and taken_back.edited_at is None and taken_back.revision > twice.revision
    await started.delivered_ends_with(taken_back)
    assert [first, second, liked, thumb, party, twice, taken_back] == started.delivered or isinstance(
        started.backend, RedisBackend
    ), 'SQLite delivers every state; Redis may skip one replaced before its feed was read'
    assert await started.backend.history('lobby') == [taken_back, second]
    assert await started.backend.since('lobby', after=0, limit=10) == [taken_back, second]
    edited = await started.backend.edit('lobby', first.id, ALICE.id, 'party!')
    assert reactions(edited) == reactions(taken_back) and edited.revision > taken_back.revision
    assert await started.backend.history('lobby', before=second.id) == [edited]


async def test_reactions_go_with_their_message_and_only_exist_on_messages_that_do(start: Start) -> None:
    store = await start(Retention(keep_messages=2, keep_days=1))
    sent = [await store.backend.append('lobby', ALICE, f'{i}') for i in range(2)]
    await store.backend.react('lobby', sent[0].id, BOB, '❤️', on=True)
    reacted = await store.backend.react('lobby', sent[1].id, BOB, '😂', on=True)
    deleted = await store.backend.delete('lobby', sent[1].id, ALICE.id)
    assert deleted.reactions == () and (await store.backend.history('lobby'))[1] == deleted
    assert reacted.reactions != ()
    for message_id, room in ((sent[1].id, 'lobby'), (sent[0].id, 'other'), (sent[1].id + 1, 'lobby')):
        with pytest.raises(ChatError) as refused:
            await store.backend.react(room, message_id, BOB, '👍', on=True)
        assert refused.value.kind == ErrorKind.GONE
    await store.backend.append('lobby', ALICE, '2')
    with pytest.raises(ChatError) as refused:
        await store.backend.react('lobby', sent[0].id, BOB, '👍', on=False)
    assert refused.value.kind == ErrorKind.GONE, 'the retention took the message and its reactions'
    assert [message.reactions for message in await store.backend.history('lobby')] == [(), ()]


async def test_reactions_reach_every_process(make_backend: MakeBackend, started: Started) -> None:
    other = Started(make_backend())
    await other.backend.start(other.delivered.append)
    try:
        first = await started.backend.append('lobby', ALICE, 'one')
        reacted = await other.backend.react('lobby', first.id, BOB, '😮', on=True)
        if isinstance(started.backend, RedisBackend):
            await started.delivered_ends_with(reacted)
        assert await started.backend.history('lobby') == [reacted]
    finally:
        await other.backend.stop()


async def test_mentions_are_stored_with_the_message_and_kept_by_edits_and_reactions(
    make_backend: MakeBackend, started: Started
) -> None:
    other = Started(make_backend())
    await other.backend.start(other.delivered.append)
    shared = isinstance(started.backend, RedisBackend)
    try:
        mentions = ('AAAAAAAAAAAA', 'BBBB-BBB_BBB')
        first = await started.backend.append('lobby', ALICE, '@Bob @Carol hi', mentions=mentions)
        plain = await started.backend.append('lobby', ALICE, 'no one')
        assert (first.mentions, plain.mentions) == (mentions, ())
        await started.delivered_equals([first, plain])
        await other.delivered_equals([first, plain] if shared else [])
        assert await started.backend.history('lobby') == [first, plain]
        assert await other.backend.since('lobby', after=0, limit=5) == [first, plain]
        edited = await started.backend.edit('lobby', first.id, ALICE.id, '@Bob @Carol hello')
        reacted = await started.backend.react('lobby', first.id, BOB, '👍', on=True)
        assert edited.mentions == reacted.mentions == mentions, 'an edit notifies nobody anew and forgets nobody'
        assert await other.backend.history('lobby') == [reacted, plain]
        if shared:
            await other.delivered_ends_with(reacted)
        deleted = await started.backend.delete('lobby', first.id, ALICE.id)
        assert deleted.mentions == (), 'a deleted message keeps no trace of whom it named'
        assert await started.backend.history('lobby') == [deleted, plain]
    finally:
        await other.backend.stop()


LONG = 'Shall we meet at the café on the corner tomorrow at noon, or would the station suit everyone better?'


async def test_a_reply_carries_a_quote_of_its_original_wherever_it_is_read(started: Started) -> None:
    original = await started.backend.append('lobby', ALICE, LONG)
    reply = await started.backend.append('lobby', BOB, 'the café', reply_to=original.id)
    quote = Quote(
        original.id, 'Alice', 'Shall we meet at the café on the corner tomorrow at noon, or would the station…', False
    )
    assert (reply.reply_to, reply.quote) == (original.id, quote)
    await started.delivered_equals([original, reply])
    assert await started.backend.history('lobby') == [original, reply]
    assert await started.backend.since('lobby', after=original.id, limit=5) == [reply]
    assert original.quote is None and original.reply_to is None


async def test_a_reply_to_a_message_not_in_its_room_is_refused_and_nothing_is_stored(started: Started) -> None:
    elsewhere = await started.backend.append('other', ALICE, 'not in the lobby')
    for reply_to in (elsewhere.id, elsewhere.id + 1_000_000, 0):
        with pytest.raises(ChatError) as refused:
            await started.backend.append('lobby', BOB, 'hm?', reply_to=reply_to)
        assert refused.value.kind == ErrorKind.GONE
    assert await started.backend.history('lobby') == []
    await started.delivered_equals([elsewhere])


async def test_quotes_follow_their_original_edited_then_deleted_in_one_batch(started: Started) -> None:
    first = await started.backend.append('lobby', ALICE, 'first draft')
    second = await started.backend.append('lobby', BOB, 'untouched')
    replies = [await started.backend.append('lobby', BOB, f're {i}', reply_to=first.id) for i in range(2)]
    to_second = await started.backend.append('lobby', ALICE, 'and you', reply_to=second.id)
    await started.backend.edit('lobby', first.id, ALICE.id, 'second draft')
    edited = await started.backend.history('lobby', limit=3)
    assert [m.quote for m in edited] == [
        Quote(first.id, 'Alice', 'second draft', False),
        Quote(first.id, 'Alice', 'second draft', False),
        Quote(second.id, 'Bob', 'untouched', False),
    ]
    await started.backend.delete('lobby', first.id, ALICE.id)
    gone_quote = Quote(first.id, 'Alice', '', True)
    assert [m.quote for m in await started.backend.since('lobby', after=second.id, limit=5)] == [
        gone_quote,
        gone_quote,
        to_second.quote,
    ]
    assert await started.backend.quotes('lobby', [first.id, second.id, first.id + 10**9]) == {
        first.id: gone_quote,
        second.id: Quote(second.id, 'Bob', 'untouched', False),
    }
    assert await started.backend.quotes('other', [second.id]) == {}
    assert await started.backend.quotes('lobby', []) == {}
    assert replies[0].quote == Quote(first.id, 'Alice', 'first draft', False), 'as it was when the reply was sent'


async def test_a_reply_keeps_its_quote_through_its_own_edits_and_reactions(started: Started) -> None:
    original = await started.backend.append('lobby', ALICE, 'question')
    reply = await started.backend.append('lobby', BOB, 'answr', reply_to=original.id)
    edited = await started.backend.edit('lobby', reply.id, BOB.id, 'answer')
    reacted = await started.backend.react('lobby', reply.id, ALICE, '👍', on=True)
    for state in (edited, reacted, (await started.backend.history('lobby'))[-1]):
        assert (state.reply_to, state.quote) == (original.id, reply.quote)
    await started.delivered_ends_with(reacted)


async def test_a_reply_whose_original_left_with_the_retention_still_says_what_it_replied_to(start: Start) -> None:
    store = await start(Retention(keep_messages=2, keep_days=0))
    original = await store.backend.append('lobby', ALICE, 'soon gone')
    reply = await store.backend.append('lobby', BOB, 'to it', reply_to=original.id)
    await store.backend.append('lobby', ALICE, 'pushes the original out')
    assert [m.quote for m in await store.backend.history('lobby')] == [Quote(original.id, '', '', True), None]
    assert (await store.backend.history('lobby'))[0].id == reply.id


async def test_replies_reach_every_process_with_their_quote(make_backend: MakeBackend, started: Started) -> None:
    other = Started(make_backend())
    await other.backend.start(other.delivered.append)
    try:
        original = await started.backend.append('lobby', ALICE, 'hello all')
        reply = await other.backend.append('lobby', BOB, 'hi', reply_to=original.id)
        if isinstance(started.backend, RedisBackend):
            await started.delivered_ends_with(reply)
        assert reply.quote == Quote(original.id, 'Alice', 'hello all', False)
        assert await started.backend.history('lobby') == [original, reply]
    finally:
        await other.backend.stop()


async def test_a_private_room_knows_its_owner_and_no_one_else(started: Started) -> None:
    await started.backend.create_private('~club-abc123', 'owner', time.time())
    assert await started.backend.access('~club-abc123', 'owner') is Access.OWNER
    assert await started.backend.access('~club-abc123', 'stranger') is Access.NONE
    assert await started.backend.access('~no-such-room', 'owner') is Access.NONE
    with pytest.raises(ChatError):
        await started.backend.create_private('~club-abc123', 'someone-else', time.time())
    assert await started.backend.access('~club-abc123', 'someone-else') is Access.NONE


async def test_private_rooms_are_never_listed(started: Started) -> None:
    await started.backend.create_private('~club-abc123', 'owner', time.time())
    await started.backend.append('~club-abc123', ALICE, 'secret')
    await started.backend.append('club', ALICE, 'public')
    assert [room.name for room in await started.backend.rooms()] == ['club']
    assert [room.name for room in await started.backend.rooms(prefix='c')] == ['club']


async def test_an_invite_makes_members_until_its_uses_run_out(started: Started) -> None:
    store = started.backend
    await store.create_private('~club-abc123', 'owner', time.time())
    await store.add_invite('hash-1', '~club-abc123', 2, None)
    assert await store.redeem('hash-1', 'bob', time.time()) == '~club-abc123'
    assert await store.redeem('hash-1', 'bob', time.time()) == '~club-abc123'  # a member again uses nothing
    assert await store.redeem('hash-1', 'carol', time.time()) == '~club-abc123'
    assert await store.redeem('hash-1', 'dave', time.time()) is None
    assert await store.redeem('no-such-hash', 'dave', time.time()) is None
    assert [await store.access('~club-abc123', person) for person in ('bob', 'carol', 'dave')] == [
        Access.MEMBER,
        Access.MEMBER,
        Access.NONE,
    ]


async def test_an_expired_invite_makes_no_member(started: Started) -> None:
    store = started.backend
    now = time.time()
    await store.create_private('~club-abc123', 'owner', now)
    await store.add_invite('hash-1', '~club-abc123', None, now + 60)
    assert await store.redeem('hash-1', 'late', now + 61) is None
    assert await store.redeem('hash-1', 'early', now + 1) == '~club-abc123'
    assert await store.access('~club-abc123', 'late') is Access.NONE


async def test_memberships_survive_a_restart_of_the_app(make_backend: MakeBackend) -> None:
    first_run = make_backend()
    await first_run.start(lambda message: None)
    await first_run.create_private('~club-abc123', 'owner', time.time())
    await first_run.add_invite('hash-1', '~club-abc123', None, None)
    await first_run.stop()

    second_run = make_backend()
    await second_run.start(lambda message: None)
    assert await second_run.redeem('hash-1', 'bob', time.time()) == '~club-abc123'
    assert await second_run.access('~club-abc123', 'owner') is Access.OWNER
    await second_run.stop()


async def test_a_moderator_link_makes_one_moderator_once_and_only_before_it_expires(started: Started) -> None:
    store, now = started.backend, time.time()
    await store.add_moderator_link('hash-1', now + 60)
    await store.add_moderator_link('hash-2', now + 60)
    assert not await store.is_moderator('alice')
    assert await store.redeem_moderator_link('hash-1', 'alice', now) is True
    assert await store.redeem_moderator_link('hash-1', 'bob', now) is False  # used
    assert await store.redeem_moderator_link('hash-2', 'bob', now + 61) is False  # expired
    assert await store.redeem_moderator_link('no-such-hash', 'bob', now) is False
    assert (await store.is_moderator('alice'), await store.is_moderator('bob')) == (True, False)


async def test_moderators_and_their_log_survive_a_restart_of_the_app(make_backend: MakeBackend) -> None:
    first_run = make_backend()
    await first_run.start(lambda message: None)
    await first_run.add_moderator_link('hash-1', time.time() + 60)
    await first_run.redeem_moderator_link('hash-1', 'alice', time.time())
    entry = await first_run.add_log_entry(time.time(), 'Alice', 'remove', 'lobby', 'Bob', 'message 7')
    await first_run.stop()

    second_run = make_backend()
    await second_run.start(lambda message: None)
    assert await second_run.is_moderator('alice')
    assert await second_run.moderation_log(None, 10) == [entry]
    await second_run.stop()


async def test_the_moderation_log_pages_back_from_the_newest(started: Started) -> None:
    store = started.backend
    written = [
        await store.add_log_entry(1000.0 + i, 'Alice', 'remove', 'lobby', f'person {i}', f'message {i}')
        for i in range(5)
    ]
    assert [entry.id for entry in written] == sorted({entry.id for entry in written})
    assert (written[0].moderator, written[0].target, written[0].at) == ('Alice', 'person 0', 1000.0)
    newest = await store.moderation_log(None, 2)
    assert newest == written[:2:-1][:2] == [written[4], written[3]]
    assert await store.moderation_log(newest[-1].id, 2) == [written[2], written[1]]
    assert await store.moderation_log(written[1].id, 2) == [written[0]]


async def test_a_removed_message_loses_its_text_anywhere_and_says_a_moderator_removed_it(
    make_backend: MakeBackend, started: Started
) -> None:
    other = Started(make_backend())
    await other.backend.start(other.delivered.append)
    try:
        message = await started.backend.append('lobby', ALICE, 'something rude', mentions=('tok',))
        await started.backend.react('lobby', message.id, Author('tab-b', 'Bob'), '👍', on=True)
        removed = await started.backend.remove('lobby', message.id)
        assert (removed.text, removed.deleted, removed.removed, removed.reactions, removed.mentions) == (
            '',
            True,
            True,
            (),
            (),
        )
        assert removed.author == ALICE and removed.id == message.id
        await (other if isinstance(started.backend, RedisBackend) else started).delivered_ends_with(removed)
        assert await started.backend.history('lobby') == await other.backend.history('lobby') == [removed]
        assert await found(started.backend, 'rude') == []
        with pytest.raises(ChatError) as refused:
            await started.backend.remove('lobby', message.id)
        assert refused.value.kind is ErrorKind.GONE
        deleted = await started.backend.delete('lobby', (await started.backend.append('lobby', ALICE, 'x')).id, 'tab-a')
        assert not deleted.removed
    finally:
        await other.backend.stop()


async def test_a_reply_read_back_says_its_original_was_removed_by_a_moderator(started: Started) -> None:
    rude = await started.backend.append('lobby', ALICE, 'something rude')
    plain = await started.backend.append('lobby', ALICE, 'something plain')
    reply = await started.backend.append('lobby', BOB, 'how dare you', reply_to=rude.id)
    await started.backend.remove('lobby', rude.id)
    await started.backend.delete('lobby', plain.id, ALICE.id)
    quotes = await started.backend.quotes('lobby', [rude.id, plain.id])
    assert (quotes[rude.id].deleted, quotes[rude.id].removed) == (True, True)
    assert (quotes[plain.id].deleted, quotes[plain.id].removed) == (True, False)
    (read,) = [message for message in await started.backend.history('lobby') if message.id == reply.id]
    assert read.quote is not None and read.quote.removed and read.quote.excerpt == ''


async def test_a_notice_is_stored_delivered_and_read_back_in_order_but_never_found(started: Started) -> None:
    notice = Notice(NoticeKind.REMOVED, target='bob', target_name='Bob', reason='spam')
    before = await started.backend.append('~club-abc123', ALICE, 'hello removed people')
    written = await started.backend.append('~club-abc123', NOTICE_AUTHOR, '', notice=notice)
    after = await started.backend.append('~club-abc123', ALICE, 'after')
    await started.delivered_equals([before, written, after])
    assert written.notice == notice and written.author == NOTICE_AUTHOR and written.text == ''
    assert await started.backend.history('~club-abc123') == [before, written, after]
    assert await started.backend.since('~club-abc123', after=before.id, limit=5) == [written, after]
    for text in ('removed', 'bob', 'spam'):
        found = await started.backend.search('~club-abc123', clean_search_words(text), limit=5)
        assert all(message.notice is None for message in found)
    for change in (
        started.backend.react('~club-abc123', written.id, ALICE, '👍', on=True),
        started.backend.edit('~club-abc123', written.id, NOTICE_AUTHOR.id, 'forged'),
        started.backend.delete('~club-abc123', written.id, NOTICE_AUTHOR.id),
        started.backend.remove('~club-abc123', written.id),
    ):
        with pytest.raises(ChatError) as refused:
            await change
        assert refused.value.kind is ErrorKind.GONE, 'a notice is no message to change'


async def test_a_notice_with_an_end_reaches_every_process_and_survives_a_restart(
    make_backend: MakeBackend, started: Started
) -> None:
    """(SQLite: the one process.)"""
    other = Started(make_backend())
    await other.backend.start(other.delivered.append)
    try:
        notice = Notice(NoticeKind.REMOVED, target_name='Ünïcode ✓', until=1_900_000_000.25)
        written = await started.backend.append('lobby', NOTICE_AUTHOR, '', notice=notice)
        await (other if isinstance(started.backend, RedisBackend) else started).delivered_ends_with(written)
    finally:
        await other.backend.stop()
    restarted = make_backend()
    await restarted.start(lambda message: None)
    try:
        assert await restarted.history('lobby') == [written]
    finally:
        await restarted.stop()


async def test_the_owner_sees_the_members_with_the_names_they_last_had_and_removes_one(started: Started) -> None:
    store = started.backend
    await store.create_private('~club-abc123', 'owner', time.time())
    await store.add_invite('hash-1', '~club-abc123', None, None)
    for person in ('bob', 'carol'):
        await store.redeem('hash-1', person, time.time())
    await store.remember_name('~club-abc123', 'bob', 'Bob')
    await store.remember_name('~club-abc123', 'bob', 'Bobby')
    await store.remember_name('~club-abc123', 'owner', 'Olga')
    await store.remember_name('~club-abc123', 'stranger', 'Eve')  # no member: nothing to remember
    assert await store.members('~club-abc123') == [
        Member('owner', 'Olga', owner=True),
        Member('bob', 'Bobby', owner=False),
        Member('carol', '', owner=False),
    ]
    assert await store.remove_member('~club-abc123', 'bob') is True
    assert await store.remove_member('~club-abc123', 'bob') is False
    assert await store.access('~club-abc123', 'bob') is Access.NONE
    assert [member.person for member in await store.members('~club-abc123')] == ['owner', 'carol']
    assert await store.redeem('hash-1', 'bob', time.time()) == '~club-abc123', 'a new invite makes them a member again'
    assert await store.members('~no-such-room') == []


async def test_the_owner_lists_the_open_invites_by_id_and_revokes_one(started: Started) -> None:
    store = started.backend
    now = time.time()
    await store.create_private('~club-abc123', 'owner', now)
    await store.create_private('~other-abc123', 'owner', now)
    await store.add_invite('a' * 64, '~club-abc123', 3, now + 3600)
    await store.add_invite('b' * 64, '~club-abc123', None, None)
    await store.add_invite('c' * 64, '~other-abc123', None, None)
    await store.add_invite('d' * 64, '~club-abc123', 1, None)
    await store.redeem('d' * 64, 'bob', now)  # used up: no longer open
    await store.redeem('a' * 64, 'carol', now)
    listed = await store.invites('~club-abc123')
    assert [(i.id, i.uses_left, i.expires_at) for i in listed] == [
        ('aaaaaaaaaaaa', 2, now + 3600),
        ('bbbbbbbbbbbb', None, None),
    ]
    assert all(now - 5 < invite.created_at < time.time() + 1 for invite in listed)
    assert 'a' * 64 not in repr(listed), 'an invite is named by a short prefix of its hash, never in full'
    assert await store.revoke_invite('~other-abc123', 'aaaaaaaaaaaa') is False, 'only in its own room'
    assert await store.revoke_invite('~club-abc123', 'aaaaaaaaaaaa') is True
    assert await store.redeem('a' * 64, 'dave', now) is None
    assert [invite.id for invite in await store.invites('~club-abc123')] == ['bbbbbbbbbbbb']


async def test_a_room_is_made_read_only_and_writable_again_and_every_process_reads_it(
    make_backend: MakeBackend, started: Started
) -> None:
    store = started.backend
    assert await store.read_only_rooms() == []
    assert await store.set_read_only('lobby', True) is True
    assert await store.set_read_only('lobby', True) is False, 'already read-only: nothing changed'
    await store.set_read_only('~club-abc123', True)
    assert sorted(await store.read_only_rooms()) == ['lobby', '~club-abc123']
    assert await store.set_read_only('lobby', False) is True
    assert await store.set_read_only('lobby', False) is False
    restarted = make_backend()
    await restarted.start(lambda message: None)
    try:
        assert await restarted.read_only_rooms() == ['~club-abc123']
    finally:
        await restarted.stop()


async def test_mutes_are_kept_until_they_end_and_survive_a_restart(make_backend: MakeBackend, started: Started) -> None:
    now = time.time()
    here = Mute('bob', '10.0.0.2', 'lobby', now + 600, 'spam ✓', 'Bob')
    everywhere = Mute('carol', '', EVERYWHERE, now + 86_400, 'insults', 'Carol')
    ended = Mute('dave', '10.0.0.4', 'lobby', now - 1, 'old', 'Dave')
    for mute in (here, everywhere, ended):
        await started.backend.add_mute(mute)
    assert sorted(await started.backend.mutes(now), key=lambda mute: mute.person) == [here, everywhere]
    assert await started.backend.mutes(now + 601) == [everywhere]
    restarted = make_backend()
    await restarted.start(lambda message: None)
    try:
        assert sorted(await restarted.mutes(now), key=lambda mute: mute.person) == [here, everywhere]
    finally:
        await restarted.stop()


async def test_a_persons_mutes_that_hold_in_a_room_are_lifted_and_stay_lifted(
    make_backend: MakeBackend, started: Started
) -> None:
    now = time.time()
    here = Mute('bob', '10.0.0.2', 'lobby', now + 600, 'spam', 'Bob')
    everywhere = Mute('bob', '10.0.0.2', EVERYWHERE, now + 3_600, 'insults', 'Bob')
    elsewhere = Mute('bob', '10.0.0.2', 'other', now + 600, 'flood', 'Bob')
    carols = Mute('carol', '10.0.0.3', 'lobby', now + 600, 'spam', 'Carol')
    for mute in (here, everywhere, elsewhere, carols):
        await started.backend.add_mute(mute)
    lifted = await started.backend.lift_mutes('bob', 'lobby', now)
    assert sorted(lifted, key=lambda mute: mute.until) == [here, everywhere]
    assert await started.backend.lift_mutes('bob', 'lobby', now) == [], 'lifted once'
    restarted = make_backend()
    await restarted.start(lambda message: None)
    try:
        assert sorted(await restarted.mutes(now), key=lambda mute: mute.person) == [elsewhere, carols]
    finally:
        await restarted.stop()
