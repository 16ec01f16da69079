"""A network cable a test can unplug: a TCP relay between tabs and the app."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass


@dataclass(eq=False)
class Link:
    """One TCP connection through the cable: the tab's end and the server's end."""

    tab: asyncio.StreamWriter
    server: asyncio.StreamWriter
    cut: bool = False  # the server's end is left open, but nothing more gets through

    def abort(self) -> None:
        self.tab.transport.abort()
        self.server.transport.abort()


class Cable:
    """A TCP relay between tabs and the server that a test can unplug, as a dropped network does.

    While unplugged it refuses new connections, and each open one breaks at the tab's end, so
    the tab's socket retries as socket.io-client does. At the server's end it is reset too, so
    the server starts NiceGUI's reconnect timeout at once, or, `silently`, stays open and swallows
    what the server still sends: that is lost on the wire, and only NiceGUI's replay can bring it back.

    It can also `hold` new connections whose first request names a path, as a slow network holds
    a page's WebSocket after its HTML and scripts arrived, until `release`; and `delay` what the
    server sends by that many seconds, as a slow link (or a busy browser) does, keeping its order.
    """

    def __init__(self, target: str, *, delay: float = 0.0) -> None:
        self.target_port = int(target.rsplit(':', 1)[1])
        self.delay = delay
        self.plugged = True
        self.url = ''
        self._server: asyncio.Server | None = None
        self._links: set[Link] = set()
        self._held_path = b''
        self._released = asyncio.Event()
        self._held: set[asyncio.StreamWriter] = set()

    async def __aenter__(self) -> Cable:
        self._server = await asyncio.start_server(self._accept, '127.0.0.1', 0)
        self.url = f'http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}'
        return self

    async def __aexit__(self, *_: object) -> None:
        for link in self._links:
            link.abort()
        for writer in self._held:
            writer.transport.abort()
        self._released.set()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def unplug(self, *, silently: bool = False) -> None:
        self.plugged = False
        for link in self._links:
            link.cut = silently
            link.tab.transport.abort()
            if not silently:
                link.server.transport.abort()

    def plug(self) -> None:
        self.plugged = True

    def hold(self, path: str) -> None:
        """Hold each new connection whose first request is for a URL containing `path` until `release`."""
        self._held_path = path.encode()
        self._released.clear()

    def release(self) -> None:
        self._held_path = b''
        self._released.set()

    @property
    def held(self) -> int:
        """How many connections wait for `release` now."""
        return len(self._held)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.plugged:
            writer.transport.abort()
            return
        first = b''
        if self._held_path:
            first = await reader.read(65536)
            if self._held_path in first.split(b'\r\n', 1)[0]:
                self._held.add(writer)
                try:
                    await self._released.wait()
                finally:
                    self._held.discard(writer)
                if writer.transport.is_closing():
                    return
        upstream_reader, upstream_writer = await asyncio.open_connection('127.0.0.1', self.target_port)
        upstream_writer.write(first)
        link = Link(writer, upstream_writer)
        self._links.add(link)
        await asyncio.gather(
            self._pipe(reader, link.server, link), self._pipe(upstream_reader, link.tab, link, self.delay)
        )

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, link: Link, delay: float = 0) -> None:
        try:
            while data := await reader.read(65536):
                await asyncio.sleep(delay)
                if not link.cut:
                    writer.write(data)
                    await writer.drain()
        except OSError:
            pass
        finally:
            if not link.cut:
                link.abort()
