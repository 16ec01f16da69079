"""One emit for every tab of a chat room, over NiceGUI's own Socket.IO server.

NiceGUI sends a client's updates through that client's outbox, so anything shown in N tabs
is built, encoded and queued N times. A Socket.IO room encodes an emit once for all its
sockets. NiceGUI's handshake puts each socket in a room named by its client id; `join` adds
the client's sockets to one more room per chat room, and `emit` sends to it.

Such emits bypass the outbox: they carry no message id and are not replayed after a
reconnect, and python-socketio drops a socket from its rooms when it disconnects. So a tab
joins again on every (re)connect, and asks for what it missed (see `chat.ui.message_list`).
"""

from __future__ import annotations

import contextlib
from typing import Any

from engineio import exceptions as engineio_exceptions
from engineio import packet as engineio_packet
from nicegui import core
from socketio import packet as socketio_packet

NAMESPACE = '/'
PREFIX = 'chat-room:'


def channel(room: str) -> str:
    """The Socket.IO room of a chat room; client ids are UUIDs, so the prefix keeps the names apart."""
    return PREFIX + room


async def join(client_id: str, room: str) -> int:
    """Put every socket the client has now into the chat room's Socket.IO room; returns how many it has."""
    sockets = [sid for sid, _ in core.sio.manager.get_participants(NAMESPACE, client_id)]
    for sid in sockets:
        await core.sio.enter_room(sid, channel(room), namespace=NAMESPACE)
    return len(sockets)


def members(room: str) -> int:
    """How many sockets the chat room's Socket.IO room holds in this process."""
    return sum(1 for _ in core.sio.manager.get_participants(NAMESPACE, channel(room)))


async def emit(room: str, event: str, data: Any) -> None:
    """Encode `data` once and queue it for every socket in the chat room's Socket.IO room.

    python-socketio's own room emit encodes once too, but starts a task per socket only to put
    the packet in that socket's queue, which never waits; here each queue gets it in turn.
    """
    encoded = core.sio.packet_class(socketio_packet.EVENT, namespace=NAMESPACE, data=[event, data]).encode()
    packets = [engineio_packet.Packet(engineio_packet.MESSAGE, part) for part in _parts(encoded)]
    for _, eio_sid in list(core.sio.manager.get_participants(NAMESPACE, channel(room))):
        for packet in packets:
            with contextlib.suppress(engineio_exceptions.SocketIsClosedError):  # it is leaving the room anyway
                await core.sio.eio.send_packet(eio_sid, packet)


def _parts(encoded: Any) -> list[Any]:
    """A packet with binary data encodes to several; chat data is JSON, so always one."""
    return encoded if isinstance(encoded, list) else [encoded]
