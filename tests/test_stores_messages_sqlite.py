"""What only the SQLite backend does: fail honestly when the disk does, refuse a newer schema, migrate an older
one, list rooms by index.

The contract both backends share is in test_stores_messages.py."""

import contextlib
import sqlite3
import time
from pathlib import Path

import pytest

from chat.domain.model import Author, ChatError, ErrorKind, Message, RoomCursor
from chat.domain.search import clean_search_words
from chat.stores.messages import Retention
from chat.stores.messages.sqlite import MESSAGES_AND_ROOMS, SCHEMA_VERSION, SQLiteBackend, check_database
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


def version_1_database(path: Path, messages: int) -> None:
    """A chat.db as the first version of the chat left it: schema 1, its trigger counting the rooms."""
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.executescript(MESSAGES_AND_ROOMS + 'PRAGMA user_version = 1;')
        rows = [('lobby', 'tab-old', 'Old', f'old {i}', time.time() - messages + i) for i in range(messages)]
        db.executemany(
            'INSERT INTO messages (room, author_id, author_name, text, sent_at) VALUES (?, ?, ?, ?, ?)', rows
        )


def schema(path: Path) -> tuple[int, list[tuple[str, str]]]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        (version,) = db.execute('PRAGMA user_version').fetchone()
        return version, db.execute('SELECT type, name FROM sqlite_master ORDER BY type, name').fetchall()


async def test_a_version_1_database_is_migrated_in_place_and_keeps_its_messages(tmp_path: Path) -> None:
    old, new = tmp_path / 'old.db', tmp_path / 'new.db'
    version_1_database(old, messages=5)
    backend = SQLiteBackend(old, Retention(keep_messages=3, keep_days=0))
    await backend.start(lambda message: None)
    try:
        assert [message.text for message in await backend.history('lobby')] == [f'old {i}' for i in range(5)]
        appended = await backend.append('lobby', ALICE, 'after the upgrade')
        assert [message.text for message in await backend.history('lobby')] == ['old 3', 'old 4', appended.text]
        assert [(room.name, room.message_count) for room in await backend.rooms()] == [('lobby', 3)]
    finally:
        await backend.stop()
    fresh = SQLiteBackend(new)
    await fresh.start(lambda message: None)
    await fresh.stop()
    assert schema(old) == schema(new) and schema(new)[0] == SCHEMA_VERSION, 'migrated as if created new'


async def test_a_migration_that_fails_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / 'chat.db'
    version_1_database(path, messages=2)
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute('CREATE TABLE retention (anything)')  # in the way of the migration's own
    with pytest.raises(sqlite3.OperationalError):
        await SQLiteBackend(path).start(lambda message: None)
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert db.execute('PRAGMA user_version').fetchone() == (1,)
        assert db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall() == [
            ('count_room_messages',)
        ]
        assert db.execute('SELECT count(*) FROM messages').fetchone() == (2,)


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


async def test_an_edit_and_a_deletion_update_the_row_in_place(tmp_path: Path) -> None:
    """An edit UPDATEs `text`, a deletion empties it and sets `deleted`: the row keeps its id and place, and
    triggers that follow `text` (the search index) follow both."""
    path = tmp_path / 'chat.db'
    backend = SQLiteBackend(path)
    await backend.start(lambda message: None)
    first = await backend.append('lobby', ALICE, 'typo secret')
    await backend.edit('lobby', first.id, ALICE.id, 'edited')
    second = await backend.append('lobby', ALICE, 'second secret')
    reply = await backend.append('lobby', ALICE, 'a reply', reply_to=second.id)
    await backend.delete('lobby', second.id, ALICE.id)
    await backend.stop()
    with contextlib.closing(sqlite3.connect(path)) as db:
        rows = db.execute('SELECT id, text, deleted, edited_at IS NOT NULL, reply_to FROM messages ORDER BY id')
        assert db.execute('SELECT message_count FROM rooms').fetchall() == [(3,)]
        assert rows.fetchall() == [
            (first.id, 'edited', 0, 1, None),
            (second.id, '', 1, 1, None),
            (reply.id, 'a reply', 0, 0, second.id),
        ], 'a reply keeps only the id of what it answers'
        assert not db.execute("SELECT 1 FROM messages WHERE text LIKE '%secret%'").fetchall()


async def test_an_upgrade_indexes_the_messages_already_stored_for_search(tmp_path: Path) -> None:
    path = tmp_path / 'chat.db'
    version_1_database(path, messages=5)
    backend = SQLiteBackend(path)
    await backend.start(lambda message: None)
    try:
        new = await backend.append('lobby', ALICE, 'old news')
        assert [message.text for message in await backend.search('lobby', clean_search_words('old'))] == [
            new.text,
            *(f'old {i}' for i in reversed(range(5))),
        ]
    finally:
        await backend.stop()


async def test_an_edited_or_emptied_message_is_found_by_its_new_text_only(tmp_path: Path) -> None:
    """An edit (and a delete that empties the text) is an UPDATE of the row: the index follows it."""
    backend = SQLiteBackend(tmp_path / 'chat.db')
    await backend.start(lambda message: None)
    try:
        edited = await backend.append('lobby', ALICE, 'typo teh')
        deleted = await backend.append('lobby', ALICE, 'regret this')
        db = sqlite_connection(backend)
        await db.execute("UPDATE messages SET text = 'typo fixed' WHERE id = ?", (edited.id,))
        await db.execute("UPDATE messages SET text = '' WHERE id = ?", (deleted.id,))
        assert await backend.search('lobby', clean_search_words('teh')) == []
        assert [message.id for message in await backend.search('lobby', clean_search_words('fixed'))] == [edited.id]
        assert await backend.search('lobby', clean_search_words('regret')) == []
        async with db.execute("INSERT INTO messages_search (messages_search) VALUES ('integrity-check')"):
            pass  # raises if the index and the messages disagree
    finally:
        await backend.stop()


async def test_a_search_walks_the_index_newest_first_without_sorting(tmp_path: Path) -> None:
    backend = SQLiteBackend(tmp_path / 'chat.db')
    await backend.start(lambda message: None)
    await backend.append('lobby', ALICE, 'hello')
    statements: list[str] = []
    await sqlite_connection(backend).set_trace_callback(statements.append)
    await backend.search('lobby', clean_search_words('hello'), before=10)
    await sqlite_connection(backend).set_trace_callback(None)
    (plan,) = [await query_plan(backend, statement) for statement in statements if not statement.startswith('--')]
    await backend.stop()
    assert 'VIRTUAL TABLE INDEX' in plan and 'USING INTEGER PRIMARY KEY' in plan and 'TEMP B-TREE' not in plan, plan
