"""Plain chat records and the rules every message, room and name must follow.

This layer knows nothing of NiceGUI or storage, so the same rules hold for every
client and every backend, and they are tested without a browser.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chat.domain.notices import Notice

DEFAULT_ROOM = 'lobby'
MAX_MESSAGE_LENGTH = 2000
MAX_MESSAGE_BYTES = 4 * MAX_MESSAGE_LENGTH  # in UTF-8, a code point takes at most 4 bytes
REACTIONS = ('👍', '❤️', '😂', '🎉', '😮', '😢')  # the fixed set, in the order chips show
MAX_NAME_LENGTH = 32
EXCERPT_LENGTH = 80  # characters of a quoted message a reply shows, about a line
QUOTE_SOURCE = 4 * EXCERPT_LENGTH  # characters of an original the stores read to make its excerpt
MAX_ROOM_NAME_LENGTH = 40
ROOM_NAME_PATTERN = re.compile(f'[a-z0-9_-]{{1,{MAX_ROOM_NAME_LENGTH}}}')
ANY_ROOM_PATTERN = re.compile(f'~?[a-z0-9_-]{{1,{MAX_ROOM_NAME_LENGTH}}}')  # `~`: a private room (chat.domain.private)


class ErrorKind(StrEnum):
    """Why something was refused; the UI shows the message, tests check the kind."""

    EMPTY = 'empty'
    TOO_LONG = 'too_long'
    BAD_ROOM = 'bad_room'
    BAD_SEARCH = 'bad_search'
    BAD_LINK = 'bad_link'
    BAD_NAME = 'bad_name'
    BAD_TEXT = 'bad_text'
    RATE_LIMITED = 'rate_limited'
    TOO_MANY_ROOMS = 'too_many_rooms'
    TOO_MANY_TABS = 'too_many_tabs'
    OVER_BUDGET = 'over_budget'
    STORAGE = 'storage'
    UNAVAILABLE = 'unavailable'
    NOT_YOURS = 'not_yours'
    GONE = 'gone'
    BAD_REACTION = 'bad_reaction'
    READ_ONLY = 'read_only'
    MUTED = 'muted'


class ChatError(Exception):
    """A refusal the user can act on: it carries a message meant to be shown as it is."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True, slots=True)
class Author:
    """Who wrote a message: `id` is the server-assigned tab identity, never shown to anyone."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Reaction:
    """One emoji on a message and who chose it, in the order they did."""

    emoji: str
    authors: tuple[Author, ...]


@dataclass(frozen=True, slots=True)
class Quote:
    """What a reply shows of the message it answers, as that message is now: its author's name and first words.

    Only the id is stored with the reply; the rest is read from the original whenever the reply is, so an edit
    shows in its quotes and a deleted original's text is nowhere (`deleted`, no name if it is gone altogether;
    `removed` too if a moderator deleted it).
    """

    id: int
    name: str
    excerpt: str
    deleted: bool
    removed: bool = False


@dataclass(frozen=True, slots=True)
class Message:
    """A stored message; `id` increases within its room and defines the one order everyone sees.

    An edit or a deletion keeps the id, the author and `sent_at`: the message is replaced where it
    stands. A deleted message keeps no text, so replies to it still point at something.
    """

    id: int
    room: str
    author: Author
    text: str
    sent_at: float
    edited_at: float | None = None
    deleted: bool = False
    reactions: tuple[Reaction, ...] = ()
    reacted_at: float | None = None
    reply_to: int | None = None
    quote: Quote | None = None
    mentions: tuple[str, ...] = ()  # public tokens of the people it mentions (`chat.domain.mentions`)
    removed: bool = False  # deleted by a moderator, not its author (`deleted` is set too)
    notice: Notice | None = None  # a line the server wrote, not a person (`chat.domain.notices`)

    @property
    def changed(self) -> bool:
        """Whether this is a later state of a message (edited, deleted, reacted to), not the message as posted."""
        return self.deleted or self.edited_at is not None or self.reacted_at is not None

    @property
    def revision(self) -> float:
        """Orders the states of one message: a later edit or reaction is higher, and a deletion is final.

        Pages and live changes may reach a tab in either order; the higher revision is the current one.
        The stores give each change a time after the message's last one, so edits and reactions share one order.
        """
        return math.inf if self.deleted else max(self.edited_at or 0.0, self.reacted_at or 0.0)


@dataclass(frozen=True, slots=True)
class Person:
    """Someone in a room: `id` is per browser (server-assigned), so several tabs are one person."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Activity:
    """Who is in a room and who of them is typing, each sorted by name."""

    people: tuple[Person, ...] = ()
    typing: tuple[Person, ...] = ()


@dataclass(frozen=True, slots=True)
class RoomSummary:
    """A room as the rooms list shows it: how much was said and when it last was."""

    name: str
    message_count: int
    last_activity: float


@dataclass(frozen=True, slots=True)
class RoomCursor:
    """Where a page of the rooms list ended: the next page starts after this room in the list's order.

    The list runs from the latest `last_activity` back, rooms active at the same moment by name
    from z to a; a position, unlike an offset, costs the store the same on every page.
    """

    last_activity: float
    name: str


@dataclass(frozen=True, slots=True)
class RoomListing:
    """One page of the rooms list, and where the next (older) page starts if there is one."""

    rooms: tuple[RoomSummary, ...]
    older: RoomCursor | None


def public_token(identity: str) -> str:
    """What every page may know of an identity (a tab's author id, a browser's id): a one-way digest of it, the
    same in every process.

    Each message goes to all tabs of a room in one encoding, so it names its author, and the people it
    mentions, in a form any tab may see; a tab styles as its own the messages whose token matches the one
    the server handed it. The identity itself, which decides who posts, never leaves the server.
    """
    digest = hashlib.blake2b(identity.encode(), digest_size=9, person=b'chat-author').digest()
    return base64.urlsafe_b64encode(digest).decode()


def not_yours(action: str) -> ChatError:
    """The refusal of an edit or deletion of someone else's message (`action`: "edit" or "delete")."""
    return ChatError(ErrorKind.NOT_YOURS, f'You can only {action} your own messages.')


def gone() -> ChatError:
    """The refusal of an edit or deletion of a message that was deleted, or left with the retention."""
    return ChatError(ErrorKind.GONE, 'This message no longer exists.')


def no_original() -> ChatError:
    """The refusal of a reply to a message that is not in the room (any more); the reply's text is kept."""
    return ChatError(ErrorKind.GONE, 'The message you reply to is no longer in this room; cancel the reply to send.')


def validate_message_id(message_id: int) -> int:
    """Return `message_id` if a store can hold it (a positive 63-bit integer), else raise `no_original`: a reply
    names its original by an id the browser sends."""
    if not 0 < message_id < 2**63:
        raise no_original()
    return message_id


def excerpt(text: str) -> str:
    """The first words of `text` on one line, about `EXCERPT_LENGTH` characters, as a quote of it shows them.

    Cut after the last whole word that fits, unless that leaves less than half a line (one long word, a link).
    """
    flat = ' '.join(text.split())
    if len(flat) <= EXCERPT_LENGTH:
        return flat
    space = flat.rfind(' ', 0, EXCERPT_LENGTH + 1)
    return flat[: space if space >= EXCERPT_LENGTH // 2 else EXCERPT_LENGTH] + '…'


def quote_of(message_id: int, name: str, text: str, *, deleted: bool, removed: bool = False) -> Quote:
    """The quote of a message as the stores read it; a deleted message's has no text."""
    return Quote(message_id, name, '' if deleted else excerpt(text), deleted, removed)


def quote_of_message(message: Message) -> Quote:
    """The quote of `message` as it is now: what a tab shows in the replies to it when it changes."""
    return quote_of(message.id, message.author.name, message.text, deleted=message.deleted, removed=message.removed)


def with_quotes(messages: list[Message], quotes: dict[int, Quote]) -> list[Message]:
    """`messages` with the quotes of the originals they reply to, from the stores' batch `quotes`; an original
    not among them left with the retention, and its quote says only that it is gone."""
    return [
        message
        if message.reply_to is None
        else replace(message, quote=quotes.get(message.reply_to) or Quote(message.reply_to, '', '', True))
        for message in messages
    ]


def validate_reaction(emoji: str) -> str:
    """Return `emoji` if it is one of the fixed `REACTIONS`, else raise `ChatError`."""
    if emoji not in REACTIONS:
        raise ChatError(ErrorKind.BAD_REACTION, f'Pick one of {" ".join(REACTIONS)}.')
    return emoji


def group_reactions(rows: Iterable[tuple[str, Author]]) -> tuple[Reaction, ...]:
    """Each emoji's authors from the stores' (emoji, author) rows in the order they came, emoji in `REACTIONS`
    order; rows with an emoji no longer in the set are left out."""
    authors: dict[str, list[Author]] = {emoji: [] for emoji in REACTIONS}
    for emoji, author in rows:
        if emoji in authors:
            authors[emoji].append(author)
    return tuple(Reaction(emoji, tuple(chosen)) for emoji, chosen in authors.items() if chosen)


def clean_message(text: str) -> str:
    """Return the text as it will be stored, or raise `ChatError` saying why it cannot be sent.

    Line endings are normalised first so that the length limit counts what readers see.
    """
    text = text.replace('\r\n', '\n').replace('\r', '\n')
    if not _visible(text):
        raise ChatError(ErrorKind.EMPTY, 'Type a message first.')
    if len(text) > MAX_MESSAGE_LENGTH:
        raise ChatError(
            ErrorKind.TOO_LONG, f'Your message has {len(text)} characters; the limit is {MAX_MESSAGE_LENGTH}.'
        )
    if not _is_unicode(text):
        raise ChatError(ErrorKind.BAD_TEXT, 'Your message contains broken characters (half an emoji?); retype them.')
    return text


def _visible(text: str) -> bool:
    """Whether `text` shows anything: not only spaces and invisible format characters (zero-width space…)."""
    return any(not c.isspace() and unicodedata.category(c) != 'Cf' for c in text)


def _is_unicode(text: str) -> bool:
    """False for text with a lone surrogate, which JavaScript strings may carry but no store can encode."""
    try:
        text.encode('utf-8')
    except UnicodeEncodeError:
        return False
    return True


def validate_room(name: str) -> str:
    """Return the room name if it is valid, else raise `ChatError` explaining the pattern."""
    if not ANY_ROOM_PATTERN.fullmatch(name):
        raise ChatError(ErrorKind.BAD_ROOM, 'Room names use 1 to 40 lowercase letters, digits, "-" or "_".')
    return name


def clean_search(text: str) -> str:
    """Return a search of the rooms list as the store takes it, or raise `ChatError` if it cannot match a room.

    A search is the start of a room name, so it may be empty and uses the room name's characters.
    """
    text = text.strip().lower()
    if text and not ROOM_NAME_PATTERN.fullmatch(text):
        raise ChatError(ErrorKind.BAD_SEARCH, 'Search by the start of a room name: up to 40 of a-z, 0-9, "-" and "_".')
    return text


def suggest_room(name: str) -> str:
    """Turn a refused room name into the closest valid one ("My Room!" → "my-room"), or '' if nothing is left."""
    name = name.strip().lower().replace(' ', '-')
    return ''.join(c for c in name if c.isascii() and (c.isalnum() or c in '-_'))[:40]


def clean_display_name(name: str) -> str:
    """Return the trimmed display name, or raise `ChatError` if it is empty, too long or not printable."""
    name = name.strip()
    if not name:
        raise ChatError(ErrorKind.BAD_NAME, 'Your name cannot be empty.')
    if len(name) > MAX_NAME_LENGTH:
        raise ChatError(ErrorKind.BAD_NAME, f'Names have at most {MAX_NAME_LENGTH} characters.')
    if not name.isprintable():
        raise ChatError(ErrorKind.BAD_NAME, 'Names cannot contain control or invisible characters.')
    return name
