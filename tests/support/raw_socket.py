"""Engine.IO over a WebSocket framed by hand: a client that can send anything and stop reading at will.

No Socket.IO library lets a test send frames a browser never sends, or stop reading while the
server keeps writing; the misbehaving-client tests need both.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Event, Message, Ping, Request, TextMessage

from tests.support.protocol import ACCEPT_HTML, USER_AGENT, parse_page, query_string

SOCKET_PATH = '/_nicegui_ws/socket.io/'


async def page_query(url: str, http: httpx.AsyncClient) -> dict[str, Any]:
    """Load a room page as a browser does and return the query its socket connects with."""
    response = await http.get(url, headers={'Accept': ACCEPT_HTML, 'User-Agent': USER_AGENT})
    response.raise_for_status()
    query = parse_page(response.text).query
    return {**query, 'document_id': str(uuid.uuid4()), 'tab_id': str(uuid.uuid4()), 'old_tab_id': None}


class RawSocket:
    """Engine.IO over a WebSocket, framed by hand (wsproto) on a TCP socket the caller controls.

    It sends any text frame, reads only when asked, and can stop reading altogether, which no
    Socket.IO library allows. `receive_buffer` shrinks the kernel's receive buffer, so a socket
    that stops reading pushes back on the server after a few kilobytes.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ws: WSConnection) -> None:
        self.reader = reader
        self.writer = writer
        self.ws = ws
        self.texts: list[str] = []

    @classmethod
    async def connect(
        cls,
        url: str,
        query: dict,
        cookie: str = '',
        receive_buffer: int = 0,
        *,
        source: str = '',
        forwarded_for: str = '',
    ) -> RawSocket:
        """Open the WebSocket of NiceGUI's Socket.IO endpoint with `query` (e.g. a page's client_id), from the
        loopback address `source` if given, as a proxy forwarding for `forwarded_for` if given."""
        address = urlsplit(url)
        sock = socket.socket()
        if source:
            sock.bind((source, 0))
        if receive_buffer:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (address.hostname, address.port))
        reader, writer = await asyncio.open_connection(sock=sock, limit=max(receive_buffer, 1024))
        ws = WSConnection(ConnectionType.CLIENT)
        target = f'{SOCKET_PATH}?{query_string({"EIO": 4, "transport": "websocket", **query})}'
        headers = [(b'cookie', cookie.encode()), (b'user-agent', USER_AGENT.encode())]
        if forwarded_for:
            headers.append((b'x-forwarded-for', forwarded_for.encode()))
        writer.write(ws.send(Request(host=address.netloc, target=target, extra_headers=headers)))
        raw = cls(reader, writer, ws)
        event = await raw._next_event()
        if not isinstance(event, AcceptConnection):
            raise ConnectionError(f'WebSocket refused: {event}')
        return raw

    @classmethod
    async def open_tab(cls, url: str, receive_buffer: int = 0) -> RawSocket:
        """Load the page at `url` and connect its socket as the page's script would, up to Socket.IO's CONNECT."""
        async with httpx.AsyncClient() as http:
            query = await page_query(url, http)
            cookie = '; '.join(f'{cookie.name}={cookie.value}' for cookie in http.cookies.jar)
        raw = await cls.connect(url, query, cookie, receive_buffer)
        await raw.receive()  # Engine.IO's OPEN
        await raw.send('40')
        if not (await raw.receive()).startswith('40'):
            raise ConnectionError(f'handshake refused: {raw.texts[-1]}')
        return raw

    @property
    def local_port(self) -> int:
        return self.writer.get_extra_info('sockname')[1]

    async def blind_pongs(self) -> None:
        """Answer Engine.IO's pings without reading them, as a client that stopped reading but wants to stay."""
        while not self.writer.is_closing():
            self.writer.write(self.ws.send(Message(data='3')))
            await asyncio.sleep(1)

    async def send(self, text: str) -> None:
        self.writer.write(self.ws.send(Message(data=text)))
        await self.writer.drain()

    async def receive(self, timeout: float = 5) -> str:
        """The next text frame from the server, answering Engine.IO pings on the way as a client must."""
        while True:
            event = await asyncio.wait_for(self._next_event(), timeout)
            if isinstance(event, TextMessage):
                if event.data == '2':
                    await self.send('3')
                    continue
                self.texts.append(event.data)
                return event.data
            if isinstance(event, CloseConnection):
                raise ConnectionResetError(f'server closed the WebSocket: {event.code} {event.reason}')

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()

    async def _next_event(self) -> Event:
        while True:
            for event in self.ws.events():
                if isinstance(event, Ping):
                    self.writer.write(self.ws.send(event.response()))
                    continue
                return event
            data = await self.reader.read(65536)
            if not data:
                raise ConnectionResetError('server closed the connection')
            self.ws.receive_data(data)
