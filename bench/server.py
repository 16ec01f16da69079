"""The app under test: `python app.py` on a free loopback port with its own data directory, measured from /proc.

Several app processes form a group that shares rooms through a private `redis-server`, as a
deployment behind a load balancer would; the group is measured as one server.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf('SC_CLK_TCK')


@dataclass
class AppProcess:
    """One server process; `cpu_seconds()` and `rss_mb()` read its own /proc entries."""

    data_dir: Path
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen | None = None
    peak_rss_mb: float = field(default=0.0)

    @property
    def url(self) -> str:
        return f'http://127.0.0.1:{self.port}'

    @property
    def pid(self) -> int:
        """The server's process id, e.g. for `py-spy dump --pid`."""
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 30) -> AppProcess:
        """Start `app.py` with `args` (e.g. `--redis-url`) and `env` on top of a clean environment."""
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(('CHAT_', 'PYTEST_'))} | self.env
        command = [sys.executable, 'app.py', '--host', '127.0.0.1', '--port', str(self.port),
                   '--data-dir', str(self.data_dir), *self.args]  # fmt: skip
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f'app.py exited with {self.process.returncode}')
            try:
                if httpx.get(f'{self.url}/healthz', timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError('app.py did not become healthy')

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(15)

    def health(self) -> dict:
        return httpx.get(f'{self.url}/healthz', timeout=5).json()

    def cpu_seconds(self) -> float:
        """User plus system CPU time of the server process so far."""
        assert self.process is not None
        fields = Path(f'/proc/{self.process.pid}/stat').read_text().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def rss_mb(self) -> float:
        """Resident memory now; also raises `peak_rss_mb` when sampled often enough."""
        assert self.process is not None
        for line in Path(f'/proc/{self.process.pid}/status').read_text().splitlines():
            if line.startswith('VmRSS:'):
                rss = int(line.split()[1]) / 1024
                self.peak_rss_mb = max(self.peak_rss_mb, rss)
                return rss
        raise RuntimeError('no VmRSS in /proc status')

    def __enter__(self) -> AppProcess:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def temporary_data_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix='chat-bench-'))


class RedisServer:
    """A private `redis-server` on a free loopback port, in `directory`.

    The load generator needs no persistence; tests of outages make it `durable` (every write in
    the append-only file, fsynced), so it can be stopped and started again on the same port and
    directory and keep what it acknowledged.
    """

    def __init__(self, directory: Path, *, durable: bool = False) -> None:
        self.directory = directory
        self.durable = durable
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f'redis://127.0.0.1:{self.port}/0'

    def start(self, timeout: float = 10) -> RedisServer:
        persistence = ['--appendonly', 'yes', '--appendfsync', 'always'] if self.durable else ['--appendonly', 'no']
        command = ['redis-server', '--bind', '127.0.0.1', '--port', str(self.port), '--dir', str(self.directory),
                   '--save', '', *persistence]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError('redis-server did not answer')
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(('127.0.0.1', self.port), timeout=0.5) as sock:
                sock.sendall(b'PING\r\n')
                return sock.recv(16).startswith(b'+PONG')
        except OSError:
            return False


@dataclass
class AppGroup:
    """`processes` app processes measured as one server: CPU and RSS are summed over them.

    With more than one, each gets its own data directory and `--redis-url` of a private Redis,
    so a message posted to process 0 reaches the others' tabs only through Redis. Process 0
    runs on `data_dir` (which may be seeded); the others' directories are removed on stop.
    """

    data_dir: Path
    processes: int = 1
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    apps: list[AppProcess] = field(default_factory=list)
    redis: RedisServer | None = None
    peak_rss_mb: float = 0.0

    @property
    def url(self) -> str:
        """Process 0's URL: where senders post and single-process scenarios go."""
        return self.apps[0].url

    @property
    def urls(self) -> list[str]:
        return [app.url for app in self.apps]

    @property
    def pid(self) -> int:
        """Process 0's id (the one `--profile` records)."""
        return self.apps[0].pid

    def start(self) -> AppGroup:
        args = self.args
        if self.processes > 1:
            self.redis = RedisServer(temporary_data_dir()).start()
            args = [*args, '--redis-url', self.redis.url]
        data_dirs = [self.data_dir] + [temporary_data_dir() for _ in range(self.processes - 1)]
        self.apps = [AppProcess(data_dir, args=args, env=self.env) for data_dir in data_dirs]
        for app in self.apps:
            app.start()
        return self

    def stop(self) -> None:
        for app in self.apps:
            app.stop()
            if app.data_dir != self.data_dir:
                shutil.rmtree(app.data_dir, ignore_errors=True)
        if self.redis is not None:
            self.redis.stop()
            shutil.rmtree(self.redis.directory, ignore_errors=True)

    def cpu_seconds(self) -> float:
        return sum(app.cpu_seconds() for app in self.apps)

    def rss_mb(self) -> float:
        """Resident memory of all processes now; `peak_rss_mb` is the highest such sum sampled."""
        rss = sum(app.rss_mb() for app in self.apps)
        self.peak_rss_mb = max(self.peak_rss_mb, rss)
        return rss

    def __enter__(self) -> AppGroup:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *_: object) -> None:
        self.stop()
