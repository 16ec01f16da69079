"""A data directory with messages in it, as an earlier run of the app would have left it."""

from __future__ import annotations

import asyncio
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
