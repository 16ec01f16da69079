"""Ends connections that stopped moving, which the server would otherwise keep, and feed, for ever.

A tab that stops reading its socket (a frozen laptop, a hostile script) fills its TCP buffers,
then uvicorn stops writing to it and Engine.IO queues every further update for it, without
limit. Neither side ever times out: uvicorn's keepalive ping gives up after 40 s, but then
waits for the unread data to drain before it closes, and Engine.IO's queue stays alive with
the connection. A peer that has taken nothing off the server's hands for `STALL_SECONDS` is
therefore cut off (TCP reset), which ends its socket, and NiceGUI deletes its page as for any
closed tab.

The other way round, uvicorn waits without limit for a new connection's first request: one that
sends nothing, or half a request, holds a file descriptor for as long as it likes, and a thousand
of them take a server with the common limit of open files offline. A connection that has not
completed a request within `REQUEST_SECONDS` is cut off too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from nicegui.server import Server
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

STALL_SECONDS = 10.0
REQUEST_SECONDS = 10.0
CHECK_EVERY = 1.0


class StalledConnections:
    """Called every `CHECK_EVERY` seconds; aborts connections whose write buffer stayed non-empty too long, and
    HTTP connections that sent no whole request for as long."""

    def __init__(self, stall_seconds: float = STALL_SECONDS, request_seconds: float = REQUEST_SECONDS) -> None:
        self.stall_seconds = stall_seconds
        self.request_seconds = request_seconds
        self._stalled_since: dict[asyncio.WriteTransport, float] = {}
        self._silent_since: dict[asyncio.WriteTransport, float] = {}

    def check(self) -> None:
        now = asyncio.get_running_loop().time()
        connections = list(_connections())
        stalled = [transport for _, transport in connections if transport.get_write_buffer_size()]
        silent = [transport for connection, transport in connections if _awaits_first_request(connection)]
        self._stalled_since = _abort_after(self._stalled_since, stalled, now, self.stall_seconds)
        self._silent_since = _abort_after(self._silent_since, silent, now, self.request_seconds)


def _abort_after(
    since: dict[asyncio.WriteTransport, float], now_seen: list[asyncio.WriteTransport], now: float, seconds: float
) -> dict[asyncio.WriteTransport, float]:
    """Abort the transports seen in a state for `seconds` in a row; returns when each still seen was first seen."""
    since = {transport: since.get(transport, now) for transport in now_seen}
    for transport, first in since.items():
        if now - first >= seconds:
            transport.abort()
    return since


def _awaits_first_request(connection: object) -> bool:
    """An HTTP connection (not yet upgraded to a WebSocket) whose first request has not arrived whole."""
    return isinstance(connection, H11Protocol | HttpToolsProtocol) and connection.cycle is None


def _connections() -> Iterator[tuple[object, asyncio.WriteTransport]]:
    """uvicorn's open connections with their transports (none before the server runs); uvloop's transports are
    asyncio transports in all but their class."""
    state = getattr(getattr(Server, 'instance', None), 'server_state', None)
    for connection in list(state.connections) if state is not None else ():
        if (transport := getattr(connection, 'transport', None)) is not None:
            yield connection, transport
