"""What only the SQLite backend does: fail honestly when the disk does, refuse a newer schema, migrate an older
one, list rooms by index.

The contract both backends share is in test_stores_messages.py."""

import contextlib
import sqlite3
from pathlib import Path

import pytest

from chat.domain.model import Author, ChatError, ErrorKind, Message, RoomCursor
from chat.stores.messages.sqlite import SCHEMA_VERSION, STEPS, SQLiteBackend
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


def rooms_of(path: Path) -> list[tuple[str, int]]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute('SELECT name, message_count FROM rooms ORDER BY name').fetchall()


async def test_a_version_1_database_is_migrated_in_place_and_keeps_its_messages(tmp_path: Path) -> None:
    path = tmp_path / 'chat.db'
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.executescript(f'{STEPS[0]} PRAGMA user_version = 1;')  # what the chat wrote before the rooms list paged
        db.executemany(
            'INSERT INTO messages (room, author_id, author_name, text, sent_at) VALUES (?, ?, ?, ?, ?)',
            [('lobby', 'tab-a', 'Alice', 'kept', 1000.0), ('books', 'tab-a', 'Alice', 'also kept', 1001.0)],
        )
    backend = SQLiteBackend(path)
    await backend.start(lambda message: None)
    assert [message.text for message in await backend.history('lobby')] == ['kept']
    assert [room.name for room in await backend.rooms(limit=1)] == ['books']
    await backend.stop()
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert db.execute('PRAGMA user_version').fetchone() == (SCHEMA_VERSION,) == (2,)
        assert db.execute("SELECT 1 FROM sqlite_master WHERE name = 'rooms_by_activity'").fetchone() == (1,)
    assert rooms_of(path) == [('books', 1), ('lobby', 1)]


async def test_the_rooms_list_reads_by_index_and_sorts_only_a_searchs_matches(tmp_path: Path) -> None:
    """A page, the first or the thousandth, walks the activity index; a search takes its prefix's range of names."""
    backend = SQLiteBackend(tmp_path / 'chat.db')
    await backend.start(lambda message: None)
    for name in ('a', 'b', 'c'):
        await backend.append(name, ALICE, 'hello')
    statements: list[str] = []
    await sqlite_connection(backend).set_trace_callback(statements.append)
    first = await backend.rooms(limit=1)
    await backend.rooms(after=RoomCursor(first[0].last_activity, first[0].name), limit=1)
    await backend.rooms(prefix='b', limit=1)
    await backend.rooms(prefix='b', after=RoomCursor(first[0].last_activity, first[0].name), limit=1)
    await sqlite_connection(backend).set_trace_callback(None)
    plans = [await query_plan(backend, statement) for statement in statements]
    await backend.stop()
    assert len(plans) == 4
    for plan in plans[:2]:
        assert 'USING INDEX rooms_by_activity' in plan and 'TEMP B-TREE' not in plan, plan
    for plan in plans[2:]:
        assert 'SEARCH rooms USING PRIMARY KEY (name>? AND name<?)' in plan, plan


async def query_plan(backend: SQLiteBackend, statement: str) -> str:
    async with sqlite_connection(backend).execute(f'EXPLAIN QUERY PLAN {statement}') as cursor:
        return ' / '.join(row[-1] for row in await cursor.fetchall())
