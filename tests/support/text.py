"""Text as clients can type it, for property tests of everything that takes user text."""

from __future__ import annotations

from hypothesis import strategies as st

from chat.domain.model import MAX_MESSAGE_LENGTH

TRICKY = ['\r', '\n', '\r\n', ' ', '\t', '\x00', '\u200b', '\u200d', '\u202e', '\ufeff', '\ud800', '🦊', '<', 'a', 'é']
# Every code point (lone surrogates too), the characters that tend to break things, and lengths around the limit.
ANY_TEXT = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=60),
    st.lists(st.sampled_from(TRICKY), max_size=40).map(''.join),
    st.tuples(st.integers(MAX_MESSAGE_LENGTH - 3, MAX_MESSAGE_LENGTH + 3), st.sampled_from(TRICKY)).map(
        lambda pair: 'x' * pair[0] + pair[1]
    ),
)
