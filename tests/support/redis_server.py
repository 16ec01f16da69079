"""A private `redis-server` for tests and the load generator, so nothing depends on a Redis the machine runs."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from tests.support.processes import free_port


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
