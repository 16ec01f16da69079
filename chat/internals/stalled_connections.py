"""Ends connections whose peer stopped reading, which the server would otherwise keep, and feed, for ever.

A tab that stops reading its socket (a frozen laptop, a hostile script) fills its TCP buffers,
then uvicorn stops writing to it and Engine.IO queues every further update for it, without
limit. Neither side ever times out: uvicorn's keepalive ping gives up after 40 s, but then
waits for the unread data to drain before it closes, and Engine.IO's queue stays alive with
the connection. A peer that has taken nothing off the server's hands for `STALL_SECONDS` is
therefore cut off (TCP reset), which ends its socket, and NiceGUI deletes its page as for any
closed tab.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from nicegui.server import Server

STALL_SECONDS = 10.0
CHECK_EVERY = 1.0


class StalledConnections:
    """Called every `CHECK_EVERY` seconds; aborts connections whose write buffer stayed non-empty too long."""

    def __init__(self, stall_seconds: float = STALL_SECONDS) -> None:
        self.stall_seconds = stall_seconds
        self._since: dict[asyncio.WriteTransport, float] = {}

    def check(self) -> None:
        now = asyncio.get_running_loop().time()
        stalled = (transport for transport in _transports() if transport.get_write_buffer_size())
        self._since = {transport: self._since.get(transport, now) for transport in stalled}
        for transport, since in self._since.items():
            if now - since >= self.stall_seconds:
                transport.abort()


def _transports() -> Iterator[asyncio.WriteTransport]:
    """The transports of uvicorn's open connections (none before the server runs); uvloop's too, which are
    asyncio transports in all but their class."""
    state = getattr(getattr(Server, 'instance', None), 'server_state', None)
    for connection in list(state.connections) if state is not None else ():
        if (transport := getattr(connection, 'transport', None)) is not None:
            yield transport
