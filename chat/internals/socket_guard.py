"""Checks in front of NiceGUI's Socket.IO handlers, which trust whatever a socket sends.

NiceGUI runs an 'event' for whichever client the message names, from any socket, and lets a
malformed message raise inside its handlers, which logs a traceback per message. A browser's
nicegui.js only ever sends messages of a fixed shape, naming the client whose page opened the
socket; anything else is dropped here before NiceGUI sees it, and logged at debug level only.
A page's JavaScript errors still reach the server log, within their address's log budget
(`browser_logs`).

A page's socket usually handshakes on connect, from its query (`implicit_handshake=true`), without a
'handshake' message; its query is held to the same shape. Unchecked, a missing or malformed field
raised half-way through NiceGUI's handshake, which left the socket unanswered and its page undeleted.
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
import urllib.parse
from collections.abc import Callable
from typing import Any

import socketio
from nicegui import Client, core
from nicegui import json as nicegui_json

from chat.internals import browser_logs
from chat.internals.connection_caps import from_trusted_proxy
from chat.logs import log_event
from chat.sign_in import SIGNED_IN, NotSignedIn, SignIn

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
MAX_ID_LENGTH = 64  # nicegui.js's ids are UUIDs of 36 characters; a tab id becomes a key of the tab storage
MESSAGE_ID = re.compile(r'\d{1,18}')  # what an outbox counts to, as the implicit handshake's query carries it
IMPLICIT_HANDSHAKE_FAILED = 'Implicit handshake failed'  # nicegui.js reloads the page on this refusal
LOG_LEVELS = {'debug', 'info', 'warning', 'error'}


def install(sign_in: SignIn | None = None) -> None:
    """Wrap NiceGUI's handlers (registered when `nicegui` is imported) before serving; with `sign_in`, a socket
    handshakes for a page only as the page's request did: from the trusted proxy, naming the same person.

    Calling it again (each simulated app in a test run does) replaces the guards instead of nesting them.
    """
    handlers = {name: getattr(handler, '__wrapped__', handler) for name, handler in core.sio.handlers['/'].items()}
    handlers['log'] = browser_logs.log_report
    for name, shape in OWNED.items():
        core.sio.on(name, _guard(name, handlers[name], shape, owned=True))
    core.sio.on('handshake', _guard('handshake', handlers['handshake'], HANDSHAKE, owned=False, sign_in=sign_in))
    core.sio.on('connect', _guard_connect(handlers['connect'], sign_in))


def _guard_connect(handler: Handler, sign_in: SignIn | None) -> Handler:
    """Refuse a socket whose query asks for the implicit handshake but is not shaped as a page's query, or, signed
    in, does not come from the trusted proxy or names another person than the page's."""

    async def guarded(sid: str, environ: dict[str, Any], auth: Any = None) -> Any:
        query = {key: values[0] for key, values in urllib.parse.parse_qs(environ.get('QUERY_STRING', '')).items()}
        implicit = query.get('implicit_handshake') == 'true'
        if implicit and not _handshake_fits(query):
            log_event(log, logging.DEBUG, 'socket_message_dropped', kind='implicit_handshake', sid=sid)
            raise socketio.exceptions.ConnectionRefusedError(IMPLICIT_HANDSHAKE_FAILED)
        if sign_in is not None and not _signed_in_as_page(
            sign_in, environ, query.get('client_id') if implicit else None
        ):
            log_event(log, logging.INFO, 'socket_refused', reason='not_signed_in_as_page', sid=sid)
            raise socketio.exceptions.ConnectionRefusedError(IMPLICIT_HANDSHAKE_FAILED)
        return await handler(sid, environ, auth)

    return functools.update_wrapper(guarded, handler)


def _guard(name: str, handler: Handler, shape: Shape, *, owned: bool, sign_in: SignIn | None = None) -> Handler:
    async def guarded(sid: str, data: Any = None) -> Any:
        if (
            not _well_formed(name, data, shape)
            or (owned and data['client_id'] not in core.sio.rooms(sid))
            or (sign_in is not None and not _signed_in_as_page(sign_in, core.sio.get_environ(sid), data['client_id']))
        ):
            log_event(log, logging.DEBUG, 'socket_message_dropped', kind=name, sid=sid)
            return False
        try:
            result = handler(sid, data)
            return await result if inspect.isawaitable(result) else result
        except KeyError:  # a listener the element does not have: no page sends that
            log_event(log, logging.DEBUG, 'socket_message_dropped', kind=name, sid=sid)
            return False

    return functools.update_wrapper(guarded, handler)  # sets __wrapped__, which a later install unwraps


def _signed_in_as_page(sign_in: SignIn, environ: dict[str, Any] | None, client_id: str | None) -> bool:
    """Whether the socket came straight from the trusted proxy, naming a person, and (for a handshake naming a page
    by `client_id`) the person that page's request was let through for. The page's id is in its HTML, and its
    socket would act as whoever the page was built for."""
    scope = (environ or {}).get('asgi.scope', {})
    if not from_trusted_proxy(scope):
        return False
    try:
        person = sign_in.identify(scope.get('headers', []))
    except NotSignedIn:
        return False
    if client_id is None:
        return True
    client = Client.instances.get(client_id)
    return client is not None and client.request.scope.get(SIGNED_IN) == person


def _well_formed(name: str, data: Any, shape: Shape) -> bool:
    if not isinstance(data, dict) or not all(isinstance(data.get(key), kind) for key, kind in shape.items()):
        return False
    if name == 'event':
        return all(arg is None or (isinstance(arg, str) and _is_json(arg)) for arg in data['args'])
    if name == 'handshake':
        return _handshake_fits(data)
    return name != 'log' or data['level'] in LOG_LEVELS


def _handshake_fits(data: dict[str, Any]) -> bool:
    """The fields of a handshake, sent as a message or as the socket's query, as a page's script makes them."""
    old_tab_id, next_message_id = data.get('old_tab_id'), data.get('next_message_id')
    return (
        all(_is_id(data.get(key)) for key in HANDSHAKE)
        and (old_tab_id is None or _is_id(old_tab_id))
        and (next_message_id is None or _is_message_id(next_message_id))
    )


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH


def _is_message_id(value: Any) -> bool:
    if isinstance(value, str):
        return MESSAGE_ID.fullmatch(value) is not None
    return type(value) is int and 0 <= value < 10**18


def _is_json(text: str) -> bool:
    try:
        nicegui_json.loads(text)
    except ValueError:
        return False
    return True
