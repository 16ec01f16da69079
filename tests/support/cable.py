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
    """

    def __init__(self, target: str) -> None:
        self.target_port = int(target.rsplit(':', 1)[1])
        self.plugged = True
        self.url = ''
        self._server: asyncio.Server | None = None
        self._links: set[Link] = set()

    async def __aenter__(self) -> Cable:
        self._server = await asyncio.start_server(self._accept, '127.0.0.1', 0)
        self.url = f'http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}'
        return self

    async def __aexit__(self, *_: object) -> None:
        for link in self._links:
            link.abort()
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

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.plugged:
            writer.transport.abort()
            return
        upstream_reader, upstream_writer = await asyncio.open_connection('127.0.0.1', self.target_port)
        link = Link(writer, upstream_writer)
        self._links.add(link)
        await asyncio.gather(self._pipe(reader, link.server, link), self._pipe(upstream_reader, link.tab, link))

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, link: Link) -> None:
        try:
            while data := await reader.read(65536):
                if not link.cut:
                    writer.write(data)
                    await writer.drain()
        except OSError:
            pass
        finally:
            if not link.cut:
                link.abort()
