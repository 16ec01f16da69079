"""A data directory with messages in it, as an earlier run of the app would have left it."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from pathlib import Path

from chat.domain.model import Author
from chat.stores.messages.sqlite import SQLiteBackend


def seed_database(data_dir: Path, room: str, count: int) -> None:
    """Write `count` messages ('old 0', 'old 1', ...) into the data directory's database, through the app's store."""

    async def write() -> None:
        backend = SQLiteBackend(data_dir / 'chat.db')
        await backend.start(lambda message: None)
        for i in range(count):
            await backend.append(room, Author('seed-tab', 'Seeder'), f'old {i}')
        await backend.stop()

    asyncio.run(write())


def seed_a_reply_far_below_its_original(data_dir: Path, between: int) -> None:
    """In room 'archive': 'the question, long ago', `between` messages ('chatter 0', ...), then 'the answer'
    replying to the question."""

    async def write() -> None:
        backend = SQLiteBackend(data_dir / 'chat.db')
        await backend.start(lambda message: None)
        seeder = Author('seed-tab', 'Seeder')
        original = await backend.append('archive', seeder, 'the question, long ago')
        for i in range(between):
            await backend.append('archive', seeder, f'chatter {i}')
        await backend.append('archive', Author('other-tab', 'Answerer'), 'the answer', reply_to=original.id)
        await backend.stop()

    asyncio.run(write())


def seed_rooms(db: Path, count: int) -> list[str]:
    """Start `count` rooms ('room-00000', ...) with one message each, a second apart, the last named the latest;
    returns their names, newest first.

    The schema is the app's own and the rooms' summaries come from its trigger; the messages go in
    with one `executemany`, so tens of thousands of rooms take a fraction of a second.
    """

    async def create_schema() -> None:
        backend = SQLiteBackend(db)
        await backend.start(lambda message: None)
        await backend.stop()

    db.parent.mkdir(parents=True, exist_ok=True)
    asyncio.run(create_schema())
    names = [f'room-{i:05d}' for i in range(count)]
    now = time.time()
    rows = ((name, 'seed-tab', 'Seeder', 'hello', now - (count - i)) for i, name in enumerate(names))
    with contextlib.closing(sqlite3.connect(db)) as connection, connection:
        connection.executemany(
            'INSERT INTO messages (room, author_id, author_name, text, sent_at) VALUES (?, ?, ?, ?, ?)', rows
        )
    return names[::-1]
