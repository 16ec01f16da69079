"""Where messages are stored and how they reach every process: the `Backend` protocol; SQLite and Redis implement it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from chat.domain.model import Author, Message, Quote, RoomCursor, RoomSummary
from chat.domain.moderation import LogEntry
from chat.domain.notices import Notice
from chat.domain.private import Access, Member, OpenInvite
from chat.domain.restrictions import Mute
from chat.domain.search import Search

Deliver = Callable[[Message], None]
DAY = 86_400.0
TRIM_EVERY = 600.0  # seconds between retention passes: ages are counted in days, and a pass is cheap


@dataclass(frozen=True, slots=True)
class Retention:
    """What a store keeps: the newest `keep_messages` of each room, none older than `keep_days`; 0 keeps all.

    Without it one address could fill the disk (or Redis's memory) for ever; with it a room costs at
    most `keep_messages` messages, and everything goes after `keep_days`.
    """

    keep_messages: int = 10_000
    keep_days: float = 90.0

    def cutoff(self, now: float) -> float | None:
        """The time before which messages are too old at `now`, or None if age keeps nothing out."""
        return now - self.keep_days * DAY if self.keep_days else None


DEFAULT_RETENTION = Retention()


class Backend(Protocol):
    """Durable, ordered storage plus delivery of every stored message to the room model.

    `append` returns only after the message is committed, and the backend hands each
    stored message to `deliver` exactly once, in the store's order, so a client never
    shows a message that was not stored and all clients of a room agree on the order.
    Edits and deletions take the same path: each is delivered once, as the message's new
    state, and `history` and `since` return every message in its current state. Reactions too change a
    message's state: each reaction is delivered as the message with all its reactions.
    """

    async def start(self, deliver: Deliver) -> None:
        """Open the store and start handing stored messages to `deliver`."""

    async def stop(self) -> None:
        """Stop delivering and release the store."""

    async def append(
        self,
        room: str,
        author: Author,
        text: str,
        *,
        reply_to: int | None = None,
        mentions: tuple[str, ...] = (),
        notice: Notice | None = None,
    ) -> Message:
        """Store a message durably, with the tokens of the people it `mentions`, and return it with its id; raise
        `ChatError(STORAGE)` if that fails. Edits and reactions keep the mentions as they were posted.

        A `notice` (`chat.domain.notices`) is stored with it: it is read back with it, a search never finds it, and
        nobody reacts to it (GONE).

        A reply (`reply_to`) is stored only if its original is a message of `room`, in the same atomic step;
        else `ChatError` GONE (`no_original`).
        """

    async def edit(self, room: str, message_id: int, author_id: str, text: str) -> Message:
        """Replace the text of message `message_id` of `room` if `author_id` wrote it, and return it as it is now.

        The check and the change are one atomic step in the store, and the changed message is delivered
        like a new one (same id, `edited_at` set). Raises `ChatError` NOT_YOURS for another author's
        message, GONE for a message that does not exist (any more), STORAGE or UNAVAILABLE if the store fails.
        """

    async def delete(self, room: str, message_id: int, author_id: str) -> Message:
        """Delete message `message_id` of `room` if `author_id` wrote it, as `edit` does: its text leaves the
        store, its id, author and time stay, so history shows where it was (`deleted` set)."""

    async def remove(self, room: str, message_id: int) -> Message:
        """Delete message `message_id` of `room` whoever wrote it, as a moderator does: as `delete` does, and marked
        `removed`. Raises `ChatError` GONE for a message that does not exist (any more)."""

    async def react(self, room: str, message_id: int, author: Author, emoji: str, *, on: bool) -> Message:
        """Add (`on`) or take back `author`'s `emoji` on message `message_id` of `room` and return the message as
        it is now, with its reactions; delivered like an edit (`reacted_at` set). Anyone may react, once per
        emoji; adding one twice or taking back one never added changes nothing but the revision. Raises
        `ChatError` GONE for a message that does not exist (any more), STORAGE or UNAVAILABLE if the store fails.
        """

    async def history(self, room: str, *, before: int | None = None, limit: int = 50) -> list[Message]:
        """Return up to `limit` messages of `room` older than id `before` (or the latest), oldest first."""

    async def since(self, room: str, *, after: int, limit: int) -> list[Message]:
        """Return up to `limit` messages of `room` newer than id `after`, oldest first: what a tab that shows
        everything up to `after` missed."""

    async def quotes(self, room: str, ids: list[int]) -> dict[int, Quote]:
        """The quotes of the messages of `room` among `ids`, as they are now, in one read; ids of messages not in
        `room` (any more) are left out. Raise `ChatError` if the store fails."""

    async def rooms(self, *, prefix: str = '', after: RoomCursor | None = None, limit: int = 50) -> list[RoomSummary]:
        """Return up to `limit` rooms whose name starts with `prefix`, the most recently active first (ties by
        name, z to a), starting after `after`; in time independent of how many rooms there are (a search:
        of how many names start with `prefix`), so any page costs what the first does. Private rooms are never
        listed: their members find them in their own list of rooms."""

    async def search(self, room: str, search: Search, *, before: int | None = None, limit: int = 20) -> list[Message]:
        """Return up to `limit` messages of `room` older than id `before` (or the newest) that `search` finds,
        newest first; both stores find the same messages (`Search.matches` says which). Raise `ChatError` if
        the store fails."""

    async def trim(self, now: float) -> int:
        """Remove what the retention no longer keeps at time `now` and return how many messages went.

        `append` already holds each room it writes to `keep_messages`; this pass drops what grew too
        old, and the excess of rooms that were quiet since `keep_messages` was lowered. It works in
        small batches, so appends and reads go on meanwhile; a room left empty leaves `rooms()`.
        Raises `ChatError` if the store fails.
        """

    async def create_private(self, room: str, owner: str, now: float) -> None:
        """Record the private room `room` with `owner` (a person) as its owner and first member. Raise `ChatError`
        if the store fails or `room` is taken (its random tail makes that next to impossible)."""

    async def access(self, room: str, person: str) -> Access:
        """What `person` may do in private room `room`: NONE as well if no such private room exists."""

    async def add_invite(self, token_hash: str, room: str, uses: int | None, expires_at: float | None) -> None:
        """Keep an invite to `room` by its token's hash, good for `uses` redemptions (None: any) until `expires_at`
        (None: for ever)."""

    async def redeem(self, token_hash: str, person: str, now: float) -> str | None:
        """Make `person` a member of the room the invite `token_hash` is for and return its name, using one of the
        invite's uses, in one atomic step; None for an invite that does not exist, expired or was used up.
        A person who is already a member uses none."""

    async def is_moderator(self, person: str) -> bool:
        """Whether a moderator link made `person` a moderator."""

    async def add_moderator_link(self, token_hash: str, expires_at: float) -> None:
        """Keep a moderator link by its token's hash, good once until `expires_at`."""

    async def redeem_moderator_link(self, token_hash: str, person: str, now: float) -> bool:
        """Make `person` a moderator and use up the link `token_hash`, in one atomic step; False for a link that does
        not exist, expired or was used."""

    async def add_log_entry(
        self, at: float, moderator: str, action: str, room: str, target: str, detail: str
    ) -> LogEntry:
        """Append an entry to the moderation log and return it with its id, which is higher than every earlier one."""

    async def moderation_log(self, before: int | None, limit: int) -> list[LogEntry]:
        """Up to `limit` entries of the moderation log with ids below `before` (None: the newest), newest first."""

    async def members(self, room: str) -> list[Member]:
        """The members of private room `room` (none if there is no such room), owner first, each with the name they
        last had there (`remember_name`)."""

    async def remember_name(self, room: str, person: str, name: str) -> None:
        """Keep `name` as the one `person` has in private room `room`, if they are a member; else nothing."""

    async def remove_member(self, room: str, person: str) -> bool:
        """Take `person`'s membership of `room` away (their name with it); whether they were a member."""

    async def invites(self, room: str) -> list[OpenInvite]:
        """The invites to `room` that may still make a member (uses left, not expired), oldest first."""

    async def revoke_invite(self, room: str, invite_id: str) -> bool:
        """Delete the invite to `room` named `invite_id` (`chat.domain.private.invite_id`); whether there was one."""

    async def set_read_only(self, room: str, read_only: bool) -> bool:
        """Make `room` read-only (or writable again); whether that changed anything."""

    async def read_only_rooms(self) -> list[str]:
        """Every room that is read-only now."""

    async def add_mute(self, mute: Mute) -> None:
        """Keep `mute` until it ends; mutes that ended leave the store meanwhile (their addresses with them)."""

    async def mutes(self, now: float) -> list[Mute]:
        """The mutes still in force at time `now`."""

    async def lift_mutes(self, person: str, room: str, now: float) -> list[Mute]:
        """Delete the mutes on `person` that hold in `room` (its own and those everywhere); the ones of them still in
        force at `now`, each returned to one caller only, so two moderators lifting at once announce it once."""

    async def reachable(self) -> bool:
        """Whether the store answers now; for health checks, so it must be quick and never raise."""
