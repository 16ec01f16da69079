"""Session files are bounded: old ones expire, the oldest go beyond a count, and an open session's never does."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from chat.internals.sessions import SessionCleanup
from tests.support.app_process import AppProcess
from tests.support.waiting import wait_for

DAY = 86_400.0


def session_files(directory: Path, ages_in_days: list[float]) -> list[Path]:
    """One NiceGUI user-storage file per age, modified that many days ago, named by its index."""
    directory.mkdir(parents=True, exist_ok=True)
    now = time.time()
    paths = []
    for index, age in enumerate(ages_in_days):
        path = directory / f'storage-user-{index:08d}.json'
        path.write_text('{"name": "Brave Koala 12"}', encoding='utf-8')
        os.utime(path, (now - age * DAY, now - age * DAY))
        paths.append(path)
    return paths


def names(paths: list[Path]) -> set[str]:
    return {path.name for path in paths}


def test_files_not_seen_for_the_age_go(tmp_path: Path) -> None:
    paths = session_files(tmp_path, [0, 1, 29, 31, 100] * 200)
    gone = SessionCleanup(tmp_path, 30 * DAY, 100_000).clean_files(seen=set(), keep=set())
    assert names(gone) == {path.name for path, age in zip(paths, [0, 1, 29, 31, 100] * 200, strict=True) if age > 30}
    assert len(list(tmp_path.iterdir())) == 600


def test_beyond_the_count_the_oldest_go(tmp_path: Path) -> None:
    paths = session_files(tmp_path, [index / 100 for index in range(1000)])  # paths[0] is the newest
    SessionCleanup(tmp_path, 30 * DAY, 250).clean_files(seen=set(), keep=set())
    assert names(list(tmp_path.iterdir())) == names(paths[:250])


def test_an_open_session_is_kept_and_one_seen_counts_as_new(tmp_path: Path) -> None:
    paths = session_files(tmp_path, [40, 50, 60, 70])
    other = tmp_path / 'storage-general.json'
    other.write_text('{}', encoding='utf-8')
    os.utime(other, (0, 0))
    SessionCleanup(tmp_path, 30 * DAY, 100_000).clean_files(seen={paths[1]}, keep={paths[0]})
    assert names(list(tmp_path.iterdir())) == names(paths[:2]) | {other.name}
    SessionCleanup(tmp_path, 30 * DAY, 1).clean_files(seen=set(), keep={paths[0]})
    assert names(list(tmp_path.iterdir())) == {paths[0].name, other.name}  # kept even beyond the count


def test_a_visit_without_a_cookie_leaves_no_file_once_its_session_closed(
    start_server: Callable[..., AppProcess], chat_env: Path
) -> None:
    """NiceGUI keeps a page's storage open a minute for a socket that never comes, then it closes: then it goes."""
    server = start_server(chat_env, '--session-days', '0', script='tests/session_cleanup_app.py')
    sessions = chat_env / 'sessions'
    assert httpx.get(server.url + '/', timeout=10).status_code == 200
    wait_for(lambda: any(sessions.glob('storage-user-*.json')), timeout=10)
    time.sleep(5)
    assert any(sessions.glob('storage-user-*.json')), 'the open session was deleted'
    wait_for(lambda: not any(sessions.glob('storage-user-*.json')), timeout=120)
