"""Child processes as the harness runs them: on free loopback ports, in process groups of their own, read as they
write, stopped with everything they started, and measured from /proc."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
from pathlib import Path
from typing import IO

CLOCK_TICKS = os.sysconf('SC_CLK_TCK')


def free_port() -> int:
    """A loopback port nothing listens on right now.

    The socket that found it is closed before the caller binds the port, so another process may
    take it in between: whoever starts a server on it must be ready to try again on another.
    """
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def process_group_gone(pgid: int) -> bool:
    """Whether no process of group `pgid` is left."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def stop_process_group(process: subprocess.Popen, timeout: float = 10) -> int:
    """SIGTERM the process's group, SIGKILL it if it does not exit in time; returns the process's exit code.

    Whatever else of the group outlived the process (a native window's helper, say) is killed too,
    so no test leaves processes behind.
    """
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout)
    if not process_group_gone(process.pid):
        with contextlib.suppress(ProcessLookupError):  # the last one exited meanwhile
            os.killpg(process.pid, signal.SIGKILL)
    return process.returncode


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process `pid` so far, from /proc."""
    fields = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mb(pid: int) -> float:
    """Resident memory of process `pid` now, from /proc."""
    for line in Path(f'/proc/{pid}/status').read_text().splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
    raise RuntimeError('no VmRSS in /proc status')


class StreamLines:
    """The lines a child process writes to one pipe, read by a thread of their own as they come.

    Reading all the time keeps the pipe from filling up: a child that writes more than the pipe
    holds would otherwise block in the middle of a write, and stop serving.
    """

    def __init__(self, stream: IO[str]) -> None:
        self._lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    @property
    def lines(self) -> list[str]:
        """The complete lines so far, without their line ends."""
        return list(self._lines)

    def text(self) -> str:
        return ''.join(f'{line}\n' for line in self._lines)

    def wait_closed(self, timeout: float = 5) -> None:
        """Wait until the child (and whatever inherited the pipe) has closed it, so every line is here."""
        self._thread.join(timeout)

    def _read(self, stream: IO[str]) -> None:
        with stream:
            for line in stream:
                self._lines.append(line.rstrip('\n'))
