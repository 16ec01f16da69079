"""A browser tab at the protocol level: NiceGUI's page over HTTP, then its Socket.IO connection.

It does what `static/nicegui.js` and `templates/index.html` of the installed NiceGUI do in a
browser, and nothing a browser could not do: GET the page with the browser's cookies, read the
element tree and the socket query from the HTML, connect to `/_nicegui_ws/socket.io` with the
same query (`client_id`, `next_message_id`, `implicit_handshake`, `document_id`, `tab_id`,
`old_tab_id`), drop messages whose `_id` was seen, apply 'update' messages to a local element
dict, acknowledge message ids every 3 s, and emit the same 'event' messages as the composer's
input when someone types and presses Enter.

The message list is a custom element whose component (`chat/ui/message_list.js`) this client
mirrors: it takes the first page from the element's props, the live messages from the room's
stream event, the replies to its requests from `runMethod` calls, merges them by message id,
and asks to resume after its last message whenever its socket reconnects.

Not done, as a browser with a warm cache would not do them either: fetching the versioned static
assets (scripts, styles, fonts, components named in 'load_js_components'). JavaScript sent by
the server is not run, except the one call that answers back: an input's `updateValue`, which
makes the input re-emit its value (see `nicegui/elements/input.js`).
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import inspect
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp
import httpx
import orjson
import socketio

from chat.ui.composer import ENTER

USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) chat-bench/1.0'
ACCEPT_HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'
ACK_SECONDS = 3.0  # nicegui.js: setInterval(() => ack(), 3000)
RECONNECT_WAIT = 30.0  # how long an event emitted while reconnecting waits for the socket
ELEMENTS = re.compile(r'parseElements\(String\.raw`(.*?)`\)', re.DOTALL)
OPTIONS = re.compile(
    r'prefix: "(?P<prefix>[^"]*)",\s*query: (?P<query>\{.*?\}),\s*'
    r'extraHeaders: (?P<headers>\{.*?\}),\s*transports: (?P<transports>\[.*?\]),',
    re.DOTALL,
)
UPDATE_VALUE = re.compile(r'^return runMethod\((\d+), "updateValue", \[\]\)$')
LIST_METHOD = re.compile(r'^return runMethod\((\d+), "(receive|reset|prepend)", (\[.*\])\)$', re.DOTALL)
MESSAGE_LIST = 'nicegui-message_list'
UNESCAPE = (('&#36;', '$'), ('&#96;', '`'), ('&gt;', '>'), ('&lt;', '<'), ('&amp;', '&'))  # parseElements' order
# A `js_handler` runs in the browser; these are the ones a tab here mirrors, by their source, given what the
# input shows. An app change that adds another one makes posting fail loudly until it is added here.
JS_HANDLERS: dict[str, Callable[[str], list[object]]] = {
    ENTER: lambda typed: [typed],  # the composer's Enter: the text as it was when Enter was pressed
}


class Json:
    """orjson behind the `dumps`/`loads` pair python-socketio expects, to keep many clients cheap."""

    @staticmethod
    def dumps(obj: Any, **_: Any) -> str:
        return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS).decode()

    @staticmethod
    def loads(text: str | bytes, **_: Any) -> Any:
        return orjson.loads(text)


def use_orjson() -> None:
    """Make python-socketio encode and decode with orjson in this process.

    Its JSON module is a class attribute shared by every client and server of the process,
    so only processes that are all load generator call this, not a test process that may
    also host a NiceGUI server.
    """
    socketio.packet.Packet.json = Json


@dataclass(frozen=True, slots=True)
class Page:
    """What the browser's script takes from the page's HTML before it connects."""

    elements: dict[str, dict]
    query: dict[str, Any]
    prefix: str
    extra_headers: dict[str, str]
    transports: list[str]


@dataclass(frozen=True, slots=True)
class Bubble:
    """A message bubble as the tab shows it: its text content and whether it is the tab's own."""

    message_id: int
    text: str
    own: bool
    load: int  # which load of the tab's page showed it: a reload shows the history again


def parse_page(page_html: str) -> Page:
    """Read the element tree and `createApp`'s options from the HTML, as `index.html` hands them to nicegui.js.

    The options are rendered as Python literals (`True`, `None`), which nicegui.js defines as
    JavaScript constants; `ast.literal_eval` reads them the same way.
    """
    elements, options = ELEMENTS.search(page_html), OPTIONS.search(page_html)
    if elements is None or options is None:
        raise ValueError('not a NiceGUI page: no element tree or socket options in the HTML')
    raw = elements.group(1)
    for entity, character in UNESCAPE:
        raw = raw.replace(entity, character)
    return Page(
        elements=orjson.loads(raw),
        query=ast.literal_eval(options['query']),
        prefix=options['prefix'],
        extra_headers=ast.literal_eval(options['headers']),
        transports=ast.literal_eval(options['transports']),
    )


def query_string(query: dict[str, Any]) -> str:
    """Encode like engine.io-client: `encodeURIComponent` of each value, so `True` is 'true' and `None` 'null'."""
    return '&'.join(f'{quote(key, safe="")}={quote(_js_string(value), safe="!*()")}' for key, value in query.items())


def _js_string(value: Any) -> str:
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return 'null' if value is None else str(value)


def keydown_enter(page_opened: float) -> dict[str, Any]:
    """The fields Chromium's KeyboardEvent for Enter serialises to (nicegui.js `stringifyEventArgs` with args null)."""
    now = time.time()
    return {
        'isTrusted': True, '_vts': int(now * 1000), 'key': 'Enter', 'code': 'Enter', 'location': 0,
        'ctrlKey': False, 'shiftKey': False, 'altKey': False, 'metaKey': False, 'repeat': False,
        'isComposing': False, 'charCode': 0, 'keyCode': 13, 'DOM_KEY_LOCATION_STANDARD': 0,
        'DOM_KEY_LOCATION_LEFT': 1, 'DOM_KEY_LOCATION_RIGHT': 2, 'DOM_KEY_LOCATION_NUMPAD': 3, 'detail': 0,
        'sourceCapabilities': {}, 'which': 13, 'pseudoTarget': None, 'type': 'keydown', 'eventPhase': 2,
        'bubbles': True, 'cancelable': True, 'defaultPrevented': False, 'composed': True,
        'timeStamp': (now - page_opened) * 1000, 'returnValue': True, 'cancelBubble': False,
        'NONE': 0, 'CAPTURING_PHASE': 1, 'AT_TARGET': 2, 'BUBBLING_PHASE': 3,
    }  # fmt: skip


class Network:
    """The connection pools all simulated browsers of one process share, as tabs share the OS network stack.

    Creating an HTTP client costs ~20 ms of CPU (its TLS context); sharing one transport
    keeps a thousand browsers cheap while each still has its own cookie jar. `source` is the loopback
    address they all connect from (another than 127.0.0.1 is another network address to the server).
    """

    def __init__(self, source: str | None = None) -> None:
        self.source = source
        self.transport = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=None), local_address=source)
        self.connector: aiohttp.TCPConnector | None = None

    async def __aenter__(self) -> Network:
        self.connector = aiohttp.TCPConnector(limit=0, local_addr=(self.source, 0) if self.source else None)
        return self

    async def __aexit__(self, *_: object) -> None:
        if self.connector is not None:
            await self.connector.close()
        await self.transport.aclose()


class Browser:
    """One browser profile: its own cookies, so NiceGUI gives it its own browser id and session."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.http = httpx.AsyncClient(
            transport=network.transport, trust_env=False, timeout=60, headers={'User-Agent': USER_AGENT}
        )

    def cookie_header(self) -> str:
        return '; '.join(f'{cookie.name}={cookie.value}' for cookie in self.http.cookies.jar)


class ProtocolClient:
    """One tab of a room page: opens it, follows its element tree, and types into its composer.

    `on_bubble` is called once for each message bubble a page load of the tab shows, from the
    history or live, once the tab knows which messages are its own. Like socket.io-client, a
    dropped socket reconnects (1 s to 5 s apart) with the next message id it expects, so the
    server replays NiceGUI's updates, and the message list asks for the messages it missed; if
    the server refuses the handshake because it deleted the client meanwhile, the tab reloads
    the page, as nicegui.js does.

    A tab duplicated from another names that tab in `old_tab_id` on its first page load, as nicegui.js
    does when it finds the other tab's id in the sessionStorage the browser copied; `tab_id` takes a
    given tab id instead of a new one.
    """

    def __init__(
        self,
        browser: Browser,
        url: str,
        on_bubble: Callable[[Bubble], None] | None = None,
        *,
        tab_id: str | None = None,
        old_tab_id: str | None = None,
    ) -> None:
        self.browser = browser
        self.url = url
        self.on_bubble = on_bubble
        self.elements: dict[str, dict] = {}
        self.bubbles: dict[int, Bubble] = {}
        self.client_id = ''
        self.next_message_id = 0
        self.loads = 0
        self.disconnects = 0
        self.tab_id = tab_id or str(uuid.uuid4())  # sessionStorage keeps it across reloads of the tab
        self._old_tab_id = old_tab_id
        self._query: dict[str, Any] = {}
        self._acked_id = -1
        self._typed: dict[str, str] = {}  # what each input shows (input.js `inputValue`)
        self._composer_id = ''
        self._list_id = ''
        self._waiting: list[dict] = []  # messages that arrived before the tab knew which are its own
        self._connects = 0
        self._resuming: asyncio.Task | None = None
        self._opened = 0.0
        self._closing = False
        self._changed = asyncio.Event()
        self._reload: asyncio.Task | None = None
        self._acks: asyncio.Task | None = None
        self._sio: socketio.AsyncClient | None = None
        self._http: aiohttp.ClientSession | None = None

    @property
    def connected(self) -> bool:
        return self._sio is not None and self._sio.connected

    @property
    def socket(self) -> socketio.AsyncClient:
        """The tab's Socket.IO connection (after `open`)."""
        if self._sio is None:
            raise RuntimeError(f'{self.url}: not open')
        return self._sio

    async def open(self, timeout: float = 60) -> None:
        """GET the page, then connect its socket; returns once the server accepted the handshake."""
        self._opened = time.time()
        response = await self.browser.http.get(self.url, headers={'Accept': ACCEPT_HTML}, timeout=timeout)
        response.raise_for_status()
        page = parse_page(response.text)
        if not page.query.get('implicit_handshake'):
            raise ValueError(f'{self.url}: the page expects an explicit handshake (a prefetch), not supported')
        self.loads += 1
        self.elements, self.bubbles, self._typed, self._acked_id, self._composer_id = page.elements, {}, {}, -1, ''
        self._list_id, self._waiting, self._connects = '', [], 0
        self.client_id = page.query['client_id']
        self.next_message_id = int(page.query['next_message_id'])
        self._apply(page.elements)
        await self._connect(page, timeout)
        if self._acks is None:
            self._acks = asyncio.get_running_loop().create_task(self._acknowledge())

    async def close(self) -> None:
        """Close the tab: its socket goes, and the server deletes the client after its reconnect timeout."""
        self._closing = True
        for task in (self._acks, self._reload):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):  # a failed reload left nothing to close
                    await task
        await self._disconnect()

    async def reload(self) -> None:
        """Reload the page, as the browser's reload button does: same tab id, a new page and socket."""
        await self._reopen()

    async def post(self, text: str) -> None:
        """Type `text` into the composer and press Enter: the input's value event, then its keydown.enter event."""
        await self._type_and_enter(self.composer(), text)

    async def rename(self, name: str) -> None:
        """Type `name` into the header's name input and press Enter, as a user changing their display name."""
        await self._type_and_enter(self._labelled_input('Your name'), name)

    @property
    def first_page(self) -> list[dict[str, Any]]:
        """The messages of the page the list was handed when the tab opened, in their wire form."""
        return list(self._list_props().get('messages', []))

    @property
    def reaction_emoji(self) -> list[str]:
        """The emoji the message list offers to react with."""
        return list(self._list_props().get('emoji', []))

    async def change(self, event: str, value: object) -> None:
        """Send the message list one of its requests, as message_list.js emits it: `edit` ({id, text}), `delete`
        (an id) or `react` ({id, emoji, on})."""
        listener = _listeners(self.elements[self._list_id])[event]
        await self.socket.emit(
            'event', self._event(self._list_id, listener['listener_id'], orjson.dumps(value).decode())
        )

    def composer_text(self) -> str:
        """What the composer input shows now; '' once the server accepted a message and cleared it."""
        input_id, _ = self.composer()
        return self._typed.get(input_id, self.elements[input_id].get('props', {}).get('value', ''))

    def composer_error(self) -> str | None:
        """The message under the input, as Quasar shows it while the input's `error` prop is set."""
        input_id, _ = self.composer()
        props = self.elements[input_id].get('props', {})
        return props.get('error-message') if props.get('error') else None

    async def wait_for(self, condition: Callable[[], object], timeout: float) -> None:
        """Wait until `condition()` holds after some message was applied; `TimeoutError` after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f'{self.url}: condition not met within {timeout} s')
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def _acknowledge(self) -> None:
        """Every 3 s, tell the server which messages arrived, so it can drop them from its replay history.

        This is nicegui.js `ack()` on its `setInterval`; it runs until the tab is closed.
        """
        while not self._closing:
            await asyncio.sleep(ACK_SECONDS)
            if self.connected and self._acked_id < self.next_message_id:
                await self.socket.emit('ack', {'client_id': self.client_id, 'next_message_id': self.next_message_id})
                self._acked_id = self.next_message_id

    async def _connect(self, page: Page, timeout: float) -> None:
        origin = '{0.scheme}://{0.netloc}'.format(urlsplit(self.url))
        self._query = {**page.query, 'document_id': str(uuid.uuid4()), 'tab_id': self.tab_id}
        self._query['old_tab_id'], self._old_tab_id = self._old_tab_id, None  # a reload is no duplicate
        headers = {**page.extra_headers, 'Cookie': self.browser.cookie_header(), 'Origin': origin}
        headers['User-Agent'] = USER_AGENT
        self._http = aiohttp.ClientSession(
            connector=self.browser.network.connector,
            connector_owner=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            headers=headers,
        )
        self._sio = socketio.AsyncClient(
            reconnection_delay=1, reconnection_delay_max=5, randomization_factor=0.5,  # socket.io-client's defaults
            handle_sigint=False, http_session=self._http, request_timeout=timeout,
        )  # fmt: skip
        for event, handler in (
            ('update', self._on_update),
            ('run_javascript', self._on_run_javascript),
            ('connect', self._on_connect),
            ('disconnect', self._on_disconnect),
            ('connect_error', self._on_connect_error),
            ('try_reconnect', self._on_try_reconnect),
            *((name, self._on_other) for name in ('load_js_components', 'notify', 'open', 'download')),
            ('*', self._on_stream),
        ):
            self._sio.on(event, handler)
        await self._sio.connect(
            lambda: f'{origin}/?{query_string(self._query | {"next_message_id": self.next_message_id})}',
            transports=page.transports[:1],
            socketio_path=f'{page.prefix}/_nicegui_ws/socket.io',
            wait_timeout=timeout,
        )

    async def _disconnect(self) -> None:
        """End the socket and any reconnecting, as leaving the page does."""
        try:
            if self._sio is not None:
                await asyncio.wait_for(self._sio.shutdown(), 10)
        finally:
            if self._http is not None:
                await self._http.close()

    def _fresh(self, message: dict) -> bool:
        """nicegui.js drops a message whose `_id` it has seen (a replay after reconnecting) and counts the rest."""
        message_id = message.pop('_id', None)
        if message_id is None:
            return True
        if message_id < self.next_message_id:
            return False
        self.next_message_id = message_id + 1
        return True

    def _on_update(self, message: dict) -> None:
        if self._fresh(message):
            self._apply(message)
            self._changed.set()

    async def _on_run_javascript(self, message: dict) -> None:
        if not self._fresh(message):
            return
        if (match := UPDATE_VALUE.match(message['code'])) is not None:
            await self._update_value(match.group(1))
        elif (match := LIST_METHOD.match(message['code'])) is not None and match.group(1) == self._list_id:
            (data,) = orjson.loads(match.group(3))
            if match.group(2) == 'reset':
                self.bubbles = {}
            self._receive(data['messages'])
        self._changed.set()

    async def _on_connect(self) -> None:
        """message_list.js: after a reconnect, a list that has its first page asks for what it missed.

        The socket is connected to the namespace here, though python-socketio says `connected`
        only once this handler returned; so the event goes out directly.
        """
        self._connects += 1
        if self._connects > 1 and self._list_props().get('ready'):
            await self._resume()
        self._changed.set()

    async def _resume(self) -> None:
        last = max(self.bubbles, default=0)
        listener = _listeners(self.elements[self._list_id])['resume']
        await self.socket.emit(
            'event', self._event(self._list_id, listener['listener_id'], orjson.dumps(last).decode())
        )

    def _on_stream(self, event: str, data: dict) -> None:
        """The room's live messages: one event for every tab of the room, no `_id`, never replayed."""
        props = self._list_props()
        if event == props.get('event') and data.get('room') == props.get('room'):
            self._receive(data['messages'])
            self._changed.set()

    def _list_props(self) -> dict[str, Any]:
        return self.elements[self._list_id].get('props', {}) if self._list_id in self.elements else {}

    def _receive(self, messages: list[dict]) -> None:
        """Merge messages by id as the component does, keeping at most its `limit`, the newest."""
        props = self._list_props()
        if not props.get('ready'):
            self._waiting += messages
            return
        for message in sorted([*self._waiting, *messages], key=lambda m: m['id']):
            if message['id'] in self.bubbles:
                continue
            bubble = Bubble(message['id'], ''.join(message['parts']), message['author'] == props['me'], self.loads)
            self.bubbles[message['id']] = bubble
            if self.on_bubble is not None:
                self.on_bubble(bubble)
        self._waiting = []
        for message_id in sorted(self.bubbles)[: max(0, len(self.bubbles) - props['limit'])]:
            del self.bubbles[message_id]

    async def _update_value(self, element_id: str) -> None:
        """input.js `updateValue`: the input takes its `value` prop and, if that changed what it shows, emits it."""
        element = self.elements.get(element_id)
        if element is None or element['tag'] != 'nicegui-input':
            return
        value = element.get('props', {}).get('value')
        if self._typed.get(element_id) != value:
            self._typed[element_id] = value
            await self._emit(element_id, _listeners(element)['update:value'], value)

    def _on_other(self, message: dict) -> None:
        self._fresh(message)

    def _on_disconnect(self, *_: object) -> None:
        if not self._closing:
            self.disconnects += 1
        self._changed.set()

    def _on_connect_error(self, error: object) -> None:
        """nicegui.js reloads the page when the server no longer knows the client."""
        if isinstance(error, dict) and error.get('message') == 'Implicit handshake failed':
            self._start_reload()

    def _on_try_reconnect(self, message: dict) -> None:
        self._fresh(message)
        self._start_reload()

    def _start_reload(self) -> None:
        if not self._closing and (self._reload is None or self._reload.done()):
            self._reload = asyncio.get_running_loop().create_task(self._reopen())

    async def _reopen(self) -> None:
        await self._disconnect()
        await self.open()
        self._changed.set()

    def _apply(self, update: dict[str, dict | None]) -> None:
        """Replace or delete elements as nicegui.js's 'update' handler does, noting the message list's first page."""
        for element_id, element in update.items():
            if element is None:
                self.elements.pop(element_id, None)
                continue
            old = self.elements.get(element_id)
            for prop in element.pop('preserved_props', None) or ():
                if old is not None and prop in old.get('props', {}):
                    element.setdefault('props', {})[prop] = old['props'][prop]
            self.elements[element_id] = element
            if element['tag'] == 'nicegui-input' and old is not None:
                self._watch_value(element_id, old, element)
            if element['tag'] == MESSAGE_LIST:
                self._list_id = element_id
                self._receive(element.get('props', {}).get('messages', []))
                became_ready = element.get('props', {}).get('ready') and not (old or {}).get('props', {}).get('ready')
                if became_ready and self._connects != 1:  # message_list.js's `ready` watcher
                    self._resuming = asyncio.get_running_loop().create_task(self._resume())

    def _watch_value(self, element_id: str, old: dict, new: dict) -> None:
        """input.js shows a new `value` prop without emitting it back."""
        value = new.get('props', {}).get('value')
        if value != old.get('props', {}).get('value'):
            self._typed[element_id] = value

    def composer(self) -> tuple[str, dict[str, dict]]:
        """The message input (found by its label, as a screen reader would) and its listeners."""
        if self._composer_id not in self.elements:
            self._composer_id, _ = self._labelled_input('Message')
        return self._composer_id, _listeners(self.elements[self._composer_id])

    def _labelled_input(self, label: str) -> tuple[str, dict[str, dict]]:
        element_id = next(
            (element_id for element_id, element in self.elements.items()
             if element['tag'] == 'nicegui-input' and element.get('props', {}).get('aria-label') == label),
            '',
        )  # fmt: skip
        if not element_id:
            raise LookupError(f'{self.url}: no input labelled {label!r} in the page')
        return element_id, _listeners(self.elements[element_id])

    async def _type_and_enter(self, element: tuple[str, dict[str, dict]], text: str) -> None:
        input_id, listeners = element
        self._typed[input_id] = text
        await self._emit(input_id, listeners['update:value'], text)
        await self._emit(input_id, listeners['keydown.enter'], keydown_enter(self._opened))

    async def _emit(self, element_id: str, listener: dict, event: object) -> None:
        """What the listener's handler in nicegui.js sends for a DOM `event` in this element's input.

        Without a `js_handler`, the event itself goes out; a known `js_handler` is mirrored
        (see `JS_HANDLERS`), and any other one cannot be, which is said loudly.
        """
        if listener['js_handler'] is None:
            args = [event]
        elif listener['js_handler'] in JS_HANDLERS:
            args = JS_HANDLERS[listener['js_handler']](self._typed.get(element_id, ''))
        else:
            raise NotImplementedError(f'a protocol client cannot run this JavaScript handler: {listener["js_handler"]}')
        await self._emit_event(element_id, listener['listener_id'], *(orjson.dumps(arg).decode() for arg in args))

    async def _emit_event(self, element_id: str, listener_id: str, *args: str) -> None:
        """nicegui.js `emit`: each argument JSON-encoded on its own.

        While the socket reconnects, socket.io-client holds the event and sends it once
        connected; a reload drops it with the page it came from.
        """
        payload = self._event(element_id, listener_id, *args)
        if not self.connected:
            with contextlib.suppress(TimeoutError):
                await self.wait_for(lambda: self.connected or self.client_id != payload['client_id'], RECONNECT_WAIT)
        if self.connected and self.client_id == payload['client_id']:
            await self.socket.emit('event', payload)

    def _event(self, element_id: str, listener_id: str, *args: str) -> dict[str, Any]:
        return {'id': int(element_id), 'client_id': self.client_id, 'listener_id': listener_id, 'args': list(args)}


def _listeners(element: dict) -> dict[str, dict]:
    """An element's listeners by event, keyed like the Python side registered them, e.g. 'keydown.enter'."""
    return {'.'.join([listener['type'], *listener['keys']]): listener for listener in element.get('events', ())}


def hear_everything(tab: ProtocolClient) -> list[bytes]:
    """Everything the tab's socket receives from now on, each event's arguments JSON-encoded, as it goes on to the
    tab's own handlers."""
    heard: list[bytes] = []
    handlers = tab.socket.handlers['/']
    for event, handler in list(handlers.items()):

        async def recorded(*args: Any, handler: Callable[..., Any] = handler) -> None:
            heard.append(orjson.dumps(args, default=str))
            result = handler(*args)
            if inspect.isawaitable(result):
                await result

        handlers[event] = recorded
    return heard


def listeners(tab: ProtocolClient, element_id: str) -> dict[str, str]:
    return {listener['type']: listener['listener_id'] for listener in tab.elements[element_id].get('events', ())}
