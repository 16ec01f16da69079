"""The app under test: `python app.py` on a free loopback port with its own data directory, seen from outside.

Tests, the native-window test and the load generator all start the app through `AppProcess`, so
they all get the same clean environment, the same wait until it really serves, the same retry when
its port was taken, and the same output: what it prints (stdout) and what it logs (stderr).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support import processes
from tests.support.processes import StreamLines, free_port, stop_process_group

ROOT = Path(__file__).resolve().parent.parent.parent
READY = 'Chat ready on:'  # the app's first line on stdout, once it listens
ADDRESS_IN_USE = 'address already in use'  # uvicorn's log line when another process has the port
START_ATTEMPTS = 5


class AppStartError(RuntimeError):
    """`app.py` exited or did not serve in time; the message carries what it printed and logged."""


@dataclass
class AppProcess:
    """One `python app.py` process in a process group of its own, listening on 127.0.0.1.

    `args` are more app.py options (e.g. `--redis-url`, `--native`), `env` more environment
    variables; the app's `CHAT_*` settings come only from these two, never from the caller's own
    environment. `port` is the port to try first (0: any free one); `start` moves to another free
    port if that one turns out taken, so read `port` and `url` after starting. `script` is another
    file that builds the app and takes app.py's options, e.g. a test-only app with extra pages.
    """

    data_dir: Path
    args: Sequence[str] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    port: int = 0
    script: str = 'app.py'
    process: subprocess.Popen[str] | None = None
    _stdout: StreamLines | None = field(default=None, repr=False)
    _stderr: StreamLines | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f'http://127.0.0.1:{self.port}'

    @property
    def pid(self) -> int:
        """The server's process id (also its process group's), e.g. for `py-spy dump --pid`."""
        return self._running().pid

    def start(self, timeout: float = 60, *, store_open: bool = True) -> AppProcess:
        """Start the app and return once it serves `/healthz` on its port; stopped again if it does not.

        With `store_open` (the default) it must also say its store is open; without, a 503 (say, from
        a Redis that is down, for a test of just that) counts as serving too.

        Between `free_port` finding a port and the app binding it, another process may take it;
        the app then exits with "address already in use", and is started again on another port,
        up to `START_ATTEMPTS` times.
        """
        port = self.port or free_port()
        try:
            for _ in range(START_ATTEMPTS):
                self.port = port
                self._spawn()
                if self._serves(timeout, store_open):
                    return self
                port = free_port()
        except BaseException:
            self.stop()
            raise
        raise AppStartError(f'app.py found no free port in {START_ATTEMPTS} attempts:\n{self.transcript()}')

    def stop(self, timeout: float = 10) -> int | None:
        """SIGTERM the app's process group (SIGKILL if it lingers) and collect its output; returns its exit code."""
        if self.process is None:
            return None
        returncode = stop_process_group(self.process, timeout)
        for stream in (self._stdout, self._stderr):
            if stream is not None:
                stream.wait_closed()
        return returncode

    def kill(self) -> None:
        """Crash the app as a power cut would: SIGKILL to the whole group, no shutdown handlers."""
        os.killpg(self._running().pid, signal.SIGKILL)
        self._running().wait(10)

    def health(self) -> dict:
        return httpx.get(f'{self.url}/healthz', timeout=5).json()

    def output(self) -> str:
        """What the app printed on stdout so far: where it serves, whether a native window opens."""
        return self._stdout.text() if self._stdout is not None else ''

    def log(self) -> str:
        """What the app logged on stderr so far: one logfmt line per record."""
        return self._stderr.text() if self._stderr is not None else ''

    def log_lines(self) -> list[str]:
        return self._stderr.lines if self._stderr is not None else []

    def transcript(self) -> str:
        """Everything the app printed and logged, for a failure message."""
        return f'--- app.py on {self.url}: stdout\n{self.output()}--- stderr\n{self.log()}'

    def cpu_seconds(self) -> float:
        """User plus system CPU time of the server process so far."""
        return processes.cpu_seconds(self.pid)

    def rss_mb(self) -> float:
        """Resident memory of the server process now."""
        return processes.rss_mb(self.pid)

    def __enter__(self) -> AppProcess:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _spawn(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(('CHAT_', 'PYTEST_'))} | dict(self.env)
        env['PYTHONPATH'] = os.pathsep.join(filter(None, [str(ROOT), env.get('PYTHONPATH')]))  # a script in tests/
        command = [sys.executable, self.script, '--host', '127.0.0.1', '--port', str(self.port),
                   '--data-dir', str(self.data_dir), *self.args]  # fmt: skip
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, start_new_session=True, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding='utf-8', errors='replace',
        )  # fmt: skip
        assert self.process.stdout is not None and self.process.stderr is not None
        self._stdout, self._stderr = StreamLines(self.process.stdout), StreamLines(self.process.stderr)

    def _serves(self, timeout: float, store_open: bool) -> bool:
        """Wait until the app serves: True; or until it exits because its port was taken: False.

        It says it is ready only once it listens on its port (a taken port makes it exit
        instead), and then `/healthz` says whether its store is open.
        """
        process = self._running()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self.stop()
                if ADDRESS_IN_USE in self.log():
                    return False
                raise AppStartError(f'app.py exited with {process.returncode}:\n{self.transcript()}')
            if READY in self.output() and self._healthy(store_open):
                return True
            time.sleep(0.05)
        raise AppStartError(f'app.py did not serve /healthz within {timeout} s:\n{self.transcript()}')

    def _healthy(self, store_open: bool) -> bool:
        try:
            return self.health()['status'] == 'ok' or not store_open
        except (httpx.HTTPError, ValueError):
            return False

    def _running(self) -> subprocess.Popen[str]:
        if self.process is None:
            raise RuntimeError('app.py was not started')
        return self.process


def temporary_data_dir() -> Path:
    """A new, empty data directory outside the repository, for an app that the caller removes afterwards."""
    return Path(tempfile.mkdtemp(prefix='chat-data-'))


def run_app(*args: str, timeout: float = 60, prefix: Sequence[str] = ()) -> subprocess.CompletedProcess[str]:
    """Run app.py to its end with the test's `CHAT_*` settings; running into `timeout` means it served.

    `PYTEST_*` variables are left out, as NiceGUI would otherwise take the app for its own screen test.
    `prefix` runs app.py through another command, e.g. one that takes a privilege away.
    """
    env = {name: value for name, value in os.environ.items() if not name.startswith('PYTEST_')}
    command = [*prefix, sys.executable, 'app.py', *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
