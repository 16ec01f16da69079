"""The server a benchmark measures: our app (one or more processes, measured together), or a comparison server.

Several app processes form a group that shares rooms through a private `redis-server`, as a
deployment behind a load balancer would; the group's CPU and memory are the sums of its processes'.
How one process is started and measured is the test harness's `AppProcess`. The comparison servers
(`COMPARISONS`) are one process each, started and measured the same way by `ComparisonServer`.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import httpx

from bench.load import TabKind
from tests.support import processes
from tests.support.app_process import ADDRESS_IN_USE, ROOT, START_ATTEMPTS, AppProcess, temporary_data_dir
from tests.support.processes import StreamLines, free_port, stop_process_group
from tests.support.redis_server import RedisServer


class Server(Protocol):
    """What a scenario needs of the server it loads: where a room is, how many tabs are in, what it costs."""

    peak_rss_mb: float  # the highest `rss_mb()` so far

    @property
    def name(self) -> str:
        """'app' for ours, else the comparison's key in `COMPARISONS`: recorded with each run."""
        ...

    @property
    def tabs(self) -> TabKind:
        """The kind of tab that chats with it."""
        ...

    @property
    def pid(self) -> int:
        """The process `--profile` records."""
        ...

    def room_urls(self, room: str) -> list[str]:
        """Where tabs open room `room`, one URL per server process; senders use the first."""
        ...

    async def subscribers(self, http: httpx.AsyncClient) -> int:
        """How many tabs are connected, as the server itself counts them."""
        ...

    def cpu_seconds(self) -> float: ...

    def rss_mb(self) -> float: ...


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
    name: str = field(default='app', init=False)
    tabs: TabKind = field(default='app', init=False)

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

    def room_urls(self, room: str) -> list[str]:
        return [f'{url}/room/{room}' for url in self.urls]

    async def subscribers(self, http: httpx.AsyncClient) -> int:
        """The sum of the processes' `/healthz` subscribers: each counts only its own tabs."""
        return sum([(await http.get(f'{url}/healthz')).json()['subscribers'] for url in self.urls])

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


@dataclass(frozen=True)
class Comparison:
    """How a comparison server is started (`{port}` stands for its port) and where its room `{room}` is."""

    arguments: tuple[str, ...]  # after `python`
    room_path: str


COMPARISONS = {
    'channels': Comparison(
        ('-m', 'daphne', '-b', '127.0.0.1', '-p', '{port}', 'bench.channels_chat.asgi:application'), '/ws/chat/{room}/'
    ),
    'floor': Comparison(('-m', 'bench.floor', '--port', '{port}'), '/'),  # one room whatever the path
}


class ServerStartError(RuntimeError):
    """A comparison server exited or did not answer `GET /count` in time; the message carries its output."""


@dataclass
class ComparisonServer:
    """One comparison server (a key of `COMPARISONS`) on a free loopback port, in a process group of its own.

    Shaped like `AppGroup` for the scenarios (see `Server`); `GET /count` tells how many sockets it
    holds. As with `AppProcess`, a port taken between `free_port` and the bind means another try.
    """

    name: str
    port: int = 0
    process: subprocess.Popen[str] | None = None
    peak_rss_mb: float = 0.0
    tabs: TabKind = field(default='socket', init=False)
    _output: StreamLines | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f'http://127.0.0.1:{self.port}'

    @property
    def urls(self) -> list[str]:
        return [self.url]

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError(f'{self.name} was not started')
        return self.process.pid

    def room_urls(self, room: str) -> list[str]:
        return [f'ws://127.0.0.1:{self.port}{COMPARISONS[self.name].room_path.format(room=room)}']

    async def subscribers(self, http: httpx.AsyncClient) -> int:
        return int((await http.get(f'{self.url}/count')).text)

    def start(self, timeout: float = 30) -> ComparisonServer:
        try:
            for _ in range(START_ATTEMPTS):
                self.port = free_port()
                self._spawn()
                if self._serves(timeout):
                    return self
        except BaseException:
            self.stop()
            raise
        raise ServerStartError(f'{self.name} found no free port in {START_ATTEMPTS} attempts:\n{self.output()}')

    def stop(self) -> None:
        if self.process is not None:
            stop_process_group(self.process)
        if self._output is not None:
            self._output.wait_closed()

    def output(self) -> str:
        """What it printed and logged, for a failure message."""
        return self._output.text() if self._output is not None else ''

    def cpu_seconds(self) -> float:
        return processes.cpu_seconds(self.pid)

    def rss_mb(self) -> float:
        """Resident memory now; `peak_rss_mb` is the highest sampled."""
        rss = processes.rss_mb(self.pid)
        self.peak_rss_mb = max(self.peak_rss_mb, rss)
        return rss

    def __enter__(self) -> ComparisonServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _spawn(self) -> None:
        arguments = [argument.format(port=self.port) for argument in COMPARISONS[self.name].arguments]
        self.process = subprocess.Popen(
            [sys.executable, *arguments], cwd=ROOT, start_new_session=True,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors='replace',
        )  # fmt: skip
        assert self.process.stdout is not None
        self._output = StreamLines(self.process.stdout)

    def _serves(self, timeout: float) -> bool:
        """Wait until `GET /count` answers: True; or until the server exits because its port was taken: False."""
        process, deadline = self.process, time.monotonic() + timeout
        assert process is not None
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self.stop()
                if ADDRESS_IN_USE in self.output().lower():
                    return False
                raise ServerStartError(f'{self.name} exited with {process.returncode}:\n{self.output()}')
            with contextlib.suppress(httpx.HTTPError):  # not listening yet
                if httpx.get(f'{self.url}/count', timeout=5).is_success:
                    return True
            time.sleep(0.05)
        raise ServerStartError(f'{self.name} did not answer GET /count within {timeout} s:\n{self.output()}')
