"""Stores that misbehave on cue, for tests of what users see when storage is slow or broken.

Breaking a real store needs a handle the chat does not offer (SQLite's connection, the shared
presence's loops): this module is the one place tests take it, so a store's internals are
named here and nowhere else.
"""

from __future__ import annotations

import asyncio

import aiosqlite

from chat.domain.model import Author, Message
from chat.domain.rooms import Rooms
from chat.stores.messages import Backend, Deliver
from chat.stores.messages.sqlite import SQLiteBackend
from chat.stores.presence.redis import RedisPresence


class HeldAppends:
    """A store whose appends wait until `release()`, as a slow disk would make them; everything else passes."""

    def __init__(self, store: Backend) -> None:
        self.store = store
        self._released = asyncio.Event()

    def release(self) -> None:
        self._released.set()

    async def append(
        self, room: str, author: Author, text: str, *, reply_to: int | None = None, mentions: tuple[str, ...] = ()
    ) -> Message:
        await self._released.wait()
        return await self.store.append(room, author, text, reply_to=reply_to, mentions=mentions)

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)


class UnopenedStore:
    """A store that cannot be opened until `heal()`, as a Redis that is not up yet; everything else passes.

    `attempted` is set at every attempt to open it, so a test can wait for the next one.
    """

    def __init__(self, store: Backend) -> None:
        self.store = store
        self.healed = False
        self.attempted = asyncio.Event()

    def heal(self) -> None:
        self.healed = True

    async def start(self, deliver: Deliver) -> None:
        self.attempted.set()
        if not self.healed:
            raise ConnectionError('Error 111 connecting to 127.0.0.1:6379. Connection refused.')
        await self.store.start(deliver)

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)


def hold_appends(rooms: Rooms) -> HeldAppends:
    """Put `rooms` on a store that holds appends until released."""
    held = HeldAppends(rooms.backend)
    rooms.backend = held  # type: ignore[assignment]  # a stand-in that delegates everything but append
    return held


def sqlite_connection(store: Backend) -> aiosqlite.Connection:
    """The open connection of a started SQLite store, to make its writes fail (`PRAGMA query_only`) or its
    file full (`PRAGMA max_page_count`) as a disk would."""
    assert isinstance(store, SQLiteBackend) and store._db is not None, 'a started SQLite store'
    return store._db


async def crash(shared: RedisPresence) -> None:
    """Stop a process's shared presence as a crash would: no goodbye, no more refreshes."""
    await shared._halt()
