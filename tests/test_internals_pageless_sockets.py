"""Sockets with no page behind them, against a real `app.py`: they answer every ping, and are closed all the same,
while a tab's socket stays."""

from __future__ import annotations

import asyncio

from chat.internals.pageless_sockets import PAGELESS_SECONDS
from chat.internals.stalled_connections import CHECK_EVERY
from tests.support.app_process import AppProcess
from tests.support.protocol import Network
from tests.support.raw_socket import RawSocket
from tests.support.tabs import open_tabs
from tests.support.waiting import seconds_until_closed

ENGINE_IO_CLOSE = '1'
MARGIN = 2 * CHECK_EVERY + 3  # the check's period, and a loaded machine


async def closed_within(raw: RawSocket, seconds: float) -> float | None:
    """Answer pings until the server closes the socket; returns after how many seconds, None if it stayed open."""

    async def still_open() -> bool:
        return await raw.receive(timeout=seconds) != ENGINE_IO_CLOSE

    return await seconds_until_closed(still_open, raw.close, seconds)


async def socket_io_without_handshake(url: str) -> RawSocket:
    raw = await RawSocket.connect(url, {'EIO': 4})
    await raw.receive()  # Engine.IO's OPEN
    await raw.send('40')
    assert (await raw.receive()).startswith('40')
    return raw


async def test_sockets_that_never_become_a_pages_are_closed(chat_server: AppProcess, network: Network) -> None:
    url = chat_server.url
    async with open_tabs(network, url + '/room/pageless', count=1) as (tab,):
        engine_io_only = await RawSocket.connect(url, {'EIO': 4})
        socket_io_only = await socket_io_without_handshake(url)
        closed = await asyncio.gather(
            closed_within(engine_io_only, PAGELESS_SECONDS + MARGIN),
            closed_within(socket_io_only, PAGELESS_SECONDS + MARGIN),
        )
        assert all(seconds is not None and seconds >= PAGELESS_SECONDS - CHECK_EVERY for seconds in closed), closed
        assert tab.connected, "a page's socket stays"
        await tab.post('still here')
        await tab.wait_for(lambda: any(bubble.text == 'still here' for bubble in tab.bubbles.values()), 10)
