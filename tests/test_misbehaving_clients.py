"""Misbehaving clients against a real `app.py`: raw Socket.IO frames no browser sends, floods, and tabs that stop
reading. None may crash the server, slow down or impersonate the well-behaved tabs (the harness's `ProtocolClient`,
which speaks NiceGUI's protocol as a browser does), flood the log, or hold memory without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import socketio

from chat.domain.limits import LimitSettings
from chat.internals.socket_guard import HANDSHAKE
from chat.internals.stalled_connections import CHECK_EVERY, REQUEST_SECONDS
from chat.log_budget import BURST as BROWSER_LOG_BURST
from tests.support.app_process import AppProcess
from tests.support.percentiles import percentile
from tests.support.protocol import Browser, Network, ProtocolClient
from tests.support.raw_socket import SOCKET_PATH, RawSocket, page_query
from tests.support.tabs import OnBubble, open_tabs
from tests.support.waiting import seconds_until_closed, wait_for

ROOM = '/room/misbehave'
QUICK = 2.0  # seconds a well-behaved message may take to reach the other tab while an attack goes on
TRACEBACK = 'Traceback (most recent call last)'
OpenTab = Callable[..., Awaitable[ProtocolClient]]
TCP_ESTABLISHED = '01'  # /proc/net/tcp state
# Many tabs and posts from 127.0.0.1 are the test's doing, not an attack: the per-address limits are off
# (the stalled-tab tests alone post 12 MB of text).
pytestmark = pytest.mark.settings(tabs_per_ip=0, ip_message_burst=0, ip_storage_per_day=0)


@dataclass
class Served:
    """A running app and what it logged; measured from outside, as an operator would."""

    server: AppProcess

    @property
    def room_url(self) -> str:
        return self.server.url + ROOM

    def healthy(self) -> bool:
        return httpx.get(f'{self.server.url}/healthz', timeout=5).status_code == 200

    def subscribers(self) -> int:
        return self.server.health()['subscribers']

    def rss_mb(self) -> float:
        return self.server.rss_mb()

    def log_lines(self) -> list[str]:
        return self.server.log_lines()

    def tracebacks(self) -> int:
        """How many tracebacks were logged: one line each with the chat's logfmt, the first of many otherwise."""
        return sum(TRACEBACK in line for line in self.log_lines())


@dataclass
class Pair:
    """Two well-behaved tabs in two browsers; each remembers what it posted, to tell its own bubbles from forgeries."""

    alice: ProtocolClient
    bob: ProtocolClient
    sent: dict[str, list[str]] = field(default_factory=lambda: {'alice': [], 'bob': []})
    latencies: list[float] = field(default_factory=list)

    async def exchange(self, timeout: float = QUICK) -> float:
        """Alice writes to Bob and Bob answers; returns the slower delivery, in seconds.

        Each message is also awaited in its sender's own page, so the pages are complete for checks.
        """
        slowest = 0.0
        for name, sender, receiver in (('alice', self.alice, self.bob), ('bob', self.bob, self.alice)):
            text = f'{name} {uuid.uuid4().hex[:8]}'
            self.sent[name].append(text)
            start = time.monotonic()
            await sender.post(text)
            await receiver.wait_for(lambda text=text, receiver=receiver: text in texts(receiver), timeout)
            slowest = max(slowest, time.monotonic() - start)
            await sender.wait_for(lambda text=text, sender=sender: text in texts(sender), timeout)
        self.latencies.append(slowest)
        return slowest

    def assert_nobody_posted_as_them(self) -> None:
        """Own-styled bubbles are exactly what the tab itself posted, in order."""
        assert own_texts(self.alice) == self.sent['alice']
        assert own_texts(self.bob) == self.sent['bob']


@pytest.fixture
async def open_tab(network: Network) -> AsyncIterator[OpenTab]:
    """Open well-behaved tabs (each in its own browser); all are closed after the test."""
    async with contextlib.AsyncExitStack() as opened:

        async def open_one(url: str, on_bubble: OnBubble | None = None) -> ProtocolClient:
            (tab,) = await opened.enter_async_context(open_tabs(network, url, on_bubble=on_bubble))
            return tab

        yield open_one


def texts(tab: ProtocolClient) -> list[str]:
    return [bubble.text for bubble in tab.bubbles.values()]


def own_texts(tab: ProtocolClient) -> list[str]:
    return [bubble.text for bubble in tab.bubbles.values() if bubble.own]


def server_end_state(server: AppProcess, client_port: int) -> str | None:
    """The TCP state of the server's end of the connection from `client_port` (/proc/net/tcp); None once it is gone."""
    server_port = urlsplit(server.url).port
    for line in Path('/proc/net/tcp').read_text().splitlines()[1:]:
        local, remote, state = line.split()[1:4]
        if int(local.split(':')[1], 16) == server_port and int(remote.split(':')[1], 16) == client_port:
            return state
    return None


def composer_ids(tab: ProtocolClient) -> tuple[int, dict[str, str]]:
    """The tab's message input: its element id and its listener ids by event ('update:value', 'keydown.enter')."""
    element_id, listeners = tab.composer()
    return int(element_id), {name: listener['listener_id'] for name, listener in listeners.items()}


def event(client_id: str, element_id: object, listener_id: object, *args: object) -> dict[str, Any]:
    """An 'event' message as nicegui.js sends it: each argument JSON-encoded on its own."""
    return {'client_id': client_id, 'id': element_id, 'listener_id': listener_id, 'args': [json.dumps(a) for a in args]}


def malformed_events(attacker: ProtocolClient, victim: ProtocolClient) -> list[tuple[str, Any]]:
    """(event name, data) pairs a browser never sends, each on the attacker's own, handshaken socket.

    Wrong types and missing keys; names NiceGUI does not know; element and listener ids that do
    not exist, or exist only in the victim's page; handshakes for the victim's or a made-up
    client; acks for message ids far in the future; and composer events whose arguments try to
    carry an author.
    """
    own = attacker.client_id
    input_id, listeners = composer_ids(attacker)
    victim_input, victim_listeners = composer_ids(victim)
    value, enter = listeners['update:value'], listeners['keydown.enter']
    forged = {'text': 'forged', 'author': {'id': victim.client_id, 'name': 'Victim'}}
    return [
        *(('event', data) for data in ('not a dict', None, [1, 2], 42, {}, {'client_id': own})),
        ('event', event(own, 'abc', value, 'x')),
        ('event', event(own, 10**9, value, 'x')),
        ('event', event(own, input_id, 'no-such-listener', 'x')),
        ('event', {**event(own, input_id, value), 'args': ['{not json']}),
        ('event', {**event(own, input_id, value), 'args': 5}),
        ('event', {**event(own, input_id, value), 'args': [5]}),
        ('event', event(own, victim_input, victim_listeners['keydown.enter'], 'into the victim input')),
        ('event', event(str(uuid.uuid4()), input_id, enter, 'from a made-up client')),
        ('event', event(own, input_id, value, forged)),
        ('event', event(own, input_id, enter, forged)),
        ('event', event(own, input_id, enter, 'forged', forged['author'])),
        ('no_such_event', {'client_id': own}),
        *(('handshake', data) for data in ('x', {}, {'client_id': own})),
        ('handshake', {'client_id': str(uuid.uuid4()), 'tab_id': 'made-up', 'document_id': 'made-up'}),
        ('handshake', {'client_id': victim.client_id, 'tab_id': 'made-up', 'document_id': 'made-up'}),
        ('javascript_response', {'client_id': own, 'request_id': 'no-such-request', 'result': 1}),
        ('javascript_response', 'x'),
        ('ack', {'client_id': own, 'next_message_id': 10**12}),
        ('ack', {'client_id': own, 'next_message_id': 'abc'}),
        ('ack', None),
        ('log', {'client_id': own, 'level': 'no-such-level', 'message': 'x'}),
        ('log', None),
    ]


GARBAGE_FRAMES = [
    '42[garbage', '4', '49', '4{', '42', '42{}', '42[]', '42[1]', '42["event"', '41', '40/no-such-namespace,',
    '451-["event",{"_placeholder":true,"num":0}]', '9', '6', '5', '1', *(NOT_ENGINE_IO := ['x', '']),
]  # fmt: skip
OVERSIZED_MB = (0.9, 5, 20)  # under Engine.IO's 1 MB limit, over it, over uvicorn's 16 MiB WebSocket limit


async def send_garbage(url: str) -> None:
    """Frames no Socket.IO client sends, each on a fresh tab's socket (some make the server close it)."""
    for frame in GARBAGE_FRAMES:
        raw = await RawSocket.open_tab(url)
        await raw.send(frame)
        await raw.close()
    before_connect = await RawSocket.connect(url, {'EIO': 4})
    await before_connect.receive()
    await before_connect.send('42' + json.dumps(['event', event(str(uuid.uuid4()), 1, 'x', 'before CONNECT')]))
    await before_connect.close()


async def send_oversized(url: str) -> list[str]:
    """Composer value events of several megabytes; returns how the server answered each ('open' or why it closed)."""
    outcomes = []
    for megabytes in OVERSIZED_MB:
        raw = await RawSocket.open_tab(url)
        data = event('ignored', 1, 'x', 'x' * int(megabytes * 1_000_000))
        await raw.send('42' + json.dumps(['event', data]))
        try:
            while True:
                await raw.receive(timeout=1)
        except TimeoutError:
            outcomes.append('open')
        except ConnectionResetError as error:
            outcomes.append(str(error))
        await raw.close()
    return outcomes


async def send_before_handshake(url: str, victim: ProtocolClient) -> None:
    """A Socket.IO connection that never handshakes for a page, sending events and acks for made-up clients."""
    address = urlsplit(url)
    sio = socketio.AsyncClient()
    await sio.connect(f'{address.scheme}://{address.netloc}', socketio_path=SOCKET_PATH, transports=['websocket'])
    try:
        input_id, listeners = composer_ids(victim)
        made_up = str(uuid.uuid4())
        await sio.emit('event', event(made_up, input_id, listeners['update:value'], 'no handshake'))
        await sio.emit('event', event(made_up, input_id, listeners['keydown.enter'], 'no handshake'))
        await sio.emit('ack', {'client_id': made_up, 'next_message_id': 10**12})
        await sio.emit('javascript_response', {'client_id': made_up, 'request_id': made_up, 'result': None})
    finally:
        await sio.disconnect()


@pytest.fixture
def served(chat_server: AppProcess) -> Served:
    """The app, with its log followed."""
    return Served(chat_server)


@pytest.fixture
async def pair(open_tab: OpenTab, served: Served) -> Pair:
    return Pair(await open_tab(served.room_url), await open_tab(served.room_url))


async def test_malformed_oversized_and_out_of_order_events_change_nothing_for_other_tabs(
    served: Served, pair: Pair, open_tab: OpenTab
) -> None:
    await pair.exchange()
    attacker = await open_tab(served.room_url)
    for name, data in malformed_events(attacker, pair.alice):
        await attacker.socket.emit(name, data)
    await send_garbage(served.room_url)
    oversized = await send_oversized(served.room_url)
    await send_before_handshake(served.room_url, pair.alice)

    assert oversized[0] == 'open', 'a 0.9 MB frame is within Engine.IO limits'
    assert all(outcome != 'open' for outcome in oversized[1:]), f'larger frames close the socket: {oversized}'
    assert served.healthy()
    assert await pair.exchange() < QUICK
    pair.assert_nobody_posted_as_them()
    conversation = [text for turn in zip(pair.sent['alice'], pair.sent['bob'], strict=True) for text in turn]
    assert texts(pair.bob) == texts(pair.alice) == conversation, 'nothing but the pair reached the room'
    assert served.server.process.poll() is None
    # A frame that is not Engine.IO at all ends the connection in uvicorn, which logs it with its traceback
    # (on one line); every other malformed frame or event costs at most a line without one.
    assert served.tracebacks() == len(NOT_ENGINE_IO), served.log_lines()
    assert all(line.startswith('time=') for line in served.log_lines()), served.log_lines()[:5]


async def test_malformed_events_cost_no_traceback_each(served: Served, pair: Pair, open_tab: OpenTab) -> None:
    """Each malformed event logged a traceback: a few thousand of them, sent in a second, would flood the log."""
    attacker = await open_tab(served.room_url)
    before = served.tracebacks()
    for name, data in malformed_events(attacker, pair.alice):
        await attacker.socket.emit(name, data)
    await pair.exchange()
    await asyncio.sleep(0.5)  # the log is written after the handlers ran; nothing to wait for if nothing is logged
    assert served.tracebacks() - before == 0, '\n'.join(served.log_lines()[-3:])


async def post_as(socket_: socketio.AsyncClient, client_id: str, target: ProtocolClient, text: str) -> None:
    """Emit the two events of typing `text` and pressing Enter into `target`'s composer, naming `client_id`."""
    input_id, listeners = composer_ids(target)
    await socket_.emit('event', event(client_id, input_id, listeners['update:value'], text))
    await socket_.emit('event', event(client_id, input_id, listeners['keydown.enter'], text))


async def test_a_tab_cannot_flood_the_server_log_with_browser_errors(
    served: Served, pair: Pair, open_tab: OpenTab
) -> None:
    """nicegui.js reports a page's JavaScript errors to the server log; a script could send thousands."""
    attacker = await open_tab(served.room_url)
    marker = f'scripted error {uuid.uuid4().hex}'
    for _ in range(200):
        await attacker.socket.emit('log', {'client_id': attacker.client_id, 'level': 'error', 'message': marker})
    logged = lambda: sum(marker in line for line in served.log_lines())  # noqa: E731
    await asyncio.to_thread(wait_for, lambda: logged() >= BROWSER_LOG_BURST, 10, 'the first errors to be logged')
    await pair.exchange()
    assert logged() <= BROWSER_LOG_BURST + 1, 'a burst of browser errors, then about one every ten seconds'


async def test_a_made_up_client_id_reaches_nobody(served: Served, pair: Pair, open_tab: OpenTab) -> None:
    attacker = await open_tab(served.room_url)
    for _ in range(20):
        await post_as(attacker.socket, str(uuid.uuid4()), pair.alice, 'guessed')
    await pair.exchange()
    pair.assert_nobody_posted_as_them()
    assert 'guessed' not in texts(pair.bob)


async def test_an_event_naming_another_tabs_client_id_is_not_run_as_that_tab(
    served: Served, pair: Pair, open_tab: OpenTab
) -> None:
    """NiceGUI runs an 'event' for whichever client it names, whatever socket sent it.

    A tab's client id is no secret kept from everyone: it is in the page's HTML and in the
    socket's URL (proxy logs, browser history of the socket). Here the attacker has learnt
    Alice's, and posts from its own, handshaken socket and from one that never handshook.
    """
    attacker = await open_tab(served.room_url)
    await post_as(attacker.socket, pair.alice.client_id, pair.alice, 'posted as Alice from another tab')
    address = urlsplit(served.server.url)
    stranger = socketio.AsyncClient()
    await stranger.connect(f'http://{address.netloc}', socketio_path=SOCKET_PATH, transports=['websocket'])
    await post_as(stranger, pair.alice.client_id, pair.alice, 'posted as Alice without a handshake')
    await stranger.disconnect()
    await pair.exchange()
    pair.assert_nobody_posted_as_them()


@pytest.mark.parametrize('named_as', ['old_tab_id', 'tab_id'])
async def test_a_tab_id_learnt_in_another_browser_does_not_post_as_that_tab(
    served: Served, pair: Pair, network: Network, named_as: str
) -> None:
    """A tab's id is no secret either: it is in the tab's socket URL. NiceGUI hands a tab's storage to any page
    whose handshake names the tab, as the one it was duplicated from (`old_tab_id`) or as itself (`tab_id`).

    Here a browser without Alice's cookies has learnt her tab id: what it posts must be its own, not Alice's,
    and Alice must still be herself, in her tab and after reloading it.
    """
    await pair.exchange()
    attacker = ProtocolClient(Browser(network), served.room_url, **{named_as: pair.alice.tab_id})
    text = "posted with Alice's tab id"
    try:
        await attacker.open()
        await attacker.post(text)
        for tab in (attacker, pair.alice, pair.bob):
            await tab.wait_for(lambda tab=tab: text in texts(tab), QUICK)
        assert own_texts(attacker) == [text]
    finally:
        await attacker.close()
    await pair.exchange()
    pair.assert_nobody_posted_as_them()
    await pair.alice.reload()
    await pair.alice.wait_for(lambda: len(texts(pair.alice)) == 5, QUICK * 5)
    assert own_texts(pair.alice) == pair.sent['alice']


Query = dict[str, Any]
# A page's socket query as no nicegui.js sends it, each with the implicit handshake NiceGUI runs on connect.
MANGLED_QUERIES: list[Callable[[Query, ProtocolClient], Query]] = [
    *(lambda query, _, key=key: {k: v for k, v in query.items() if k != key} for key in HANDSHAKE),
    lambda query, _: {**query, 'next_message_id': 'abc'},
    lambda query, _: {**query, 'next_message_id': '9' * 5000},
    lambda query, _: {**query, 'tab_id': 'x' * 10_000},
    lambda query, _: {**query, 'document_id': 'x' * 10_000},
    lambda query, _: {**query, 'old_tab_id': 'x' * 10_000},
    lambda query, victim: {**query, 'client_id': victim.client_id},
]


async def implicit_handshake(url: str, query: Query) -> str:
    """Load a page, connect its socket with `query` (the page's, mangled) and say CONNECT; returns the server's
    answer, or 'no answer'."""
    raw = await RawSocket.connect(url, query)
    try:
        await raw.receive()  # Engine.IO's OPEN
        await raw.send('40')
        return await raw.receive(timeout=3)
    except TimeoutError:
        return 'no answer'
    finally:
        await raw.close()


async def test_a_malformed_implicit_handshake_is_refused_before_it_starts(served: Served, pair: Pair) -> None:
    """NiceGUI runs the handshake itself when the socket's query says `implicit_handshake=true`, as a page's does.

    Unguarded, a missing or malformed field raised inside it: an error line in the log each time, a socket left
    waiting for an answer, and, when it raised past the check of the tab id, a page that counted as connected
    for ever, so it was never deleted. Refused up front, the page goes as any page whose socket never came.
    """
    await pair.exchange()
    logged = len(served.log_lines())
    answers = []
    async with httpx.AsyncClient() as http:
        for mangle in MANGLED_QUERIES:
            query = {**await page_query(served.room_url, http), 'implicit_handshake': 'true'}
            answers.append(await implicit_handshake(served.room_url, mangle(query, pair.alice)))
    assert all(answer.startswith('44') and 'Implicit handshake failed' in answer for answer in answers), answers
    assert await pair.exchange() < QUICK
    pair.assert_nobody_posted_as_them()
    assert [line for line in served.log_lines()[logged:] if 'level=info' not in line] == []


FLOOD_EVENTS = 10_000


async def flood(attacker: ProtocolClient, events: int) -> float:
    """Send `events` events as fast as the socket takes them; returns how long that took, in seconds.

    Two in three are posts (the composer's value, then Enter), the rest name an element that
    does not exist. All name the attacker's own client: what a scripted tab can do.
    """
    input_id, listeners = composer_ids(attacker)
    own = attacker.client_id
    start = time.monotonic()
    for i in range(events // 3):
        await attacker.socket.emit('event', event(own, input_id, listeners['update:value'], f'flood {i}'))
        await attacker.socket.emit('event', event(own, input_id, listeners['keydown.enter'], f'flood {i}'))
        await attacker.socket.emit('event', event(own, 10**6 + i, 'no-such-listener', i))
    return time.monotonic() - start


async def test_an_event_flood_neither_slows_other_tabs_nor_gets_past_the_per_tab_limit(
    served: Served, pair: Pair, open_tab: OpenTab
) -> None:
    attacker = await open_tab(served.room_url)
    flooding = asyncio.create_task(flood(attacker, FLOOD_EVENTS))
    for _ in range(3):  # while the server works through the flood; within the pair's own per-tab burst
        await pair.exchange()
    seconds = await flooding

    limits = LimitSettings()
    flooded = [text for text in texts(pair.bob) if text.startswith('flood ')]
    assert len(flooded) <= limits.message_burst + limits.messages_per_second * (seconds + 1)
    assert served.healthy()
    assert max(pair.latencies) < QUICK, pair.latencies
    pair.assert_nobody_posted_as_them()
    assert served.tracebacks() == 0


STALLED_TEXT = '🦊' * 1990  # four bytes of UTF-8 each: about 8 KB to every tab per message
RATE = 100  # messages per second, shared by two senders
RECEIVE_BUFFER = 4096


@dataclass
class Flow:
    """What happened while messages flowed past tabs that stopped reading."""

    sent: dict[str, float] = field(default_factory=dict)
    arrived: dict[str, float] = field(default_factory=dict)
    subscribers: list[int] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    released: dict[str, float] = field(default_factory=dict)  # which stalled tab's connection the server let go, when

    def latencies(self) -> list[float]:
        return [self.arrived[text] - sent for text, sent in self.sent.items() if text in self.arrived]

    def report(self) -> str:
        latencies = self.latencies()
        p50, p99, worst = (
            1000 * value for value in (percentile(latencies, 0.5), percentile(latencies, 0.99), max(latencies))
        )
        return (
            f'{len(self.arrived)}/{len(self.sent)} delivered; '
            f'latency p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {worst:.0f} ms; '
            f'RSS {self.rss_mb[0]:.0f} -> {max(self.rss_mb):.0f} MB; subscribers {self.subscribers}; '
            f'released {self.released}'
        )


async def stop_reading(url: str, *, answer_pings: bool) -> tuple[RawSocket, asyncio.Task | None]:
    """A tab whose socket completes the handshake and then reads nothing more, maybe still answering pings blindly."""
    raw = await RawSocket.open_tab(url, receive_buffer=RECEIVE_BUFFER)
    return raw, asyncio.create_task(raw.blind_pongs()) if answer_pings else None


async def flow_past_stalled_tabs(served: Served, open_tab: OpenTab, seconds: float, *, until_released: bool) -> Flow:
    """Two tabs post `RATE` messages a second for `seconds` while a third receives them, next to two tabs that
    stopped reading (one silent, one answering pings blindly); samples the server once a second.

    With `until_released`, the flow stops early once the server has let go of both stalled connections.
    """
    flow = Flow()
    receiver = await open_tab(served.room_url, lambda _, bubble: flow.arrived.setdefault(bubble.text, time.monotonic()))
    senders = [await open_tab(served.room_url) for _ in range(2)]
    stalled = {
        'silent': await stop_reading(served.room_url, answer_pings=False),
        'blind pongs': await stop_reading(served.room_url, answer_pings=True),
    }
    start = time.monotonic()
    next_sample = start
    try:
        for i in range(int(seconds * RATE)):
            await asyncio.sleep(max(0.0, start + i / RATE - time.monotonic()))
            text = f'{i} {STALLED_TEXT}'
            flow.sent[text] = time.monotonic()
            await senders[i % 2].post(text)
            if time.monotonic() >= next_sample:
                next_sample += 1
                await asyncio.to_thread(sample, served, flow, stalled, start)
                if until_released and len(flow.released) == len(stalled):
                    break
        await receiver.wait_for(lambda: len(flow.arrived) == len(flow.sent), QUICK)
    finally:
        for raw, pongs in stalled.values():
            if pongs is not None:
                pongs.cancel()
            raw.writer.transport.abort()
    return flow


def sample(served: Served, flow: Flow, stalled: dict[str, tuple[RawSocket, asyncio.Task | None]], start: float) -> None:
    """Note the server's subscribers and memory, and which stalled connections it has let go (in a thread: blocking)."""
    flow.subscribers.append(served.subscribers())
    flow.rss_mb.append(served.rss_mb())
    for name, (raw, _) in stalled.items():
        if name not in flow.released and server_end_state(served.server, raw.local_port) != TCP_ESTABLISHED:
            flow.released[name] = round(time.monotonic() - start, 1)


@pytest.mark.settings(message_burst=0)
async def test_a_tab_that_stops_reading_holds_up_nobody(served: Served, open_tab: OpenTab) -> None:
    """Engine.IO queues each socket's packets separately, so a stalled socket delays no other; it pings every
    4 s and gives up 2 s after an unanswered ping, and NiceGUI deletes the silent tab's client 3 s later."""
    flow = await flow_past_stalled_tabs(served, open_tab, 15, until_released=False)

    latencies = flow.latencies()
    assert len(latencies) == len(flow.sent), 'every message reached the reading tab'
    # a socket that held the others up would hold them for its ping timeout (6 s) or stall (10 s), not a busy second
    assert percentile(latencies, 0.99) < QUICK and max(latencies) < QUICK, flow.report()
    assert flow.subscribers[0] == 5 and min(flow.subscribers) <= 4, 'the silent tab was let go: ' + flow.report()
    assert max(flow.rss_mb) - flow.rss_mb[0] < 150, flow.report()
    assert served.healthy()
    assert served.tracebacks() == 0


@pytest.mark.settings(message_burst=0)
async def test_the_server_lets_go_of_a_tab_that_stopped_reading(served: Served, open_tab: OpenTab) -> None:
    """A tab that reads nothing must not pin what the server queued for it: its connection must end.

    Without it, the tab answering pings blindly keeps its connection, and everything Engine.IO
    queued for it, as long as it likes (uvicorn's own keepalive gives up after 40 s but then
    waits for the write buffer to drain, which it never does).
    """
    flow = await flow_past_stalled_tabs(served, open_tab, 25, until_released=True)
    assert set(flow.released) == {'silent', 'blind pongs'}, flow.report()


# --- The HTTP layer ------------------------------------------------------------------------------------------------


async def endless_headers(url: str, megabytes: int) -> tuple[int, bytes]:
    """Send one request whose headers never end; returns how many bytes went out before the server stopped
    taking them, and the start of what it answered."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    sent = 0
    header = b'X-Filler: ' + b'a' * 8000 + b'\r\n'
    try:
        writer.write(b'GET / HTTP/1.1\r\nHost: chat\r\n')
        while sent < megabytes * 1_000_000:
            writer.write(header)
            await writer.drain()
            sent += len(header)
    except ConnectionError:  # reset or broken pipe: the server cut the connection
        pass
    answer = b''
    with contextlib.suppress(ConnectionError, TimeoutError):
        answer = await asyncio.wait_for(reader.read(200), 5)
    writer.close()
    return sent, answer


async def test_a_request_whose_headers_never_end_is_cut_off_early(served: Served) -> None:
    """Unbounded, one such connection grew the server by its own size (1.2 GB in 4 s with httptools)."""
    before = served.rss_mb()
    sent, answer = await endless_headers(served.server.url, megabytes=200)
    assert sent < 10_000_000, f'the server took {sent / 1e6:.0f} MB of headers'
    assert served.rss_mb() - before < 30
    assert answer == b'' or answer.startswith(b'HTTP/1.1 4')
    assert served.healthy()


async def closed_within(url: str, payload: bytes, seconds: float) -> float | None:
    """Open a connection, send `payload` (maybe nothing, maybe half a request) and no more; returns after how many
    seconds the server closed it, or None if it was still open after `seconds`."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(payload)

    async def still_open() -> bool:
        return bool(await reader.read(1024))

    return await seconds_until_closed(still_open, writer.close, seconds)


async def test_connections_that_never_send_a_whole_request_are_closed(served: Served) -> None:
    """Left open, each held a file descriptor for ever: a thousand of them took a default server offline."""
    silent, half = await asyncio.gather(
        closed_within(served.server.url, b'', 20),
        closed_within(served.server.url, b'GET / HTTP/1.1\r\nHost: chat\r\n', 20),
    )
    assert silent is not None and half is not None, (silent, half)
    assert max(silent, half) <= REQUEST_SECONDS + 2 * CHECK_EVERY
    assert httpx.get(served.room_url, timeout=10).status_code == 200, 'a whole request is served as ever'
