"""Ends sockets that no page stands behind, which Engine.IO would keep as long as they answer pings.

A page's socket handshakes as it connects (its query carries the handshake), or with its first
message. An Engine.IO socket that never asks for Socket.IO, or a Socket.IO socket that never
handshakes for a live page, serves nobody, yet each holds a file descriptor and a queue for as
long as its client likes. One that has had no page for `PAGELESS_SECONDS` is closed.
"""

from __future__ import annotations

import asyncio

from nicegui import core
from nicegui.client import Client

PAGELESS_SECONDS = 10.0
NAMESPACE = '/'


class PagelessSockets:
    """Called every second or so; closes the Engine.IO sockets that were without a page for `seconds` in a row."""

    def __init__(self, seconds: float = PAGELESS_SECONDS) -> None:
        self.seconds = seconds
        self._since: dict[str, float] = {}

    async def check(self) -> None:
        now = asyncio.get_running_loop().time()
        with_page = _sockets_with_a_page()
        pageless = [eio_sid for eio_sid in list(core.sio.eio.sockets) if _socket_id(eio_sid) not in with_page]
        self._since = {eio_sid: self._since.get(eio_sid, now) for eio_sid in pageless}
        for eio_sid, first in list(self._since.items()):
            if now - first >= self.seconds:
                del self._since[eio_sid]
                await core.sio.eio.disconnect(eio_sid)


def _sockets_with_a_page() -> set[str]:
    """The Socket.IO ids of the sockets that handshook for a page that is still there."""
    return {sid for client in list(Client.instances.values()) for sid in client._socket_to_document_id}


def _socket_id(eio_sid: str) -> str | None:
    """The Socket.IO id of an Engine.IO socket; None until it connects to Socket.IO."""
    sid: str | None = core.sio.manager.sid_from_eio_sid(eio_sid, NAMESPACE)
    return sid
