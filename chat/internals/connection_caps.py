"""Caps the connections one network address may hold open, where each takes a file descriptor.

The process has a fixed number of descriptors, and uvicorn accepts every connection and keeps it
while the peer likes: about a thousand from one address (idle HTTP connections, or Engine.IO
sockets that answer pings and nothing else) leave none for anyone else. The HTTP protocol here
counts each peer's open connections as uvicorn accepts them and aborts the one past the limit at
once, before it costs more than the accept.

A trusted proxy (uvicorn's `FORWARDED_ALLOW_IPS`, by default this machine) speaks for many clients,
so its own address is not capped; the WebSockets it forwards, which a proxy holds as long as its
client does, are counted per client address from `X-Forwarded-For`, once uvicorn has read it. Each
request also carries whether its peer is such a proxy (`from_trusted_proxy`), which uvicorn's rewrite
of the client address hides from the app.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import _TrustedHosts
from uvicorn.protocols.http.h11_impl import H11Protocol

from chat.logs import log_event

log = logging.getLogger(__name__)

PEER_TRUSTED = 'chat.peer_trusted'  # the scope key set on each HTTP request's scope
LOG_EVERY = 60.0  # seconds between two log lines about refused connections, whoever sends them
PRUNE_EVERY = 1000  # admissions between two sweeps of the addresses whose connections all closed


class Closable(Protocol):
    def is_closing(self) -> bool: ...


class HeldConnections:
    """The open connections of each address; the one past `limit` is refused (0: no limit)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._held: dict[str, set[Closable]] = {}
        self._admitted = 0
        self._refused = 0
        self._next_log = 0.0

    def admit(self, address: str, connection: Closable) -> bool:
        """Count `connection` as held by `address`, or say False when `address` already holds `limit` open ones."""
        held = {other for other in self._held.get(address, ()) if not other.is_closing()}
        self._held[address] = held
        if self.limit and len(held) >= self.limit:
            self._note_refusal(address)
            return False
        held.add(connection)
        self._admitted += 1
        if self._admitted % PRUNE_EVERY == 0:
            self._prune()
        return True

    def held(self, address: str) -> int:
        return sum(not connection.is_closing() for connection in self._held.get(address, ()))

    def _note_refusal(self, address: str) -> None:
        """One line a minute at most, counting the refusals since the last: an attack must not fill the disk."""
        self._refused += 1
        now = asyncio.get_running_loop().time()
        if now >= self._next_log:
            log_event(log, logging.WARNING, 'connections_refused', ip=address, limit=self.limit, refused=self._refused)
            self._refused = 0
            self._next_log = now + LOG_EVERY

    def _prune(self) -> None:
        for address in [address for address in self._held if not self.held(address)]:
            del self._held[address]


class CappedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, which aborts a connection from an untrusted address past its limit."""

    held = HeldConnections(0)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        address = self.client[0] if self.client else ''
        trusted = _trusted(self.config.proxy_headers, _as_text(self.config.forwarded_allow_ips), address)
        if not trusted and not self.held.admit(address, transport):
            transport.abort()
            return
        self.app = _MarksPeer(self.app, trusted)
        if (websocket_protocol := self.ws_protocol_class) is not None:  # an upgrade keeps the peer's trust

            def marked(**options: Any) -> Any:
                protocol: Any = websocket_protocol(**options)  # each of uvicorn's has `app`; the base class not
                protocol.app = _MarksPeer(protocol.app, trusted)
                return protocol

            self.ws_protocol_class = marked  # type: ignore[assignment]  # called as the class would be


class _MarksPeer:
    """Runs the app (uvicorn's proxy-headers middleware first) with the peer's trust in the scope."""

    def __init__(self, app: Any, trusted: bool) -> None:  # uvicorn's loaded app, typed as ASGI3Application there
        self.app = app
        self.trusted = trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[PEER_TRUSTED] = self.trusted
        await self.app(scope, receive, send)


def from_trusted_proxy(scope: Scope) -> bool:
    """Whether the request or WebSocket came straight from a trusted proxy's address (by default this machine's),
    whatever client address its `X-Forwarded-For` named; False for one not served by `CappedH11Protocol`."""
    return scope.get(PEER_TRUSTED) is True


@dataclass(eq=False)  # each is itself, as a transport is
class _WebSocket:
    closed: bool = False

    def is_closing(self) -> bool:
        return self.closed


class ForwardedWebSocketCaps:
    """ASGI middleware: a WebSocket forwarded by a trusted proxy counts against its client's address.

    A WebSocket without `X-Forwarded-For` came straight from its peer, which the protocol counted.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.held = HeldConnections(limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'websocket' or not any(name == b'x-forwarded-for' for name, _ in scope['headers']):
            await self.app(scope, receive, send)
            return
        websocket = _WebSocket()
        if not self.held.admit(scope['client'][0] if scope.get('client') else '', websocket):
            await send({'type': 'websocket.close', 'code': 1008})  # before accepting: the handshake gets a 403
            return
        try:
            await self.app(scope, receive, send)
        finally:
            websocket.closed = True


def install(limit: int) -> None:
    """Cap every untrusted address at `limit` open connections (0: no cap), counted by `CappedH11Protocol`."""
    CappedH11Protocol.held = HeldConnections(limit)


@functools.cache
def _trusted_hosts(forwarded_allow_ips: str) -> _TrustedHosts:
    return _TrustedHosts(forwarded_allow_ips)


def _trusted(proxy_headers: bool, forwarded_allow_ips: str, address: str) -> bool:
    """Whether uvicorn takes `address` for a proxy whose `X-Forwarded-For` names the client, as its middleware does."""
    return proxy_headers and address in _trusted_hosts(forwarded_allow_ips)


def _as_text(forwarded_allow_ips: list[str] | str) -> str:
    return forwarded_allow_ips if isinstance(forwarded_allow_ips, str) else ','.join(forwarded_allow_ips)
