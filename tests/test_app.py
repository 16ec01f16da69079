"""`python app.py` as a user runs it: help, bad options and settings that cannot work fail politely, in one line."""

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from chat.config import SECRET_FILE, Settings
from chat.domain.moderation import LINK_REFUSAL
from chat.stores.messages.sqlite import MESSAGES_AND_ROOMS
from tests.support.app_process import READY, AppProcess, run_app
from tests.support.processes import free_port


def test_help_lists_the_options() -> None:
    result = run_app('--help')
    assert result.returncode == 0
    for option in ('--host', '--port', '--native', '--reload', '--db', 'CHAT_PORT'):
        assert option in result.stdout


def test_a_bad_port_is_one_line_of_error_not_a_traceback() -> None:
    result = run_app('--port', 'abc')
    assert result.returncode == 2
    assert 'port' in result.stderr and 'Traceback' not in result.stderr


def setting_up(data_dir: Path, case: str) -> list[str]:
    """Arrange the machine for `case` and return the app.py options that start the app on it."""
    if case == 'data dir is a file':
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        data_dir.write_text('not a directory', encoding='utf-8')
    elif case == 'secret path is a directory':
        (data_dir / SECRET_FILE).mkdir(parents=True)
    elif case == 'secret file is empty':
        data_dir.mkdir(parents=True)
        (data_dir / SECRET_FILE).touch(mode=0o600)
    elif case == 'db under a file':
        data_dir.mkdir(parents=True)
        (data_dir / 'plain-file').write_text('', encoding='utf-8')
        return ['--db', str(data_dir / 'plain-file' / 'chat.db')]
    return {
        'db in /proc': ['--db', '/proc/chat.db'],
        'redis url without a scheme': ['--redis-url', 'not-a-url'],
        'redis url with a broken address': ['--redis-url', 'redis://:x@[::1'],
        'infinite rate': ['--messages-per-second', 'inf'],
        'short secret': ['--storage-secret', 'short'],
    }.get(case, [])


@pytest.mark.parametrize(
    'case',
    [
        'data dir is a file',
        'secret path is a directory',
        'secret file is empty',
        'db under a file',
        'db in /proc',
        'redis url without a scheme',
        'redis url with a broken address',
        'infinite rate',
        'short secret',
    ],
)
def test_settings_that_cannot_work_stop_the_app_with_one_line_before_it_serves(chat_env: Path, case: str) -> None:
    result = run_app('--port', str(free_port()), *setting_up(chat_env, case), timeout=20)
    lines = result.stderr.splitlines()
    assert result.returncode != 0
    assert len(lines) == 1 and lines[0].startswith('app.py: error: '), result.stderr
    assert READY not in result.stdout


# root may write anywhere; without CAP_DAC_OVERRIDE it is held to the permissions, as the chat's own user would be
UNPRIVILEGED = ('setpriv', '--bounding-set', '-dac_override', '--') if os.geteuid() == 0 else ()


def earlier_database(data_dir: Path) -> Path:
    """The database an earlier start left in `data_dir` (WAL mode, one message), next to its session secret."""
    Settings().prepare_storage()
    database = data_dir / 'chat.db'
    with contextlib.closing(sqlite3.connect(database)) as db:
        db.execute('PRAGMA journal_mode=WAL')
        db.executescript(MESSAGES_AND_ROOMS + 'PRAGMA user_version = 1;')
        db.execute(
            "INSERT INTO messages (room, author_id, author_name, text, sent_at) VALUES ('lobby', 'a', 'A', 'hi', 0)"
        )
        db.commit()
    return database


@contextlib.contextmanager
def unusable_store(data_dir: Path, case: str) -> Iterator[None]:
    """Break the database in `data_dir` as `case` says, for as long as the block runs."""
    database = earlier_database(data_dir)
    if case == 'newer schema':
        with contextlib.closing(sqlite3.connect(database)) as db:
            db.execute('PRAGMA user_version = 99')
    elif case == 'not a database':
        database.write_bytes(b'these are notes, not a database\n' * 200)
    elif case == 'damaged header':
        with database.open('r+b') as file:
            file.seek(16)
            file.write(b'\xff' * 8)  # page size, format versions: what SQLite reads first
    elif case == 'damaged schema':
        with contextlib.closing(sqlite3.connect(database)) as db:
            db.execute('PRAGMA writable_schema = ON')
            db.execute("UPDATE sqlite_master SET sql = 'CREATE TABLE messages (' WHERE name = 'messages'")
            db.commit()
    elif case == 'read-only data dir':
        data_dir.chmod(0o555)
    elif case == 'read-only wal file':
        database.with_name('chat.db-wal').touch(mode=0o444)
    try:
        yield
    finally:
        data_dir.chmod(0o755)


@pytest.mark.parametrize(
    ('case', 'says'),
    [
        ('newer schema', 'newer version of the chat'),
        ('not a database', 'not a SQLite database'),
        ('damaged header', 'not a SQLite database'),
        ('damaged schema', 'damaged'),
        ('read-only data dir', 'Permission denied'),
        ('read-only wal file', 'Permission denied'),
    ],
)
def test_a_database_that_cannot_be_used_stops_the_app_with_one_line(chat_env: Path, case: str, says: str) -> None:
    """Faults that will not heal by themselves end the start, rather than serve a room that loses what is typed."""
    with unusable_store(chat_env, case):
        result = run_app('--port', str(free_port()), timeout=20, prefix=UNPRIVILEGED)
    lines = result.stderr.splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and lines[0].startswith('app.py: error: '), result.stderr
    assert says in lines[0] and str(chat_env) in lines[0]
    assert READY not in result.stdout


def test_create_moderator_link_prints_a_link_the_running_chat_takes_once(
    chat_env: Path, start_server: Callable[..., AppProcess]
) -> None:
    port = free_port()
    created = run_app('--create-moderator-link', '--port', str(port))
    assert created.returncode == 0, created.stderr
    (link,) = created.stdout.splitlines()
    assert link.startswith(f'http://127.0.0.1:{port}/moderator/')
    server = start_server()
    path = link.removeprefix(f'http://127.0.0.1:{port}')
    first = httpx.get(f'{server.url}{path}', timeout=10)
    assert (first.status_code, first.headers['location']) == (303, '/')
    again = httpx.get(f'{server.url}{path}', timeout=10)
    assert LINK_REFUSAL in again.text and 'event=moderator_link_refused' in server.log()
    assert path.removeprefix('/moderator/') not in server.log()


def test_create_moderator_link_with_sign_in_is_one_line_of_error() -> None:
    refused = run_app('--create-moderator-link', '--auth-header', 'Remote-User')
    assert refused.returncode == 2 and refused.stderr.count('\n') == 1 and not refused.stdout
