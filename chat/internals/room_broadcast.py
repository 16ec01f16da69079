"""One emit for every tab of a chat room, over NiceGUI's own Socket.IO server.

NiceGUI sends a client's updates through that client's outbox, so anything shown in N tabs
is built, encoded and queued N times. A Socket.IO room encodes an emit once for all its
sockets. NiceGUI's handshake puts each socket in a room named by its client id; `join` adds
the client's sockets to one more room per chat room, and `emit` sends to it.

Such emits bypass the outbox: they carry no message id and are not replayed after a
reconnect, and python-socketio drops a socket from its rooms when it disconnects. So a tab
joins again on every (re)connect, and asks for what it missed (see `chat.ui.message_list`).

Each chat room has a second Socket.IO room, its watchers (`watch=True`): the tabs that list the
room without showing it, which hear only that it has new messages (see `chat.ui.joined_rooms`).
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
WATCH_PREFIX = 'room-watch:'


def channel(room: str, *, watch: bool = False) -> str:
    """The Socket.IO room of a chat room (or of its watchers); client ids are UUIDs, so the prefix keeps the names
    apart."""
    return (WATCH_PREFIX if watch else PREFIX) + room


async def join(client_id: str, room: str, *, watch: bool = False) -> int:
    """Put every socket the client has now into the chat room's Socket.IO room; returns how many it has."""
    sockets = _sockets(client_id)
    for sid in sockets:
        await core.sio.enter_room(sid, channel(room, watch=watch), namespace=NAMESPACE)
    return len(sockets)


async def leave(client_id: str, room: str, *, watch: bool = False) -> None:
    """Take every socket the client has now out of the chat room's Socket.IO room."""
    for sid in _sockets(client_id):
        await core.sio.leave_room(sid, channel(room, watch=watch), namespace=NAMESPACE)


def evict(client_id: str, room: str, *, watch: bool = False) -> None:
    """Take every socket the client has out of the chat room's Socket.IO room at once, without awaiting: called
    while a notice is delivered, it is done before the stream's next emit. python-socketio's `leave_room` is a
    coroutine around this same step."""
    for sid in _sockets(client_id):
        core.sio.manager.basic_leave_room(sid, NAMESPACE, channel(room, watch=watch))


def members(room: str, *, watch: bool = False) -> int:
    """How many sockets the chat room's Socket.IO room holds in this process."""
    return sum(1 for _ in core.sio.manager.get_participants(NAMESPACE, channel(room, watch=watch)))


async def emit(room: str, event: str, data: Any, *, watch: bool = False) -> None:
    """Encode `data` once and queue it for every socket in the chat room's Socket.IO room.

    python-socketio's own room emit encodes once too, but starts a task per socket only to put
    the packet in that socket's queue, which never waits; here each queue gets it in turn.
    """
    encoded = core.sio.packet_class(socketio_packet.EVENT, namespace=NAMESPACE, data=[event, data]).encode()
    packets = [engineio_packet.Packet(engineio_packet.MESSAGE, part) for part in _parts(encoded)]
    for _, eio_sid in list(core.sio.manager.get_participants(NAMESPACE, channel(room, watch=watch))):
        for packet in packets:
            with contextlib.suppress(engineio_exceptions.SocketIsClosedError):  # it is leaving the room anyway
                await core.sio.eio.send_packet(eio_sid, packet)


def _sockets(client_id: str) -> list[str]:
    """NiceGUI's handshake puts each of a client's sockets in a Socket.IO room named by the client id."""
    return [sid for sid, _ in core.sio.manager.get_participants(NAMESPACE, client_id)]


def _parts(encoded: Any) -> list[Any]:
    """A packet with binary data encodes to several; chat data is JSON, so always one."""
    return encoded if isinstance(encoded, list) else [encoded]
