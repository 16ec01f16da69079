"""The rules every message, room and name follows, without NiceGUI or storage."""

import unicodedata

import pytest
from hypothesis import given

from chat.domain.model import (
    EXCERPT_LENGTH,
    MAX_MESSAGE_LENGTH,
    MAX_NAME_LENGTH,
    ChatError,
    ErrorKind,
    clean_display_name,
    clean_message,
    excerpt,
    suggest_room,
    validate_room,
)
from tests.support.text import ANY_TEXT


@pytest.mark.parametrize('text', ['', ' ', '\n', ' \t \r\n '])
def test_blank_messages_are_refused(text: str) -> None:
    with pytest.raises(ChatError) as refused:
        clean_message(text)
    assert refused.value.kind is ErrorKind.EMPTY
    assert refused.value.message == 'Type a message first.'


def test_message_length_counts_characters_after_normalising_line_endings() -> None:
    assert clean_message('a\r\nb\rc') == 'a\nb\nc'
    assert clean_message('x' * (MAX_MESSAGE_LENGTH - 1) + '\r\n') == 'x' * (MAX_MESSAGE_LENGTH - 1) + '\n'
    assert clean_message('🦊' * MAX_MESSAGE_LENGTH) == '🦊' * MAX_MESSAGE_LENGTH


def test_too_long_messages_are_refused_with_the_count() -> None:
    with pytest.raises(ChatError) as refused:
        clean_message('x' * (MAX_MESSAGE_LENGTH + 1))
    assert refused.value.kind is ErrorKind.TOO_LONG
    assert '2001 characters' in refused.value.message and '2000' in refused.value.message


def test_markup_is_kept_as_it_was_typed() -> None:
    assert clean_message('<script>alert(1)</script>') == '<script>alert(1)</script>'


@pytest.mark.parametrize('name', ['lobby', 'a', 'dev-ops_2', '0' * 40])
def test_valid_room_names(name: str) -> None:
    assert validate_room(name) == name


@pytest.mark.parametrize('name', ['', 'Lobby', 'with space', 'ü', 'a/b', '0' * 41, '../etc', 'lobby\n'])
def test_invalid_room_names(name: str) -> None:
    with pytest.raises(ChatError) as refused:
        validate_room(name)
    assert refused.value.kind is ErrorKind.BAD_ROOM


def test_display_names_are_trimmed() -> None:
    assert clean_display_name('  Blue Fox 42 ') == 'Blue Fox 42'
    assert clean_display_name('x' * 32) == 'x' * 32


@pytest.mark.parametrize('name', ['', '   ', 'x' * 33, 'tab\there', 'bell\x07', '\u200b', 'a\u200bb'])
def test_bad_display_names_are_refused(name: str) -> None:
    with pytest.raises(ChatError) as refused:
        clean_display_name(name)
    assert refused.value.kind is ErrorKind.BAD_NAME


@pytest.mark.parametrize(
    ('name', 'suggestion'),
    [('My Room!', 'my-room'), (' Dev_Ops ', 'dev_ops'), ('ÜBER', 'ber'), ('!!!', ''), ('x' * 50, 'x' * 40)],
)
def test_refused_room_names_get_the_closest_valid_suggestion(name: str, suggestion: str) -> None:
    assert suggest_room(name) == suggestion
    if suggestion:
        assert validate_room(suggestion) == suggestion


def shows_something(text: str) -> bool:
    return any(not c.isspace() and unicodedata.category(c) != 'Cf' for c in text)


@given(ANY_TEXT)
def test_any_text_is_kept_as_typed_or_refused_for_a_specific_reason(text: str) -> None:
    normalised = text.replace('\r\n', '\n').replace('\r', '\n')
    try:
        cleaned = clean_message(text)
    except ChatError as error:
        expected = {
            ErrorKind.EMPTY: not shows_something(normalised),
            ErrorKind.TOO_LONG: len(normalised) > MAX_MESSAGE_LENGTH,
            ErrorKind.BAD_TEXT: any(0xD800 <= ord(c) <= 0xDFFF for c in text),
        }
        assert expected.get(error.kind), f'{error.kind} for {text!r}'
        assert error.message
        return
    assert cleaned == normalised
    assert shows_something(cleaned) and len(cleaned) <= MAX_MESSAGE_LENGTH
    cleaned.encode('utf-8')


@given(ANY_TEXT)
def test_any_name_is_trimmed_and_shown_or_refused(name: str) -> None:
    try:
        cleaned = clean_display_name(name)
    except ChatError as error:
        assert error.kind is ErrorKind.BAD_NAME and error.message
        assert not name.strip() or len(name.strip()) > MAX_NAME_LENGTH or not name.strip().isprintable()
        return
    assert cleaned == name.strip() and 0 < len(cleaned) <= MAX_NAME_LENGTH
    assert all(unicodedata.category(c) not in ('Cc', 'Cf', 'Cs') for c in cleaned), 'nothing invisible or broken'


@given(ANY_TEXT)
def test_any_room_name_is_valid_or_refused_with_a_valid_suggestion(name: str) -> None:
    try:
        assert validate_room(name) == name
    except ChatError as error:
        assert error.kind is ErrorKind.BAD_ROOM and error.message
        suggestion = suggest_room(name)
        assert suggestion == '' or validate_room(suggestion) == suggestion


@pytest.mark.parametrize(
    ('text', 'shown'),
    [
        ('short and sweet', 'short and sweet'),
        ('two\nlines,   spaced\tout ', 'two lines, spaced out'),
        ('word ' * 30, ('word ' * 16).strip() + '…'),
        ('x' * 100, 'x' * 80 + '…'),
        ('a ' + 'y' * 100, 'a ' + 'y' * 78 + '…'),
        ('<b>' + 'é' * 90, '<b>' + 'é' * 77 + '…'),
    ],
)
def test_an_excerpt_is_the_first_words_of_a_message_on_one_line(text: str, shown: str) -> None:
    """About 80 characters cut after a whole word, unless a single word is too long to leave half a line."""
    assert excerpt(text) == shown


@given(ANY_TEXT)
def test_any_excerpt_is_short_one_line_and_the_start_of_the_text(text: str) -> None:
    shown = excerpt(text)
    assert len(shown) <= EXCERPT_LENGTH + 1 and '\n' not in shown
    assert ' '.join(text.split()).startswith(shown.removesuffix('…'))
