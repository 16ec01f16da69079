"""Fixtures and hooks only: an isolated data directory per test, real app processes, Redis and Chromium.

What the fixtures are built from, and every helper a test imports, is in `tests/support`.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from chat.domain.rooms import Rooms
from chat.stores.messages.sqlite import SQLiteBackend
from tests.support.app_process import AppProcess
from tests.support.chromium import Chromium
from tests.support.environment import IN_CI, RECONNECT_TIMEOUT, require_redis_server
from tests.support.protocol import Network
from tests.support.redis_server import RedisServer


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI every test must run: a skip (say, of the browser tests) fails the run."""
    reporter = session.config.pluginmanager.get_plugin('terminalreporter')
    if IN_CI and reporter is not None and reporter.stats.get('skipped'):
        reporter.write_line(f'CI: {len(reporter.stats["skipped"])} test(s) skipped; every test must run here.')
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def chat_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Path:
    """Point every test at its own data directory, so no test sees another's messages.

    `@pytest.mark.settings(name=value, ...)` sets `CHAT_NAME` for the test, before any app starts
    (the simulated users' app reads it, and `start_server` hands it to its processes).
    A closed tab's page goes after `RECONNECT_TIMEOUT` seconds (see there).
    """
    for name in [name for name in os.environ if name.startswith('CHAT_')]:
        monkeypatch.delenv(name)
    data_dir = tmp_path / 'data'
    monkeypatch.setenv('CHAT_DATA_DIR', str(data_dir))
    monkeypatch.setenv('CHAT_RECONNECT_TIMEOUT', str(RECONNECT_TIMEOUT))
    for marker in request.node.iter_markers('settings'):
        for name, value in marker.kwargs.items():
            monkeypatch.setenv(f'CHAT_{name.upper()}', str(value))
    return data_dir


@pytest.fixture
def start_server(chat_env: Path) -> Iterator[Callable[..., AppProcess]]:
    """Start `python app.py` processes (by default on the test's data directory, with its settings); all stop after.

    Extra arguments after the data directory are passed to app.py, e.g. `--redis-url`; `env` adds
    environment variables, e.g. the `DISPLAY` of a native window; `script` runs another app file
    instead of app.py; `store_open=False` returns once it serves even while its store is not open
    (see `AppProcess`). What each process printed and logged is printed after the
    test, so a failing test's report shows it.
    """
    servers: list[AppProcess] = []

    def start(
        data_dir: Path = chat_env,
        *options: str,
        env: Mapping[str, str] | None = None,
        script: str = 'app.py',
        store_open: bool = True,
    ) -> AppProcess:
        settings = {name: value for name, value in os.environ.items() if name.startswith('CHAT_')}
        server = AppProcess(data_dir, args=options, env=settings | dict(env or {}), script=script)
        servers.append(server)
        return server.start(store_open=store_open)

    try:
        yield start
    finally:
        for server in servers:
            server.stop()
            print(server.transcript())


@pytest.fixture
def chat_server(start_server: Callable[..., AppProcess]) -> AppProcess:
    return start_server()


@pytest.fixture
async def rooms(tmp_path: Path) -> AsyncIterator[Rooms]:
    """A room model over a fresh SQLite file, started, for tests of the domain without a server."""
    model = Rooms(SQLiteBackend(tmp_path / 'chat.db'))
    await model.start()
    yield model
    await model.stop()


@pytest.fixture
async def network() -> AsyncIterator[Network]:
    """HTTP and Socket.IO for protocol-client tabs (`tests.support.protocol`), closed after the test."""
    async with Network() as shared:
        yield shared


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A fresh Redis for one test; outside CI a machine without redis-server skips, in CI that fails."""
    require_redis_server()
    directory = tmp_path / 'redis'
    directory.mkdir()
    server = RedisServer(directory, durable=True).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def browser() -> Iterator[Callable[..., WebDriver]]:
    """A factory of independent headless Chromium sessions, `browser(width, height)`, all quit afterwards."""
    chromium = Chromium()
    try:
        yield chromium.launch
    finally:
        chromium.quit()
