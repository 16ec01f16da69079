"""Connection attacks from one loopback address, for tests and the bench: many connections held at once, each
reopened when the server ends it.

Each kind takes the server's URL, the source address and a callback it calls once its connection is open,
and returns when the server has ended that connection; a refusal before it opened is a `ConnectionError`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from tests.support.raw_socket import RawSocket

Opened = Callable[[], None]
Hold = Callable[[str, str, Opened], Awaitable[None]]
HEADER_LINE = b'X-Filler: ' + b'a' * 8000 + b'\r\n'
RETRY = 1.0  # seconds a worker waits after its connection ended before opening another


async def endless_headers(url: str, source: str, opened: Opened) -> None:
    """A request whose headers never end, sent as fast as the server takes them."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port, local_addr=(source, 0))
    opened()
    try:
        with contextlib.suppress(ConnectionError):
            writer.write(b'GET / HTTP/1.1\r\nHost: chat\r\n')
            while not reader.at_eof():
                writer.write(HEADER_LINE)
                await writer.drain()
    finally:
        writer.close()


async def idle_http(url: str, source: str, opened: Opened) -> None:
    """A connection that sends nothing, held until the server ends it."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port, local_addr=(source, 0))
    opened()
    try:
        with contextlib.suppress(ConnectionError):
            await reader.read()
    finally:
        writer.close()


async def pageless_engine_io(url: str, source: str, opened: Opened) -> None:
    """An Engine.IO WebSocket with no page behind it that answers every ping, held until the server ends it."""
    raw = await RawSocket.connect(url, {'EIO': 4}, source=source)
    opened()
    try:
        with contextlib.suppress(ConnectionError):
            while True:
                with contextlib.suppress(TimeoutError):
                    await raw.receive(timeout=60)
    finally:
        await raw.close()


@dataclass
class Attack:
    """`workers` connections of one kind from one address, each reopened `RETRY` s after the server ends it."""

    workers: int
    open_now: int = 0
    tried: int = 0

    async def run(self, hold: Hold, url: str, source: str) -> None:
        await asyncio.gather(*(self._worker(hold, url, source) for _ in range(self.workers)))

    async def _worker(self, hold: Hold, url: str, source: str) -> None:
        while True:
            counted = False

            def opened() -> None:
                nonlocal counted
                counted = True
                self.open_now += 1

            with contextlib.suppress(ConnectionError):
                await hold(url, source, opened)
            self.tried += 1
            if counted:
                self.open_now -= 1
            await asyncio.sleep(RETRY)


@contextlib.asynccontextmanager
async def attacking(hold: Hold, url: str, source: str, workers: int) -> AsyncIterator[Attack]:
    """Run the attack while the block runs; every connection is closed when it ends."""
    attack = Attack(workers)
    task = asyncio.create_task(attack.run(hold, url, source))
    try:
        yield attack
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
