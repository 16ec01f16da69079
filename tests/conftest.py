"""Shared fixtures: an isolated data directory per test, a real server process, real Chromium browsers."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import httpx
import pytest

from bench.server import RedisServer, free_port
from tests.support.protocol import Network

ROOT = Path(__file__).resolve().parent.parent
IN_CI = bool(os.environ.get('CI'))


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
    (the simulated users' app and `start_server`'s processes read it).
    """
    for name in [name for name in os.environ if name.startswith('CHAT_')]:
        monkeypatch.delenv(name)
    data_dir = tmp_path / 'data'
    monkeypatch.setenv('CHAT_DATA_DIR', str(data_dir))
    for marker in request.node.iter_markers('settings'):
        for name, value in marker.kwargs.items():
            monkeypatch.setenv(f'CHAT_{name.upper()}', str(value))
    return data_dir


def unavailable(message: str) -> NoReturn:
    """A test that needs something this machine lacks: skipped here, but in CI every test must run."""
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def require_redis_server() -> None:
    if shutil.which('redis-server') is None:
        unavailable('redis-server is needed (apt-get install -y redis-server)')


def wait_for(condition: Callable[[], object], timeout: float = 5.0, message: str = 'condition') -> object:
    """Poll `condition` until it returns something truthy; fail with `message` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f'timed out after {timeout} s waiting for {message}')
        time.sleep(0.05)


@dataclass
class ChatServer:
    """A real `python app.py` process on a free loopback port, in its own process group."""

    url: str
    process: subprocess.Popen
    data_dir: Path

    def health(self) -> dict:
        return httpx.get(f'{self.url}/healthz', timeout=2).json()

    def kill(self) -> None:
        """Crash the server as a power cut would: SIGKILL, no shutdown handlers."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


@pytest.fixture
def start_server(chat_env: Path) -> Iterator[Callable[..., ChatServer]]:
    """Start `python app.py` processes on free ports (by default on the test's data directory); all stop after.

    Extra arguments after the data directory are passed to app.py, e.g. `--redis-url`.
    """
    processes: list[subprocess.Popen] = []

    def start(data_dir: Path = chat_env, *options: str) -> ChatServer:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if k != 'PYTEST_CURRENT_TEST'}
        command = [sys.executable, 'app.py', '--host', '127.0.0.1', '--port', str(port), '--data-dir', str(data_dir)]
        command += options
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, start_new_session=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        processes.append(process)
        server = ChatServer(f'http://127.0.0.1:{port}', process, data_dir)

        def ready() -> bool:
            if process.poll() is not None:
                raise AssertionError(f'app.py exited early:\n{process.stdout.read()}')
            try:
                return server.health()['status'] == 'ok'
            except httpx.HTTPError:
                return False

        wait_for(ready, timeout=20, message='app.py to serve /healthz')
        return server

    try:
        yield start
    finally:
        for process in processes:
            stop_process_group(process)


@pytest.fixture
def chat_server(start_server: Callable[..., ChatServer]) -> ChatServer:
    return start_server()


def seed_database(data_dir: Path, room: str, count: int) -> None:
    """Write `count` messages into the data directory's database, as an earlier run would have."""
    from chat.domain.model import Author
    from chat.stores.messages.sqlite import SQLiteBackend

    async def write() -> None:
        backend = SQLiteBackend(data_dir / 'chat.db')
        await backend.start(lambda message: None)
        for i in range(count):
            await backend.append(room, Author('seed-tab', 'Seeder'), f'old {i}')
        await backend.stop()

    asyncio.run(write())


def stop_process_group(process: subprocess.Popen, timeout: float = 10) -> int:
    """SIGTERM the process group, then SIGKILL whatever is left; returns the exit code."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout)
    return process.returncode


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


def _chromium_paths() -> tuple[str, str] | None:
    browser = shutil.which('chromium') or shutil.which('chromium-browser')
    driver = shutil.which('chromedriver')
    return (browser, driver) if browser and driver else None


@pytest.fixture
def browser() -> Iterator[Callable[[], object]]:
    """A factory of independent headless Chromium sessions (own profile, own cookies), all quit afterwards.

    Outside CI a machine without Chromium skips these tests; in CI that is a failure.
    """
    paths = _chromium_paths()
    if paths is None:
        unavailable('Chromium and chromedriver are needed (apt-get install -y chromium chromium-driver)')
    from selenium import webdriver

    drivers: list[webdriver.Chrome] = []
    profiles: list[str] = []

    def launch(width: int = 1000, height: int = 800) -> webdriver.Chrome:
        profile = tempfile.mkdtemp(prefix='chat-chromium-')
        profiles.append(profile)
        options = webdriver.ChromeOptions()
        options.binary_location = paths[0]
        for argument in (
            '--headless=new',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-dev-shm-usage',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
            f'--user-data-dir={profile}',
            f'--window-size={width},{height}',
        ):
            options.add_argument(argument)
        options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
        driver = webdriver.Chrome(service=webdriver.ChromeService(paths[1]), options=options)
        driver.set_page_load_timeout(15)
        drivers.append(driver)
        return driver

    try:
        yield launch
    finally:
        for driver in drivers:
            driver.quit()
        for profile in profiles:
            shutil.rmtree(profile, ignore_errors=True)
