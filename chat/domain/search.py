"""What a search of a room's messages is: words, normalised as SQLite's FTS5 `unicode61 remove_diacritics 2`
tokenizer does, so every store finds the same messages and the UI marks the words that matched.

A word is a run of letters and digits; case does not count, nor do the accents of Latin letters
(`Café` finds `cafe`), while other scripts keep theirs, as in FTS5. Every word of a search must
be in a message, the last one as the start of a word, so results narrow while one types.
Words in scripts written without spaces (Chinese, Japanese) are runs of characters up to the next
space or punctuation, found by their start.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from chat.domain.model import ChatError, ErrorKind, Message

MAX_SEARCH_LENGTH = 200
MAX_SEARCH_WORDS = 10
# the combining accents FTS5's unicode61 ignores inside a word (a decomposed "e\u0301" is "e"); others split it
IGNORED_ACCENTS = '\u0300-\u0304\u0306-\u030c\u030f\u0311\u031b\u0323-\u0328\u032d\u032e\u0330\u0331'
WORD = re.compile(f'(?:[^\\W_]|[{IGNORED_ACCENTS}])+')
ACCENT = re.compile(f'[{IGNORED_ACCENTS}]')


class _Folding(dict[int, str]):
    """Each character's folded form, worked out once: `str.translate` then folds a text in C."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        decomposed = unicodedata.normalize('NFD', char)
        base, marks = decomposed[0], decomposed[1:]
        if marks and base.isascii() and base.isalpha() and all(unicodedata.category(m) == 'Mn' for m in marks):
            char = base  # FTS5 strips the accents of Latin letters only: é, ñ, ǖ, but not Greek ά or Cyrillic й
        folded = char.casefold()
        self[code] = folded = folded if len(folded) == 1 else char  # ß stays ß, as in FTS5
        return folded


FOLDING = _Folding()


def fold(text: str) -> str:
    """`text` in lower case without Latin accents, one character for each of `text`'s, so positions carry over."""
    return text.translate(FOLDING)


def words(text: str) -> list[str]:
    """The words of `text` as the search compares them."""
    return [word for found in WORD.findall(fold(text)) if (word := ACCENT.sub('', found))]


@dataclass(frozen=True, slots=True)
class Search:
    """A search as the stores take it: every word must be in a message, the last as a word's start."""

    words: tuple[str, ...]

    def matches(self, text: str) -> bool:
        """Whether a message of `text` is found by this search (what the FTS5 query finds, in Python)."""
        folded = ACCENT.sub('', fold(text))
        if not all(word in folded for word in self.words):  # cheap: most messages fail here
            return False
        found = set(words(text))
        *whole, last = self.words
        return all(word in found for word in whole) and any(word.startswith(last) for word in found)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where in `text` the words this search matched are, as (start, end) offsets, in order."""
        *whole, last = self.words
        wanted = set(whole)
        return [
            match.span()
            for match in WORD.finditer(fold(text))
            if (word := ACCENT.sub('', match.group())) in wanted or word.startswith(last)
        ]


@dataclass(frozen=True, slots=True)
class SearchResults:
    """A page of matches, newest first, and whether older ones follow (then search again before the last)."""

    search: Search
    messages: tuple[Message, ...]
    more: bool


def clean_search_words(text: str) -> Search:
    """Return the search `text` stands for, or raise `ChatError` saying why it cannot be searched."""
    if len(text) > MAX_SEARCH_LENGTH:
        raise ChatError(ErrorKind.BAD_SEARCH, f'Search for at most {MAX_SEARCH_LENGTH} characters.')
    found = words(text)
    if not found:
        raise ChatError(ErrorKind.BAD_SEARCH, 'Type a word to search for.')
    if len(found) > MAX_SEARCH_WORDS:
        raise ChatError(ErrorKind.BAD_SEARCH, f'Search for at most {MAX_SEARCH_WORDS} words.')
    return Search(tuple(found))
