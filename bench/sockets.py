"""The comparison servers' tabs: a chat page's plain WebSocket, `{"message": text}` JSON frames both ways.

They stand where our app's tabs (`tests.support.protocol.ProtocolClient`) stand in the load, so the
bench drives every server with the same receivers, senders and latency stamps.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable
from urllib.parse import urlsplit

import aiohttp
import orjson

from tests.support.protocol import Bubble, Network
from tests.support.tabs import OPEN_AT_ONCE, OnBubble


class SocketTab:
    """A comparison server's chat page as its script would be: one WebSocket, a message per text frame.

    Each message received is shown as a `Bubble`, its own when this tab posted that text, as our
    app's tab shows its own messages. Like the Channels tutorial's page it does not reconnect: a
    socket the server dropped counts in `disconnects` and stays down.
    """

    def __init__(self, network: Network, url: str, on_bubble: Callable[[Bubble], None] | None = None) -> None:
        self.network = network
        self.url = url
        self.on_bubble = on_bubble
        self.disconnects = 0
        self.loads = 0  # sockets opened: a page load, in our app's tab
        self._posted: set[str] = set()
        self._received = 0
        self._arrived = asyncio.Condition()
        self._closing = False
        self._session: aiohttp.ClientSession | None = None
        self._socket: aiohttp.ClientWebSocketResponse | None = None
        self._reading: asyncio.Task[None] | None = None

    async def open(self, timeout: float = 60) -> None:
        """Connect with the page's origin (the Channels chat checks it against its allowed hosts)."""
        self._session = aiohttp.ClientSession(
            connector=self.network.connector, connector_owner=False, cookie_jar=aiohttp.DummyCookieJar()
        )
        async with asyncio.timeout(timeout):
            self._socket = await self._session.ws_connect(self.url, origin=f'http://{urlsplit(self.url).netloc}')
        self.loads += 1
        self._reading = asyncio.get_running_loop().create_task(self._read(self._socket))

    async def close(self) -> None:
        self._closing = True
        if self._socket is not None:
            await self._socket.close()
        if self._reading is not None:
            await self._reading
        if self._session is not None:
            await self._session.close()

    async def post(self, text: str) -> None:
        """Send `text`; on a socket that is down it is lost, as a browser's `WebSocket.send` drops it."""
        self._posted.add(text)
        if self._socket is not None and not self._socket.closed:
            with contextlib.suppress(ConnectionError):  # the socket went down meanwhile
                await self._socket.send_str(orjson.dumps({'message': text}).decode())

    def composer_text(self) -> str:
        """Always '': a socket has no input to wait for, so a sender types its next message at once."""
        return ''

    async def wait_for(self, condition: Callable[[], object], timeout: float) -> None:
        """Wait until `condition()` holds after some message arrived; `TimeoutError` after `timeout` seconds."""
        async with asyncio.timeout(timeout), self._arrived:
            await self._arrived.wait_for(condition)

    async def _read(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        async for frame in socket:
            if frame.type is aiohttp.WSMsgType.TEXT:
                self._show(orjson.loads(frame.data)['message'])
                async with self._arrived:
                    self._arrived.notify_all()
        if not self._closing:
            self.disconnects += 1
        async with self._arrived:
            self._arrived.notify_all()

    def _show(self, text: str) -> None:
        own = text in self._posted
        self._posted.discard(text)
        self._received += 1
        if self.on_bubble is not None:
            self.on_bubble(Bubble(str(self._received), text, own, self.loads))


async def open_sockets(network: Network, url: str, count: int, on_bubble: OnBubble, first: int) -> list[SocketTab]:
    """`count` socket tabs of `url`, numbered from `first` for `on_bubble`, opened a few at a time as `open_tabs` does.

    If one fails to open, the others are closed before the errors are raised (as an `ExceptionGroup`).
    """
    tabs = [SocketTab(network, url, functools.partial(on_bubble, number)) for number in range(first, first + count)]
    gate = asyncio.Semaphore(OPEN_AT_ONCE)

    async def open_one(tab: SocketTab) -> None:
        async with gate:
            await tab.open()

    try:
        async with asyncio.TaskGroup() as opening:  # one failure cancels the rest
            for tab in tabs:
                opening.create_task(open_one(tab))
    except BaseException:
        await asyncio.gather(*(tab.close() for tab in tabs), return_exceptions=True)
        raise
    return tabs
