"""Checks in front of NiceGUI's Socket.IO handlers, which trust whatever a socket sends.

NiceGUI runs an 'event' for whichever client the message names, from any socket, and lets a
malformed message raise inside its handlers, which logs a traceback per message. A browser's
nicegui.js only ever sends messages of a fixed shape, naming the client whose page opened the
socket; anything else is dropped here before NiceGUI sees it, and logged at debug level only.
A page's JavaScript errors still reach the server log, within their address's log budget
(`browser_logs`).
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any

from nicegui import core
from nicegui import json as nicegui_json

from chat.internals import browser_logs
from chat.logs import log_event

log = logging.getLogger(__name__)

Handler = Callable[..., Any]
Shape = dict[str, type | tuple[type, ...]]

# what nicegui.js sends, by event; each names the client whose page opened the socket
OWNED: dict[str, Shape] = {
    'event': {'client_id': str, 'id': int, 'listener_id': str, 'args': list},
    'javascript_response': {'client_id': str, 'request_id': str},
    'ack': {'client_id': str, 'next_message_id': int},
    'log': {'client_id': str, 'level': str, 'message': str},
}
HANDSHAKE: Shape = {'client_id': str, 'tab_id': str, 'document_id': str}
LOG_LEVELS = {'debug', 'info', 'warning', 'error'}


def install() -> None:
    """Wrap NiceGUI's handlers (registered when `nicegui` is imported) before serving.

    Calling it again (each simulated app in a test run does) replaces the guards instead of nesting them.
    """
    handlers = {name: getattr(handler, '__wrapped__', handler) for name, handler in core.sio.handlers['/'].items()}
    handlers['log'] = browser_logs.log_report
    for name, shape in OWNED.items():
        core.sio.on(name, _guard(name, handlers[name], shape, owned=True))
    core.sio.on('handshake', _guard('handshake', handlers['handshake'], HANDSHAKE, owned=False))


def _guard(name: str, handler: Handler, shape: Shape, *, owned: bool) -> Handler:
    async def guarded(sid: str, data: Any = None) -> Any:
        if not _well_formed(name, data, shape) or (owned and data['client_id'] not in core.sio.rooms(sid)):
            log_event(log, logging.DEBUG, 'socket_message_dropped', kind=name, sid=sid)
            return False
        try:
            result = handler(sid, data)
            return await result if inspect.isawaitable(result) else result
        except KeyError:  # a listener the element does not have: no page sends that
            log_event(log, logging.DEBUG, 'socket_message_dropped', kind=name, sid=sid)
            return False

    return functools.update_wrapper(guarded, handler)  # sets __wrapped__, which a later install unwraps


def _well_formed(name: str, data: Any, shape: Shape) -> bool:
    if not isinstance(data, dict) or not all(isinstance(data.get(key), kind) for key, kind in shape.items()):
        return False
    if name == 'event':
        return all(arg is None or (isinstance(arg, str) and _is_json(arg)) for arg in data['args'])
    return name != 'log' or data['level'] in LOG_LEVELS


def _is_json(text: str) -> bool:
    try:
        nicegui_json.loads(text)
    except ValueError:
        return False
    return True
