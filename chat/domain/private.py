"""Private rooms: who may enter one, and the invite links that let a browser in.

A private room's name is `~` + the name its creator chose + a random tail (`~book-club-x7k2qa`): no public name
starts with `~`, so `/room/<name>` tells nobody whether a private room exists (a non-member sees the same refusal
for every private name), and the tail means creating one never collides with, nor reveals, another's.

Membership belongs to a browser's person (the server-side browser id), and only the owner invites. An invite is a
random token; the store keeps only its hash, so reading the store gives nobody a working link.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
from dataclasses import dataclass
from enum import StrEnum

from chat.domain.model import MAX_ROOM_NAME_LENGTH, ChatError, ErrorKind

PRIVATE_PREFIX = '~'
TAIL_LENGTH = 6
MAX_BASE_LENGTH = MAX_ROOM_NAME_LENGTH - TAIL_LENGTH - 1
BASE_PATTERN = re.compile(f'[a-z0-9_-]{{1,{MAX_BASE_LENGTH}}}')
TAIL_ALPHABET = string.ascii_lowercase + string.digits
TOKEN_BYTES = 24  # 192 random bits: no one guesses a link
TOKEN_PATTERN = re.compile(f'[A-Za-z0-9_-]{{{TOKEN_BYTES * 4 // 3}}}')  # token_urlsafe's alphabet, no padding
MAX_INVITE_USES = 1000
MAX_INVITE_DAYS = 365
PRIVATE_REFUSAL = 'This room is private. Ask one of its members for an invite link.'
INVITE_REFUSAL = 'This invite link is not valid: it may have expired or been used up.'


class Access(StrEnum):
    """What a person may do in a room: nothing, read and write (member), and invite too (owner)."""

    NONE = 'none'
    MEMBER = 'member'
    OWNER = 'owner'


@dataclass(frozen=True, slots=True)
class Invite:
    """An invite link's token, shown once to the owner; the store knows it only as `token_hash(token)`."""

    token: str
    room: str
    uses: int | None  # None: any number
    expires_at: float | None  # None: never


def is_private(room: str) -> bool:
    return room.startswith(PRIVATE_PREFIX)


def private_room_name(base: str) -> str:
    """A new private room's name from the name its creator typed; raises `ChatError` for a name it cannot take."""
    base = base.strip().lower()
    if not BASE_PATTERN.fullmatch(base):
        raise ChatError(
            ErrorKind.BAD_ROOM, f'Private room names use 1 to {MAX_BASE_LENGTH} lowercase letters, digits, "-" or "_".'
        )
    tail = ''.join(secrets.choice(TAIL_ALPHABET) for _ in range(TAIL_LENGTH))
    return f'{PRIVATE_PREFIX}{base}-{tail}'


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def is_token_shaped(token: str) -> bool:
    """Whether `token` could be one `new_token` made; no other is looked up in the store."""
    return TOKEN_PATTERN.fullmatch(token) is not None


def token_hash(token: str) -> str:
    """What the store keeps of a token: enough to recognise it, useless as a link."""
    return hashlib.sha256(token.encode()).hexdigest()


def check_invite_limits(uses: int | None, days: float | None) -> None:
    """Raise `ChatError` for limits an invite cannot have: none is fine, else at least one use and a positive time."""
    if uses is not None and not 1 <= uses <= MAX_INVITE_USES:
        raise ChatError(ErrorKind.BAD_LINK, f'An invite is good for 1 to {MAX_INVITE_USES} uses.')
    if days is not None and not 0 < days <= MAX_INVITE_DAYS:
        raise ChatError(ErrorKind.BAD_LINK, f'An invite lasts at most {MAX_INVITE_DAYS} days.')


def private_refusal() -> ChatError:
    return ChatError(ErrorKind.NOT_YOURS, PRIVATE_REFUSAL)


INVITE_ID_LENGTH = 12  # hex characters of an invite's hash that name it to its owner: enough to tell invites apart
INVITE_ID_PATTERN = re.compile(f'[0-9a-f]{{{INVITE_ID_LENGTH}}}')


@dataclass(frozen=True, slots=True)
class Member:
    """A member of a private room as its owner sees them: `person` stays on the server; `name` is the display name
    they last had there ('' before they opened it)."""

    person: str
    name: str
    owner: bool


@dataclass(frozen=True, slots=True)
class OpenInvite:
    """An invite its owner may revoke: named by `id`, the start of its token's hash, never by the token."""

    id: str
    created_at: float
    uses_left: int | None  # None: any number
    expires_at: float | None  # None: never


def invite_id(token_hash: str) -> str:
    return token_hash[:INVITE_ID_LENGTH]


def in_member_order(members: list[Member]) -> list[Member]:
    """The owner first, then the members by name, those not named yet last."""
    return sorted(
        members, key=lambda member: (not member.owner, not member.name, member.name.casefold(), member.person)
    )
