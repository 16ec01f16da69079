"""Every framework internal that `chat/internals` relies on, pinned: a NiceGUI, python-socketio or uvicorn
upgrade that moves one fails here, by name, instead of somewhere in the chat."""

from __future__ import annotations

import inspect
import logging
import re
from pathlib import Path

import nicegui
import pytest
from nicegui import core, helpers
from nicegui.client import Client
from nicegui.element import Element
from nicegui.element_filter import ElementFilter
from nicegui.server import Server
from nicegui.storage import Storage
from socketio.async_manager import AsyncManager
from uvicorn.config import Config
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware, _TrustedHosts
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.wsproto_impl import WSProtocol
from uvicorn.server import Server as UvicornServer
from uvicorn.server import ServerState

from chat.internals import room_broadcast, sessions, socket_guard, socket_logs

NICEGUI_JS = (Path(nicegui.__file__).parent / 'static' / 'nicegui.js').read_text(encoding='utf-8')


def emitted_keys(event: str) -> set[str]:
    """The keys of the object literal nicegui.js emits as `event` (`{ a, b: x }` gives a and b)."""
    literal = re.search(rf'emit\("{event}",\s*\{{(.*?)\}}\s*\)', NICEGUI_JS, re.DOTALL)
    assert literal is not None, f'nicegui.js no longer emits "{event}" as an object literal'
    return {re.split(r'\s*:', item.strip())[0] for item in literal.group(1).split(',') if item.strip()}


def original(name: str) -> object:
    handler = core.sio.handlers['/'][name]
    return getattr(handler, '__wrapped__', handler)


def test_nicegui_registers_the_socket_handlers_the_guard_wraps() -> None:
    assert set(socket_guard.OWNED) | {'handshake'} <= set(core.sio.handlers['/'])


@pytest.mark.parametrize('event', sorted(socket_guard.OWNED))
def test_nicegui_js_sends_each_guarded_message_in_the_shape_the_guard_admits(event: str) -> None:
    assert set(socket_guard.OWNED[event]) <= emitted_keys(event)


def test_the_handshake_carries_the_ids_the_guard_checks_and_joins_the_client_room() -> None:
    """The guard admits an event only from a socket in the room named by its client id; the handshake makes that
    room."""
    for key in socket_guard.HANDSHAKE:
        assert f'options.query.{key}' in NICEGUI_JS
    assert 'enter_room(sid, client.id)' in inspect.getsource(original('handshake'))  # type: ignore[arg-type]


def test_nicegui_handshakes_on_connect_from_the_query_the_guard_checks() -> None:
    """The guard reads the query as NiceGUI's connect handler does and refuses with the message on which nicegui.js
    reloads the page; what the page's script sends there is what the guard admits."""
    connect = inspect.getsource(original('connect'))  # type: ignore[arg-type]
    assert "parse_qs(data.get('QUERY_STRING', ''))" in connect
    assert "query.get('implicit_handshake', '') == 'true'" in connect
    assert f"ConnectionRefusedError('{socket_guard.IMPLICIT_HANDSHAKE_FAILED}')" in connect
    assert f'err.message == "{socket_guard.IMPLICIT_HANDSHAKE_FAILED}"' in NICEGUI_JS
    assert "'implicit_handshake': not _is_prefetch(request)" in inspect.getsource(Client.build_response)
    for key in ('old_tab_id', 'next_message_id'):
        assert f'options.query.{key}' in NICEGUI_JS
    handshake = inspect.getsource(original('handshake'))  # type: ignore[arg-type]
    assert "data.get('old_tab_id')" in handshake and "data.get('next_message_id')" in handshake


def test_browser_log_levels_are_the_ones_nicegui_js_uses() -> None:
    used = set(re.findall(r'console\.(\w+)', NICEGUI_JS)) & {'debug', 'info', 'warn', 'warning', 'error', 'log'}
    assert {'warning' if level == 'warn' else level for level in used} - {'log'} <= socket_guard.LOG_LEVELS


def test_uvicorn_keeps_its_open_connections_with_their_transports() -> None:
    """`stalled_connections` walks `Server.instance.server_state.connections` and aborts their transports."""
    assert 'connections' in inspect.getsource(ServerState.__init__)
    assert 'instance' in Server.__annotations__ and 'cls.instance' in inspect.getsource(Server.create_singleton)
    for protocol in (H11Protocol, HttpToolsProtocol, WSProtocol):
        assert 'self.transport = transport' in inspect.getsource(protocol.connection_made)


def test_uvicorn_says_when_it_listens() -> None:
    """`serving.listening` waits for `Server.instance.started`, which uvicorn sets once its sockets are bound."""
    source = inspect.getsource(UvicornServer.startup)
    assert source.index('create_server') < source.index('self.started = True')


def test_the_socket_libraries_log_under_the_names_we_quiet() -> None:
    assert core.sio.logger.name in socket_logs.SOCKET_LOGGERS
    assert core.sio.eio.logger.name in socket_logs.SOCKET_LOGGERS


def test_socket_library_errors_become_one_line() -> None:
    socket_logs.quiet_socket_loggers()
    socket_logs.quiet_socket_loggers()
    logger = logging.getLogger(socket_logs.SOCKET_LOGGERS[0])
    assert logger.handlers == [] and len(logger.filters) == 1, 'calling it again adds nothing'


def test_nicegui_keeps_sessions_where_its_storage_class_says() -> None:
    assert {'path', 'redis_url'} <= set(vars(Storage)['__annotations__']) | set(vars(Storage))
    assert 'Storage.path' in inspect.getsource(Storage) or 'self.path' in inspect.getsource(Storage)


def test_the_element_filter_reads_text_through_displayed_contents() -> None:
    assert list(inspect.signature(Element._displayed_contents).parameters) == ['self', 'only_visible']
    assert '_displayed_contents(only_visible=' in inspect.getsource(ElementFilter)


def test_nicegui_says_when_its_user_fixture_runs_the_app() -> None:
    assert 'NICEGUI_USER_SIMULATION' in inspect.getsource(helpers.is_user_simulation)


def test_a_room_emit_is_built_as_python_socketio_builds_one() -> None:
    """`room_broadcast.emit` encodes the packet as python-socketio's room emit does (one Socket.IO EVENT in an
    Engine.IO MESSAGE) and queues it for each member with Engine.IO's public `send_packet`, as that emit's tasks do."""
    source = inspect.getsource(AsyncManager.emit)
    assert 'packet.EVENT, namespace=namespace, data=[event] + data)' in source
    assert 'eio_packet.Packet(eio_packet.MESSAGE, p)' in source
    assert 'self.server._send_eio_packet(eio_sid, p)' in source
    assert 'await self.eio.send_packet(eio_sid, eio_pkt)' in inspect.getsource(type(core.sio)._send_eio_packet)
    assert list(inspect.signature(core.sio.eio.send_packet).parameters) == ['sid', 'pkt']


def test_the_sockets_of_a_client_are_found_by_its_room_and_can_enter_another() -> None:
    """`room_broadcast.join` lists a client's sockets by the room the handshake named after it, and adds them to
    the chat room's; python-socketio drops a socket from all its rooms when it disconnects."""
    assert list(inspect.signature(core.sio.manager.get_participants).parameters) == ['namespace', 'room']
    assert 'yield from participants.items()' in inspect.getsource(core.sio.manager.get_participants)
    assert list(inspect.signature(core.sio.enter_room).parameters)[:3] == ['sid', 'room', 'namespace']
    assert room_broadcast.NAMESPACE == '/' and 'enter_room(sid, client.id)' in inspect.getsource(original('handshake'))  # type: ignore[arg-type]


def test_a_socket_leaves_a_room_at_once_by_the_step_python_socketio_awaits() -> None:
    """`room_broadcast.evict` leaves without awaiting, by the synchronous step `leave_room` wraps."""
    assert list(inspect.signature(AsyncManager.basic_leave_room).parameters) == ['self', 'sid', 'namespace', 'room']
    assert 'return self.basic_leave_room(sid, namespace, room)' in inspect.getsource(AsyncManager.leave_room)


def test_uvicorn_marks_a_connection_whose_request_has_arrived_and_forgets_an_upgraded_one() -> None:
    """`stalled_connections` closes an HTTP connection whose `cycle` is still None (no whole request yet); one
    upgraded to a WebSocket leaves the connection table as an HTTP connection."""
    for protocol in (H11Protocol, HttpToolsProtocol):
        assert 'self.cycle: RequestResponseCycle = None' in inspect.getsource(protocol.__init__)
        assert 'self.connections.discard(self)' in inspect.getsource(protocol.handle_websocket_upgrade)
    assert 'self.cycle = RequestResponseCycle(' in inspect.getsource(H11Protocol.handle_events)


def test_nicegui_keeps_user_storage_in_the_files_and_tables_the_session_cleanup_reads() -> None:
    """`sessions.SessionCleanup` deletes `storage-user-<id>.json` files, except for the ids in `Storage._users` and
    `_active_request_sessions`; a change to either fails here."""
    assert "FilePersistentDict(Storage.path / f'storage-{id}.json'" in inspect.getsource(
        Storage._create_persistent_dict
    )
    assert "f'{USER_PREFIX}{session_id}'" in inspect.getsource(Storage._create_user_storage)
    assert sessions.user_file(Path('/s'), 'x').name == 'storage-user-x.json'
    init = inspect.getsource(Storage.__init__)
    assert 'self._users: dict[str, PersistentDict]' in init and 'self._active_request_sessions: Counter[str]' in init


def test_uvicorn_takes_a_protocol_class_and_tells_trusted_proxies_as_connection_caps_does() -> None:
    """`connection_caps` hands uvicorn its own `H11Protocol` as `http`, reads the peer from `self.client` once
    `connection_made` ran, and asks uvicorn's own `_TrustedHosts` which peers are proxies."""
    assert 'self.http_protocol_class = self.http' in inspect.getsource(Config.load)
    assert 'self.client = get_remote_addr(transport)' in inspect.getsource(H11Protocol.connection_made)
    assert 'client_host in self.trusted_hosts' in inspect.getsource(ProxyHeadersMiddleware.__call__)
    assert '127.0.0.1' in _TrustedHosts('127.0.0.1,::1') and '127.0.0.2' not in _TrustedHosts('127.0.0.1,::1')


def test_nicegui_keeps_each_pages_sockets_and_engine_io_its_own_as_pageless_sockets_reads_them() -> None:
    """`pageless_sockets` closes Engine.IO sockets whose Socket.IO id no live page holds."""
    assert 'self._socket_to_document_id[socket_id] = document_id' in inspect.getsource(Client.handle_handshake)
    assert 'self.sockets = {}' in inspect.getsource(type(core.sio.eio).__mro__[1].__init__)
    assert inspect.iscoroutinefunction(core.sio.eio.disconnect)
    assert list(inspect.signature(AsyncManager.sid_from_eio_sid).parameters) == ['self', 'eio_sid', 'namespace']


def test_a_client_knows_the_tab_id_nicegui_js_keeps_for_reloads_and_renews_for_a_duplicate() -> None:
    """`identity.tab_author_id` binds the author to `client.tab_id`: the handshake's tab id, which nicegui.js keeps
    in sessionStorage across reloads and replaces in a duplicated tab, naming the copied one as `old_tab_id`."""
    assert 'self.tab_id = tab_id' in inspect.getsource(Client.handle_handshake)
    assert 'sessionStorage.__nicegui_tab_closed === "false"' in NICEGUI_JS
    assert '(sessionStorage.__nicegui_tab_id = createRandomUUID())' in NICEGUI_JS
    assert '_copy_collections(self._tabs[old_tab_id])' in inspect.getsource(Storage._create_tab_storage)
