"""Load made of tabs: receivers in worker processes, senders that type at a paced rate.

A single Python process running hundreds of tabs competes with the server for the same
two cores, so receivers live in worker processes (one core each at most), and the
coordinating process only sends. Every message text carries its round's tag, a sequence
number and its send time, so whichever process shows the bubble can measure the latency
from one wall clock. Our app's tabs are protocol clients; the comparison servers' are plain
WebSockets (`bench.sockets`), driven the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import math
import multiprocessing
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, Literal, Protocol

from bench.sockets import open_sockets
from tests.support.protocol import Bubble, Network, use_orjson
from tests.support.tabs import OnBubble, open_tabs

POST_TIMEOUT = 10.0  # a message not shown to its sender this long after the last one counts as failed


TabKind = Literal['app', 'socket']  # our app's page over NiceGUI's protocol, or a comparison server's WebSocket


class Tab(Protocol):
    """What the load does with a tab, whichever server it is on: `ProtocolClient` or `bench.sockets.SocketTab`."""

    disconnects: int  # how often the server dropped its socket
    loads: int  # how often it opened (a reloaded page opens again)

    async def open(self, timeout: float = 60) -> None: ...

    async def close(self) -> None: ...

    async def post(self, text: str) -> None: ...

    def composer_text(self) -> str: ...

    async def wait_for(self, condition: Callable[[], object], timeout: float) -> None: ...


async def open_kind(kind: TabKind, network: Network, url: str, count: int, on_bubble: OnBubble, *, first: int,
                    history: int = 0) -> list[Tab]:  # fmt: skip
    """`count` open tabs of `kind`, numbered from `first` for `on_bubble`; an app tab is ready once it shows
    `history` bubbles (a comparison server keeps no history)."""
    if kind == 'socket':
        return list(await open_sockets(network, url, count, on_bubble, first))
    return list(await open_tabs(network, url, count, on_bubble, first=first, history=history))


async def close_all(tabs: Sequence[Tab]) -> None:
    """Close every tab, of either kind, even when closing one fails (its server may be gone)."""
    await asyncio.gather(*(tab.close() for tab in tabs), return_exceptions=True)


def stamp(tag: str, seq: int) -> str:
    """The text of bench message `seq` of round `tag`, with its send time."""
    return f'{tag} #{seq} @{time.time():.6f}'


def parse_stamp(text: str) -> tuple[str, int, float] | None:
    """(tag, seq, sent) of a bench message, or None for any other text (e.g. seeded history)."""
    parts = text.split(' ')
    if len(parts) != 3 or parts[1][:1] != '#' or parts[2][:1] != '@':
        return None
    return parts[0], int(parts[1][1:]), float(parts[2][1:])


@dataclass
class RoundReport:
    """What the receivers saw of one round; reports of several workers add up with `merge`."""

    clients: int = 0
    expected: int = 0
    delivered: int = 0
    duplicates: int = 0
    disconnects: int = 0
    reloads: int = 0
    cpu_seconds: float = 0.0
    max_lag_ms: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    sequences: list[int] = field(default_factory=list)  # which message each latency is of, in send order

    @staticmethod
    def merge(reports: list[RoundReport]) -> RoundReport:
        total = RoundReport()
        for report in reports:
            total.clients += report.clients
            total.expected += report.expected
            total.delivered += report.delivered
            total.duplicates += report.duplicates
            total.disconnects += report.disconnects
            total.reloads += report.reloads
            total.cpu_seconds += report.cpu_seconds
            total.max_lag_ms = max(total.max_lag_ms, report.max_lag_ms)
            total.latencies_ms.extend(report.latencies_ms)
            total.sequences.extend(report.sequences)
        return total


class Tracker:
    """Counts, per tab, the bubbles of the current round and when each appeared."""

    def __init__(self) -> None:
        self.tag = ''
        self.messages = 0
        self.clients = 0
        self.seen: dict[int, dict[int, int]] = {}  # per tab: seq -> the page load that showed it
        self.latencies_ms: list[float] = []
        self.sequences: list[int] = []
        self.duplicates = 0
        self.done = 0
        self.complete = asyncio.Event()

    def expect(self, tag: str, messages: int, clients: int) -> None:
        self.tag, self.messages, self.clients = tag, messages, clients
        self.seen = {}
        self.latencies_ms = []
        self.sequences = []
        self.duplicates = 0
        self.done = 0
        self.complete.clear()
        if clients == 0 or messages == 0:
            self.complete.set()

    def bubble(self, client: int, bubble: Bubble) -> None:
        shown = time.time()
        parsed = parse_stamp(bubble.text)
        if parsed is None or parsed[0] != self.tag:
            return
        seen = self.seen.setdefault(client, {})
        if parsed[1] in seen:
            self.duplicates += seen[parsed[1]] == bubble.load  # a reloaded page showing history again is no duplicate
            return
        seen[parsed[1]] = bubble.load
        self.latencies_ms.append((shown - parsed[2]) * 1000)
        self.sequences.append(parsed[1])
        if len(seen) == self.messages:
            self.done += 1
            if self.done == self.clients:
                self.complete.set()

    def report(self) -> RoundReport:
        return RoundReport(
            clients=self.clients,
            expected=self.messages * self.clients,
            delivered=sum(len(s) for s in self.seen.values()),
            duplicates=self.duplicates,
            latencies_ms=self.latencies_ms,
            sequences=self.sequences,
        )


class WorkerError(RuntimeError):
    """A command failed in a worker process."""


class LagMonitor:
    """How late the event loop wakes up: when a worker falls behind, its latencies include its own delay."""

    def __init__(self, every: float = 0.05) -> None:
        self.every = every
        self.worst_ms = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            expected = loop.time() + self.every
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.every)
            self.worst_ms = max(self.worst_ms, (loop.time() - expected) * 1000)


class Worker:
    """The receiving tabs of one worker process, driven by commands from the coordinator over a pipe."""

    def __init__(self, conn: Connection, url: str, kind: TabKind) -> None:
        self.conn = conn
        self.url = url
        self.kind = kind
        self.clients: list[Tab] = []
        self.tracker = Tracker()
        self.lag = LagMonitor()
        self.network = Network()
        self._round_cpu = 0.0
        self._opened = 0

    async def serve(self) -> None:
        stop = asyncio.Event()
        async with self.network:
            lag = asyncio.create_task(self.lag.run(stop))
            try:
                while (command := await asyncio.to_thread(self.conn.recv))[0] != 'quit':
                    self.conn.send(await self._run(*command))
            finally:
                stop.set()
                await lag
                await self.disconnect()

    async def _run(self, command: str, *args: Any) -> Any:
        """Carry out one command; a failure goes back to the coordinator, which raises it there."""
        try:
            return await getattr(self, command)(*args)
        except Exception as error:
            return WorkerError(f'{command} failed in a load worker: {error!r}')

    async def connect(self, count: int, history: int) -> int:
        first, self._opened = self._opened, self._opened + count
        self.clients += await open_kind(
            self.kind, self.network, self.url, count, self.tracker.bubble, first=first, history=history
        )
        return len(self.clients)

    async def status(self) -> tuple[int, int]:
        """(socket drops, page reloads) of the tabs held."""
        return sum(client.disconnects for client in self.clients), sum(client.loads - 1 for client in self.clients)

    async def expect(self, tag: str, messages: int) -> None:
        """Start a round; the cycle collector waits until it ends, so its pauses do not count as latency."""
        gc.collect()
        gc.disable()
        self._round_cpu = time.process_time()
        self.lag.worst_ms = 0.0
        self.tracker.expect(tag, messages, len(self.clients))

    async def collect(self, grace: float) -> RoundReport:
        with contextlib.suppress(TimeoutError):  # the report shows what is missing
            await asyncio.wait_for(self.tracker.complete.wait(), grace)
        report = self.tracker.report()
        report.cpu_seconds = time.process_time() - self._round_cpu
        report.disconnects, report.reloads = await self.status()
        report.max_lag_ms = self.lag.worst_ms
        gc.enable()
        return report

    async def disconnect(self) -> int:
        clients, self.clients = self.clients, []
        await close_all(clients)
        return len(clients)


def worker_main(conn: Connection, url: str, kind: TabKind) -> None:
    """Entry point of a worker process."""
    use_orjson()
    asyncio.run(Worker(conn, url, kind).serve())


def spread_workers(workers: int, processes: int) -> int:
    """`workers` rounded up to a multiple of `processes` (at least one each), so each gets as many tabs."""
    return processes * math.ceil(max(1, workers) / processes)


class ReceiverPool:
    """Worker processes, each holding an even share of the receiving tabs (of `kind`) of one room.

    With several URLs (one room on several app processes) worker i opens its tabs on URL
    i mod len(urls), and the workers are rounded up by `spread_workers`, so each process
    gets an even share of the tabs.
    """

    def __init__(self, urls: Sequence[str], workers: int, kind: TabKind = 'app') -> None:
        self.urls = list(urls)
        self.kind = kind
        self.workers = spread_workers(workers, len(self.urls))
        self.conns: list[Connection] = []
        self.processes: list[multiprocessing.Process] = []

    async def __aenter__(self) -> ReceiverPool:
        context = multiprocessing.get_context('spawn')
        for index in range(self.workers):
            parent, child = context.Pipe()
            url = self.urls[index % len(self.urls)]
            process = context.Process(target=worker_main, args=(child, url, self.kind), daemon=True)
            process.start()
            self.conns.append(parent)
            self.processes.append(process)
        return self

    async def __aexit__(self, *_: object) -> None:
        """Let each worker close its tabs and exit; one that does not within a minute is killed."""
        for conn in self.conns:
            with contextlib.suppress(OSError):  # a worker that died has nothing to close
                conn.send(('quit',))
        for process in self.processes:
            await asyncio.to_thread(process.join, 60)
            if process.is_alive():
                process.kill()
                await asyncio.to_thread(process.join, 5)

    async def connect(self, count: int, history: int = 0, timeout: float = 600) -> int:
        """Open `count` more tabs across the workers; returns how many they hold now."""
        shares = [count // self.workers + (i < count % self.workers) for i in range(self.workers)]
        return sum(await self._ask([('connect', share, history) for share in shares], timeout))

    async def status(self) -> dict[str, int]:
        """How often the sockets of the tabs held dropped, and how often their pages reloaded."""
        statuses = await self._ask([('status',)] * self.workers, timeout=30)
        drops, reloads = (sum(column) for column in zip(*statuses, strict=True))
        return {'disconnects': drops, 'reloads': reloads}

    async def expect(self, tag: str, messages: int) -> None:
        await self._ask([('expect', tag, messages)] * self.workers, timeout=30)

    async def collect(self, grace: float) -> RoundReport:
        """Wait up to `grace` seconds for every tab to show every message of the round."""
        return RoundReport.merge(await self._ask([('collect', grace)] * self.workers, timeout=grace + 60))

    async def disconnect(self) -> int:
        return sum(await self._ask([('disconnect',)] * self.workers, timeout=120))

    async def _ask(self, commands: list[tuple], timeout: float) -> list[Any]:
        for conn, command in zip(self.conns, commands, strict=True):
            conn.send(command)
        return list(await asyncio.gather(*(asyncio.to_thread(_receive, conn, timeout) for conn in self.conns)))


def _receive(conn: Connection, timeout: float) -> Any:
    if not conn.poll(timeout):
        raise TimeoutError(f'a load worker did not answer within {timeout} s')
    if isinstance(reply := conn.recv(), WorkerError):
        raise reply
    return reply


@dataclass
class SendReport:
    """What the senders managed: a message counts as sent once its sender's tab showed it as its own."""

    sent: int
    failed: int
    first: float  # when the first message was typed (event loop time)
    last: float  # when the last one was

    @property
    def rate(self) -> float:
        """Messages per second actually typed (a sender waits until the input cleared, as a person does)."""
        return (self.sent + self.failed - 1) / (self.last - self.first) if self.last > self.first else 0.0


class Senders:
    """Tabs that post at a paced rate, each like a fast typist.

    A sender types a message, presses Enter, and types the next one once the composer
    cleared the input, which it does on Enter, before the message is stored; so one tab can
    have several messages on their way, as the composer keeps them in order. A message
    counts as sent when its bubble shows in its sender's tab as its own. A comparison server's
    tab (`kind` 'socket') has no input to wait for: its messages go out at the pace alone.
    """

    def __init__(self, network: Network, url: str, count: int, kind: TabKind = 'app') -> None:
        self.network = network
        self.url = url
        self.count = count
        self.kind = kind
        self.clients: list[Tab] = []
        self._own: set[str] = set()

    async def __aenter__(self) -> Senders:
        await self.add(self.count)
        return self

    async def add(self, count: int) -> None:
        """Open `count` more sending tabs."""
        self.clients += await open_kind(self.kind, self.network, self.url, count, self._shown, first=len(self.clients))

    async def __aexit__(self, *_: object) -> None:
        await close_all(self.clients)

    async def send(self, tag: str, rate: float, messages: int) -> SendReport:
        """Post `messages` messages, the i-th not before `i / rate` seconds from now; returns once all showed."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        slots = iter(range(messages))
        typed: list[float] = []

        async def run(client: Tab) -> int:
            posted: set[str] = set()
            for seq in slots:
                await asyncio.sleep(max(0.0, start + seq / rate - loop.time()))
                typed.append(loop.time())
                posted.add(text := stamp(tag, seq))
                await client.post(text)
                with contextlib.suppress(TimeoutError):  # a message whose bubble never shows counts as failed
                    await client.wait_for(lambda: client.composer_text() == '', POST_TIMEOUT)
            with contextlib.suppress(TimeoutError):
                await client.wait_for(lambda: posted <= self._own, POST_TIMEOUT)
            failed = len(posted - self._own)
            self._own -= posted
            return failed

        failed = sum(await asyncio.gather(*(run(client) for client in self.clients)))
        return SendReport(messages - failed, failed, min(typed, default=start), max(typed, default=start))

    def _shown(self, _: int, bubble: Bubble) -> None:
        if bubble.own:
            self._own.add(bubble.text)
