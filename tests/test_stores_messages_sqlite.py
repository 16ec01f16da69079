"""What only the SQLite backend does: fail honestly when the disk does, refuse a newer schema.

The contract both backends share is in test_stores_messages.py."""

import sqlite3
from pathlib import Path

import pytest

from chat.domain.model import Author, ChatError, ErrorKind, Message
from chat.stores.messages.sqlite import SQLiteBackend, check_database
from tests.support.stores import sqlite_connection

ALICE = Author('tab-a', 'Alice')


async def test_a_failing_store_raises_a_storage_error_and_delivers_nothing(tmp_path: Path) -> None:
    delivered: list[Message] = []
    path = tmp_path / 'chat.db'
    backend = SQLiteBackend(path)
    await backend.start(delivered.append)
    await sqlite_connection(backend).execute('PRAGMA query_only = ON')  # every write now fails, as on a read-only disk
    with pytest.raises(ChatError) as failed:
        await backend.append('lobby', ALICE, 'lost?')
    assert await backend.reachable(), 'reads still work, so health checks keep the process in rotation'
    await backend.stop()
    assert not await backend.reachable()
    assert failed.value.kind is ErrorKind.STORAGE
    assert delivered == []


async def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / 'chat.db'
    with sqlite3.connect(path) as db:
        db.execute('PRAGMA user_version = 99')
    with pytest.raises(RuntimeError, match='newer version'):
        await SQLiteBackend(path).start(lambda message: None)


async def test_the_check_before_serving_passes_a_first_start_and_a_database_left_open(tmp_path: Path) -> None:
    """An empty file (what a first start creates) passes, and so does a database with its -wal and -shm, as
    `kill -9` leaves it; the refusals are tested against app.py in test_app.py."""
    path = tmp_path / 'chat.db'
    path.touch()
    check_database(path)
    backend = SQLiteBackend(path)
    await backend.start(lambda message: None)
    try:
        await backend.append('lobby', ALICE, 'hello')
        assert path.with_name('chat.db-wal').exists()
        check_database(path)
    finally:
        await backend.stop()
