"""The SQLite backend: durable, ordered, paged, and honest when the disk fails."""

import sqlite3
from pathlib import Path

import pytest

from chat.backends.sqlite import SQLiteBackend
from chat.model import Author, ChatError, ErrorKind, Message

ALICE = Author('tab-a', 'Alice')


async def test_append_returns_increasing_ids_and_delivers_once(tmp_path: Path) -> None:
    delivered: list[Message] = []
    backend = SQLiteBackend(tmp_path / 'chat.db')
    await backend.start(delivered.append)
    first = await backend.append('lobby', ALICE, 'one')
    second = await backend.append('other', ALICE, 'two')
    await backend.stop()
    assert second.id > first.id
    assert delivered == [first, second]
    assert first.text == 'one' and first.author == ALICE and first.room == 'lobby'


async def test_messages_survive_reopening_the_file(tmp_path: Path) -> None:
    backend = SQLiteBackend(tmp_path / 'chat.db')
    await backend.start(lambda message: None)
    sent = [await backend.append('lobby', ALICE, f'message {i}') for i in range(3)]
    await backend.stop()

    reopened = SQLiteBackend(tmp_path / 'chat.db')
    await reopened.start(lambda message: None)
    assert await reopened.history('lobby') == sent
    await reopened.stop()


async def test_history_pages_backwards_oldest_first_per_room(tmp_path: Path) -> None:
    backend = SQLiteBackend(tmp_path / 'chat.db')
    await backend.start(lambda message: None)
    lobby = [await backend.append('lobby', ALICE, f'{i}') for i in range(5)]
    await backend.append('elsewhere', ALICE, 'not here')
    latest = await backend.history('lobby', limit=2)
    older = await backend.history('lobby', before=latest[0].id, limit=2)
    await backend.stop()
    assert latest == lobby[3:]
    assert older == lobby[1:3]


async def test_a_failing_store_raises_a_storage_error_and_delivers_nothing(tmp_path: Path) -> None:
    delivered: list[Message] = []
    path = tmp_path / 'chat.db'
    backend = SQLiteBackend(path)
    await backend.start(delivered.append)
    assert backend._db is not None
    await backend._db.execute('PRAGMA query_only = ON')  # every write now fails, as on a read-only disk
    with pytest.raises(ChatError) as failed:
        await backend.append('lobby', ALICE, 'lost?')
    await backend.stop()
    assert failed.value.kind is ErrorKind.STORAGE
    assert delivered == []


async def test_rooms_are_listed_with_their_count_and_latest_activity(tmp_path: Path) -> None:
    backend = SQLiteBackend(tmp_path / 'chat.db')
    await backend.start(lambda message: None)
    assert await backend.rooms() == []
    await backend.append('quiet', ALICE, 'one')
    for i in range(3):
        last = await backend.append('busy', ALICE, f'{i}')
    rooms = await backend.rooms()
    await backend.stop()
    assert [(room.name, room.message_count) for room in rooms] == [('busy', 3), ('quiet', 1)]
    assert rooms[0].last_activity == last.sent_at


async def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / 'chat.db'
    with sqlite3.connect(path) as db:
        db.execute('PRAGMA user_version = 99')
    with pytest.raises(RuntimeError, match='newer version'):
        await SQLiteBackend(path).start(lambda message: None)
