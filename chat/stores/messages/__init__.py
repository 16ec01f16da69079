"""Where messages are stored and how they reach every process: the `Backend` protocol; SQLite and Redis implement it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from chat.domain.model import Author, Message, RoomCursor, RoomSummary

Deliver = Callable[[Message], None]


class Backend(Protocol):
    """Durable, ordered storage plus delivery of every stored message to the room model.

    `append` returns only after the message is committed, and the backend hands each
    stored message to `deliver` exactly once, in the store's order, so a client never
    shows a message that was not stored and all clients of a room agree on the order.
    """

    async def start(self, deliver: Deliver) -> None:
        """Open the store and start handing stored messages to `deliver`."""

    async def stop(self) -> None:
        """Stop delivering and release the store."""

    async def append(self, room: str, author: Author, text: str) -> Message:
        """Store a message durably and return it with its id; raise `ChatError(STORAGE)` if that fails."""

    async def history(self, room: str, *, before: int | None = None, limit: int = 50) -> list[Message]:
        """Return up to `limit` messages of `room` older than id `before` (or the latest), oldest first."""

    async def since(self, room: str, *, after: int, limit: int) -> list[Message]:
        """Return up to `limit` messages of `room` newer than id `after`, oldest first: what a tab that shows
        everything up to `after` missed."""

    async def rooms(self, *, prefix: str = '', after: RoomCursor | None = None, limit: int = 50) -> list[RoomSummary]:
        """Return up to `limit` rooms whose name starts with `prefix`, the most recently active first (ties by
        name, z to a), starting after `after`; in time independent of how many rooms there are (a search:
        of how many names start with `prefix`), so any page costs what the first does."""

    async def reachable(self) -> bool:
        """Whether the store answers now; for health checks, so it must be quick and never raise."""
