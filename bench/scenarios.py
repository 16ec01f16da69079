"""The benchmark scenarios: each drives one running server with tabs and returns its metrics.

Scenarios only speak to the server as browsers do (page, socket) and read its subscriber count
(our app's `/healthz`, a comparison server's `/count`) and its /proc entries; nothing reaches into
the server's internals. `fanout` and `saturate` load any `Server`, our app or a comparison server;
the others measure what only our app has (history, limits, pages) and take an `AppGroup`.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import math
import re
import sqlite3
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.load import ReceiverPool, RoundReport, Senders, SendReport, parse_stamp, stamp
from bench.server import AppGroup, Server
from tests.support.cable import Cable
from tests.support.connection_attacks import Hold, attacking, endless_headers, idle_http, pageless_engine_io
from tests.support.percentiles import percentile
from tests.support.protocol import Browser, Network, ProtocolClient
from tests.support.tabs import open_tabs

ROOM_NAME, BIG_ROOM_NAME = 'bench', 'big'
ROOM, BIG_ROOM = f'/room/{ROOM_NAME}', f'/room/{BIG_ROOM_NAME}'
WARMUP_MESSAGES = 5  # sent before a measured round, unmeasured: a long-running server is warm
HISTORY_SHOWN = 50  # the room page shows the latest 50 messages (chat/ui/message_list.py PAGE_SIZE)
# The rooms page's searches over the seeded rooms (room-00000, room-00001, ...): a tenth of 10 000 rooms, and all
ROOM_SEARCHES = {'search': 'room-00', 'search_all': 'room'}
OLDER_ROOMS = re.compile(r'/rooms\?(?:q=[a-z0-9_-]+&(?:amp;)?)?after=[0-9.e+-]+~[a-z0-9_-]+')  # in the page's HTML
SATURATE_RATES = (5, 10, 25, 50, 100, 200, 400, 800, 1600)
SATURATE_SECONDS = 5.0
P99_LIMIT_MS = 1000.0
ATTACKER = '127.0.0.2'  # another network address to the app than the measured tabs' 127.0.0.1, which it trusts
CONNECTION_ATTACKS: dict[str, Hold] = {
    'headers': endless_headers,
    'idle_http': idle_http,
    'pageless_sockets': pageless_engine_io,
}


@dataclass
class RoundMetrics:
    """One paced round of messages, as the receivers saw it and as the server paid for it."""

    achieved_rate: float
    failed_sends: int
    delivered: int
    expected: int
    duplicates: int
    disconnects: int
    reloads: int
    generator_lag_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    server_cpu_s: float
    cpu_us_per_delivery: float
    peak_rss_mb: float
    generator_cpu_s: float
    p50_by_quarter_ms: list[float]

    @property
    def lossless(self) -> bool:
        return self.delivered == self.expected and self.failed_sends == 0 and self.duplicates == 0

    def row(self) -> dict[str, Any]:
        return {
            'delivered': f'{self.delivered}/{self.expected}',
            'delivered_pct': round(100 * self.delivered / self.expected, 2) if self.expected else 100.0,
            'achieved_rate': round(self.achieved_rate, 1),
            'failed_sends': self.failed_sends,
            'duplicates': self.duplicates,
            'disconnects': self.disconnects,
            'reloads': self.reloads,
            'p50_ms': round(self.p50_ms, 1),
            'p95_ms': round(self.p95_ms, 1),
            'p99_ms': round(self.p99_ms, 1),
            'max_ms': round(self.max_ms, 1),
            'server_cpu_s': round(self.server_cpu_s, 2),
            'cpu_us_per_delivery': round(self.cpu_us_per_delivery, 1),
            'peak_rss_mb': round(self.peak_rss_mb, 1),
            'generator_cpu_s': round(self.generator_cpu_s, 2),
            'generator_lag_ms': round(self.generator_lag_ms, 1),
        }


async def fanout(server: Server, clients: int, rate: float, messages: int, workers: int, senders: int) -> dict:
    """N receivers and the senders in one room; every message must reach every receiver.

    The receivers are spread evenly over the server's processes and the senders post to
    process 0, so with several app processes a message reaches most tabs through Redis.
    """
    rooms = server.room_urls(ROOM_NAME)
    async with ReceiverPool(rooms, workers, server.tabs) as pool, Network() as network:
        await pool.connect(clients)
        async with Senders(network, rooms[0], senders, server.tabs) as sending:
            await wait_for_subscribers(server, clients + senders)
            await paced_round(server, pool, sending, 'warmup', rate, WARMUP_MESSAGES)
            metrics = await paced_round(server, pool, sending, 'fanout', rate, messages)
    return metrics.row()


async def saturate(server: Server, clients: int, workers: int, senders: int | None) -> dict:
    """Raise the rate step by step at a fixed room size until p99 exceeds 1 s or anything is lost or late.

    A step "holds" when every message reached every receiver, p99 stayed within 1 s and the
    senders kept up with at least 90% of the asked rate. Without `senders`, a step has one
    sender per 50 msg/s (added as the rate grows), so one tab's round trip does not cap the rate.
    Besides the held rate, the p99 and CPU per delivery at that rate go in the table's columns.
    """
    held: RoundMetrics | None = None
    held_rate, steps = 0, []
    (room,) = server.room_urls(ROOM_NAME)
    async with ReceiverPool([room], workers, server.tabs) as pool, Network() as network:
        await pool.connect(clients)
        async with Senders(network, room, senders or 1, server.tabs) as sending:
            for rate in SATURATE_RATES:
                await sending.add(max(0, (senders or math.ceil(rate / 50)) - len(sending.clients)))
                await wait_for_subscribers(server, clients + len(sending.clients))
                await paced_round(server, pool, sending, f'w{rate}', rate, WARMUP_MESSAGES)
                metrics = await paced_round(server, pool, sending, f's{rate}', rate, int(rate * SATURATE_SECONDS))
                ok = metrics.lossless and metrics.p99_ms <= P99_LIMIT_MS and metrics.achieved_rate >= 0.9 * rate
                steps.append(f'{rate}/s {"held" if ok else "missed"}: p99={metrics.p99_ms:.0f}ms '
                             f'sent={metrics.achieved_rate:.0f}/s cpu/delivery={metrics.cpu_us_per_delivery:.0f}us '
                             f'delivered={metrics.delivered}/{metrics.expected} '
                             f'generator_lag={metrics.generator_lag_ms:.0f}ms')  # fmt: skip
                if not ok:
                    break
                held, held_rate = metrics, rate
        status = await pool.status()
    return {
        'held_rate': held_rate,
        'held_p99_ms': round(held.p99_ms, 1) if held else None,
        'held_cpu_us_per_delivery': round(held.cpu_us_per_delivery, 1) if held else None,
        'disconnects': status['disconnects'],
        'steps': ' | '.join(steps),
    }


async def overload(app: AppGroup, clients: int, rate: float, seconds: float, workers: int) -> dict:
    """Post `rate` messages a second for `seconds`, more than the server can deliver: it falls behind, gracefully.

    Nothing may be lost and no socket dropped; latency grows with the backlog, evenly (p50 of
    each quarter of the round, in send order), and the event loop keeps turning: the longest
    it was held up by its own work (`longest_loop_block_ms`) and, with waiting for a CPU on a
    machine the load generator shares, how late it ran (`longest_loop_lag_ms`), from /healthz.
    """
    (room,) = app.room_urls(ROOM_NAME)
    async with ReceiverPool([room], workers, app.tabs) as pool, Network() as network:
        await pool.connect(clients)
        async with Senders(network, room, math.ceil(rate / 50), app.tabs) as sending:
            await wait_for_subscribers(app, clients + len(sending.clients))
            await paced_round(app, pool, sending, 'warmup', 10, WARMUP_MESSAGES)
            started = time.monotonic()
            metrics = await paced_round(app, pool, sending, 'overload', rate, int(rate * seconds))
            lag, busy = await loop_lateness(app, since=started)
    return {
        **metrics.row(),
        'p50_by_quarter_ms': [round(p50, 1) for p50 in metrics.p50_by_quarter_ms],
        'longest_loop_block_ms': max(busy, default=0.0),
        'longest_loop_lag_ms': max(lag, default=0.0),
    }


async def reactions(app: AppGroup, clients: int, rate: float, messages: int, workers: int, reaction_rate: float,
                    edit_rate: float) -> dict:  # fmt: skip
    """Fan-out of `rate` messages a second, then the same again while one more tab adds `reaction_rate` reactions
    and `edit_rate` edits a second to the room's earlier messages: the messages' latency and the server's CPU per
    message delivered should barely move, as a change costs one encoding per process like a message.

    Reactions go to the latest message, as people react, and edits to the changer's own; a change reaches a tab
    under a message id it already shows, so the receivers' count of each round's messages is untouched.
    `cpu_us_per_change_delivery` spreads the second round's CPU over every message and change each tab received;
    `reacted_messages` counts those a tab opened afterwards shows with reactions (the store kept them).
    """
    (room,) = app.room_urls(ROOM_NAME)
    async with ReceiverPool([room], workers, app.tabs) as pool, Network() as network:
        await pool.connect(clients)
        async with Senders(network, room, math.ceil(rate / 50), app.tabs) as sending:
            (changer,) = await open_tabs(network, room)
            await changer.post('to be edited')
            await wait_for_subscribers(app, clients + len(sending.clients) + 1)
            await paced_round(app, pool, sending, 'warmup', rate, WARMUP_MESSAGES)
            await changer.wait_for(lambda: len(changer.bubbles) > WARMUP_MESSAGES, 30)
            quiet = await paced_round(app, pool, sending, 'quiet', rate, messages)
            stop = asyncio.Event()
            changing = asyncio.get_running_loop().create_task(changes(changer, reaction_rate, edit_rate, stop))
            changed = await paced_round(app, pool, sending, 'changed', rate, messages)
            stop.set()
            reacted, edited = await changing
            await changer.close()
        (late,) = await open_tabs(network, room)  # the store kept the changes: a tab opened now shows them
        await late.wait_for(lambda: late.first_page, 30)
        page = late.first_page
        await late.close()
    received = changed.delivered + (reacted + edited) * clients
    return {
        **{f'quiet_{key}': value for key, value in quiet.row().items() if key.endswith('_ms') or key.startswith('cpu')},
        **changed.row(),
        'reactions_sent': reacted,
        'edits_sent': edited,
        'reacted_messages': sum(1 for message in page if message.get('reactions')),
        'cpu_us_per_change_delivery': round(changed.server_cpu_s * 1e6 / received, 1) if received else 0.0,
    }


async def changes(
    client: ProtocolClient, reaction_rate: float, edit_rate: float, stop: asyncio.Event
) -> tuple[int, int]:
    """React to the latest message of another tab `client` shows (the six emoji on in turn, then off) and edit its
    own message, each at its rate, until `stop`; returns how many reactions and edits it sent."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    own = next(bubble.message_id for bubble in client.bubbles.values() if bubble.own)
    emojis = client.reaction_emoji
    reacted = edited = 0
    while not stop.is_set():
        due_reaction, due_edit = start + reacted / reaction_rate, start + edited / edit_rate
        await asyncio.sleep(max(0.0, min(due_reaction, due_edit) - loop.time()))
        if due_reaction <= due_edit:
            latest = max(bubble.message_id for bubble in client.bubbles.values() if not bubble.own)
            on = reacted // len(emojis) % 2 == 0
            await client.change('react', {'id': latest, 'emoji': emojis[reacted % len(emojis)], 'on': on})
            reacted += 1
        else:
            await client.change('edit', {'id': own, 'text': f'edited {edited}'})
            edited += 1
    return reacted, edited


async def loop_lateness(app: AppGroup, since: float) -> tuple[list[float], list[float]]:
    """The app's worst event-loop lateness, and how much of it the loop was running, per second since `since`
    (time.monotonic), from /healthz."""
    seconds = math.ceil(time.monotonic() - since) + 1
    async with httpx.AsyncClient(timeout=10) as http:
        health = (await http.get(f'{app.url}/healthz')).json()
    return health['loop_lag_ms'][-seconds:], health['loop_busy_ms'][-seconds:]


async def resume(app: AppGroup, away: float, messages: int) -> dict:
    """A tab whose network drops for `away` seconds while `messages` arrive in its room, then comes back.

    It must show every one of them, in order, once, in the same page (no reload); how long
    it took from the network's return until it showed the last one is the catch-up time.
    """
    (room,) = app.room_urls(ROOM_NAME)
    loop = asyncio.get_running_loop()
    async with Network() as network, Cable(app.url) as cable:
        (reader,) = await open_tabs(network, cable.url + ROOM)
        async with Senders(network, room, 1, app.tabs) as sending:
            await wait_for_subscribers(app, 2)
            cable.unplug()
            dropped = loop.time()
            sent = await sending.send('away', messages / (0.8 * away), messages)
            await asyncio.sleep(max(0.0, dropped + away - loop.time()))
            cable.plug()
            back = loop.time()

            def shown() -> list[int]:
                """The sequence numbers of the round's messages the tab shows, in its order."""
                by_id = [bubble for _, bubble in sorted(reader.bubbles.items())]
                return [parsed[1] for bubble in by_id if (parsed := parse_stamp(bubble.text))]

            with contextlib.suppress(TimeoutError):  # the result says what is missing
                await reader.wait_for(lambda: len(shown()) >= messages, 60)
            caught_up = loop.time() - back
        await reader.close()
    seqs = shown()
    return {
        'shown': f'{len(set(seqs))}/{messages}',
        'in_order': seqs == sorted(seqs),
        'duplicates': len(seqs) - len(set(seqs)),
        'reloads': reader.loads - 1,
        'failed_sends': sent.failed,
        'away_s': round(back - dropped, 1),
        'catch_up_ms': round(caught_up * 1000, 1),
    }


async def flood(app: AppGroup, clients: int, rate: float, messages: int, workers: int, flood_rate: float) -> dict:
    """Fan-out from well-behaved tabs, first in a quiet room, then while one more tab floods it.

    Every sending tab stays within the app's per-tab limit (one tab per message per second
    of `rate`); the flooder attempts `flood_rate` messages per second without waiting, as
    a script would. The app refuses its excess, so the receivers' latency should barely move.
    Each round gets new tabs, so neither pays for the bubbles the other left in the server's heap.
    """
    senders = math.ceil(rate)
    async with ReceiverPool([app.url + ROOM], workers) as pool, Network() as network:
        quiet, _, _ = await round_with_new_tabs(app, pool, network, clients, senders, 'quiet', rate, messages)
        flooded, attempted, accepted = await round_with_new_tabs(
            app, pool, network, clients, senders, 'flooded', rate, messages, flood_rate
        )
    return {
        **{f'quiet_{key}': value for key, value in quiet.row().items() if key.endswith('_ms')},
        **flooded.row(),
        'flood_attempted': attempted,
        'flood_accepted': accepted,
    }


async def round_with_new_tabs(app: AppGroup, pool: ReceiverPool, network: Network, clients: int, senders: int,
                              tag: str, rate: float, messages: int,
                              flood_rate: float = 0.0) -> tuple[RoundMetrics, int, int]:  # fmt: skip
    """Open the tabs, warm up, measure one round (while one more tab floods, with `flood_rate`), close them all.

    Returns the round's metrics and how many messages the flooder attempted and got through.
    """
    await pool.connect(clients)
    async with Senders(network, app.url + ROOM, senders) as sending:
        flooder = (await open_tabs(network, app.url + ROOM))[0] if flood_rate else None
        await wait_for_subscribers(app, clients + senders + (flooder is not None))
        await paced_round(app, pool, sending, f'{tag}-warmup', rate, WARMUP_MESSAGES)
        stop = asyncio.Event()
        attempts = asyncio.get_running_loop().create_task(flooding(flooder, flood_rate, stop)) if flooder else None
        metrics = await paced_round(app, pool, sending, tag, rate, messages)
        stop.set()
        attempted = await attempts if attempts is not None else 0
        if flooder is not None:
            await flooder.close()
    accepted = sum(1 for bubble in flooder.bubbles.values() if bubble.own) if flooder is not None else 0
    await pool.disconnect()
    await wait_for_subscribers(app, 0, timeout=60)
    return metrics, attempted, accepted


async def flooding(client: ProtocolClient, rate: float, stop: asyncio.Event) -> int:
    """Post `rate` messages per second from `client` until `stop`, never waiting for one to show; returns how many."""
    loop = asyncio.get_running_loop()
    start, seq = loop.time(), 0
    while not stop.is_set():
        await asyncio.sleep(max(0.0, start + seq / rate - loop.time()))
        await client.post(stamp('flood', seq))
        seq += 1
    return seq


async def idle_memory(app: AppGroup, levels: list[int], workers: int) -> dict:
    """Server RSS per connected idle tab, each showing the room's 50 messages of history.

    The baseline is taken with one tab open, so the first page's one-off costs (templates,
    imports on first use) are not charged to the clients.
    """
    metrics: dict[str, Any] = {}
    async with ReceiverPool([app.url + ROOM], workers) as pool, Network() as network:
        (first,) = await open_tabs(network, app.url + ROOM, history=HISTORY_SHOWN)
        await wait_for_subscribers(app, 1)
        baseline = await settled_rss(app)
        metrics['baseline_rss_mb'] = round(baseline, 1)
        connected = 0
        for level in sorted(levels):
            connected = await pool.connect(level - connected, history=HISTORY_SHOWN)
            await wait_for_subscribers(app, connected + 1)
            rss = await settled_rss(app)
            metrics[f'rss_mb_at_{level}'] = round(rss, 1)
            metrics[f'mb_per_client_at_{level}'] = round((rss - baseline) / level, 3)
        status = await pool.status()
        await first.close()
    metrics |= {'disconnects': status['disconnects'], 'reloads': status['reloads']}
    return metrics


async def churn(app: AppGroup, clients: int, batch: int, workers: int) -> dict:
    """Tabs come in batches, each receives one message and leaves; afterwards nothing of them may remain.

    The RSS to come back to is taken after one unmeasured batch came and went: Python's
    allocator keeps the high-water mark of the largest batch, and what matters is whether
    more clients keep adding to it. The cold RSS is reported too.
    """
    async with ReceiverPool([app.url + ROOM], workers) as pool, Network() as network:
        async with Senders(network, app.url + ROOM, 1) as sending:
            await wait_for_subscribers(app, 1)
            cold = await settled_rss(app)
            await churn_batch(app, pool, sending, batch, 'warmup')
            before = await settled_rss(app)
            reports = [await churn_batch(app, pool, sending, min(batch, clients - start), f'c{start}')
                       for start in range(0, clients, batch)]  # fmt: skip
            left_with_sender = await wait_for_subscribers(app, 1, timeout=60, strict=False)
            after = await settled_rss(app)
        left = await wait_for_subscribers(app, 0, timeout=60, strict=False)
    total = RoundReport.merge(reports)
    return {
        'delivered': f'{total.delivered}/{total.expected}',
        'rss_cold_mb': round(cold, 1),
        'rss_before_mb': round(before, 1),
        'rss_after_mb': round(after, 1),
        'rss_growth_pct': round(100 * (after - before) / before, 1),
        'subscribers_after_churn': left_with_sender - 1,
        'subscribers_left': left,
        'disconnects': total.disconnects,
        'reloads': total.reloads,
    }


async def churn_batch(app: AppGroup, pool: ReceiverPool, sending: Senders, size: int, tag: str) -> RoundReport:
    """`size` tabs open, get one message, close; returns once the server deleted their clients."""
    await pool.connect(size)
    await wait_for_subscribers(app, size + 1)
    await pool.expect(tag, 1)
    await sending.send(tag, 1, 1)
    report = await pool.collect(grace=30)
    await pool.disconnect()
    await wait_for_subscribers(app, 1, timeout=60)
    return report


async def page_load(app: AppGroup, loads: int) -> dict:
    """Open the big room `loads` times as new browsers: page GET, socket, until the 50 latest bubbles show.

    One load before the measured ones warms the server (templates, first query), as any
    long-running server is warm.
    """
    async with Network() as network:
        timings = [await timed_load(network, app.url + BIG_ROOM) for _ in range(loads + 1)][1:]
    totals, pages = [total for total, _ in timings], [page for _, page in timings]
    return {
        'load_p50_ms': round(percentile(totals, 0.5), 1),
        'load_p95_ms': round(percentile(totals, 0.95), 1),
        'load_max_ms': round(max(totals), 1),
        'page_and_connect_p50_ms': round(percentile(pages, 0.5), 1),
    }


async def rooms_page(app: AppGroup, loads: int, depth: int) -> dict:
    """GET `/rooms` `loads` times each: the first page, the page `depth` pages back (reached as a reader would,
    through each page's "Older rooms" link), and the searches of `ROOM_SEARCHES`; and the loop's longest block
    meanwhile. One load of each before the measured ones warms the server.
    """
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=app.url, timeout=60) as http:
        deep, reached = '/rooms', 1
        while reached < depth and (older := OLDER_ROOMS.search((await http.get(deep)).text)):
            deep, reached = html.unescape(older.group(0)), reached + 1
        paths = {'first': '/rooms', 'deep': deep} | {kind: f'/rooms?q={q}' for kind, q in ROOM_SEARCHES.items()}
        timings = {kind: [await timed_get(http, path) for _ in range(loads + 1)][1:] for kind, path in paths.items()}
    lag, busy = await loop_lateness(app, since=started)
    metrics: dict[str, Any] = {'deep_page': reached}
    for kind, times in timings.items():
        metrics |= {
            f'{kind}_p50_ms': round(percentile(times, 0.5), 1),
            f'{kind}_p99_ms': round(percentile(times, 0.99), 1),
        }
    return metrics | {'longest_loop_block_ms': max(busy, default=0.0), 'longest_loop_lag_ms': max(lag, default=0.0)}


async def timed_get(http: httpx.AsyncClient, path: str) -> float:
    """Milliseconds until the whole page arrived; a page that is not 200 stops the run."""
    started = time.perf_counter()
    response = await http.get(path)
    response.raise_for_status()
    return (time.perf_counter() - started) * 1000


def seed(db: Path, room: str, count: int) -> None:
    """Write `count` messages into a new database before the app starts, in one transaction.

    The schema is created by the app's own backend, so the rows are exactly what the app
    would have written (the room summary included, through the backend's trigger).
    """
    from chat.stores.messages import Retention  # here, so that only seeding imports the app's code
    from chat.stores.messages.sqlite import SQLiteBackend

    async def create_schema() -> None:
        backend = SQLiteBackend(db, Retention(keep_messages=0))  # the seeded room keeps all `count` messages
        await backend.start(lambda _: None)
        await backend.stop()

    asyncio.run(create_schema())
    now = time.time()
    rows = ((room, f'seed-{i % 7}', f'Seeder {i % 7}', f'history message {i}', now - (count - i)) for i in range(count))
    with contextlib.closing(sqlite3.connect(db)) as connection, connection:
        connection.executemany(
            'INSERT INTO messages (room, author_id, author_name, text, sent_at) VALUES (?, ?, ?, ?, ?)', rows
        )


async def attacks(app: AppGroup, clients: int, rate: float, messages: int, workers: int, connections: int) -> dict:
    """Fan-out from well-behaved tabs, quiet, then while one other address runs each connection attack in turn.

    The attacker keeps `connections` connections of one kind open at once, each reopened a second after the
    app ends it: request headers without end, connections that send nothing, Engine.IO sockets with no page
    that answer every ping. The app caps what one address holds, so the tabs' latency should barely move.
    """
    (room,) = app.room_urls(ROOM_NAME)
    row: dict[str, Any] = {}
    async with ReceiverPool([room], workers, app.tabs) as pool, Network() as network:
        await pool.connect(clients)
        async with Senders(network, room, math.ceil(rate / 50), app.tabs) as sending:
            await wait_for_subscribers(app, clients + len(sending.clients))
            await paced_round(app, pool, sending, 'warmup', rate, WARMUP_MESSAGES)
            row |= attack_row('quiet', await paced_round(app, pool, sending, 'quiet', rate, messages))
            for name, hold in CONNECTION_ATTACKS.items():
                async with attacking(hold, app.url, ATTACKER, connections) as attack:
                    row |= attack_row(name, await paced_round(app, pool, sending, name, rate, messages))
                    row |= {f'{name}_held': attack.open_now, f'{name}_ended': attack.tried}
    return row


def attack_row(name: str, metrics: RoundMetrics) -> dict[str, Any]:
    """What the well-behaved tabs got in one round of `attacks`, each key prefixed with the round's name."""
    shown = ('delivered', 'disconnects', 'p50_ms', 'p99_ms', 'max_ms')
    return {f'{name}_{key}': value for key, value in metrics.row().items() if key in shown}


async def paced_round(server: Server, pool: ReceiverPool, senders: Senders, tag: str, rate: float,
                      messages: int) -> RoundMetrics:  # fmt: skip
    """Send `messages` at `rate` and wait until every receiver showed them (or 30 s after the last one)."""
    await pool.expect(tag, messages)
    server_cpu, own_cpu = server.cpu_seconds(), time.process_time()
    async with sampling_rss(server):
        sent: SendReport = await senders.send(tag, rate, messages)
        report: RoundReport = await pool.collect(grace=30)
    server_cpu = server.cpu_seconds() - server_cpu
    latencies = report.latencies_ms
    return RoundMetrics(
        achieved_rate=sent.rate,
        failed_sends=sent.failed,
        delivered=report.delivered,
        expected=report.expected,
        duplicates=report.duplicates,
        disconnects=report.disconnects,
        reloads=report.reloads,
        generator_lag_ms=report.max_lag_ms,
        p50_ms=percentile(latencies, 0.5),
        p95_ms=percentile(latencies, 0.95),
        p99_ms=percentile(latencies, 0.99),
        max_ms=max(latencies, default=0.0),
        server_cpu_s=server_cpu,
        cpu_us_per_delivery=server_cpu * 1e6 / report.delivered if report.delivered else 0.0,
        peak_rss_mb=server.peak_rss_mb,
        generator_cpu_s=report.cpu_seconds + time.process_time() - own_cpu,
        p50_by_quarter_ms=p50_by_quarter(report, messages),
    )


def p50_by_quarter(report: RoundReport, messages: int) -> list[float]:
    """The median latency of the messages sent in each quarter of a round: how it moved as the round went on."""
    quarters: list[list[float]] = [[], [], [], []]
    for sequence, latency in zip(report.sequences, report.latencies_ms, strict=True):
        quarters[min(3, 4 * sequence // max(1, messages))].append(latency)
    return [percentile(quarter, 0.5) if quarter else 0.0 for quarter in quarters]


async def timed_load(network: Network, url: str) -> tuple[float, float]:
    """Milliseconds from GET until the history shows, and until the socket was accepted."""
    started = time.perf_counter()
    client = ProtocolClient(Browser(network), url)
    await client.open()
    connected = time.perf_counter()
    await client.wait_for(lambda: len(client.bubbles) >= HISTORY_SHOWN, 60)
    shown = time.perf_counter()
    await client.close()
    return (shown - started) * 1000, (connected - started) * 1000


async def wait_for_subscribers(server: Server, count: int, timeout: float = 120, strict: bool = True) -> int:
    """Poll the server until it reports `count` subscribers; returns the last count. Raises on timeout if `strict`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with httpx.AsyncClient(timeout=10) as http:
        while True:
            subscribers = await server.subscribers(http)
            if subscribers == count:
                return subscribers
            if loop.time() > deadline:
                if strict:
                    raise TimeoutError(f'/healthz reports {subscribers} subscribers, expected {count}')
                return subscribers
            await asyncio.sleep(0.1)


async def settled_rss(server: Server, timeout: float = 15) -> float:
    """The server's RSS once it stopped moving (two samples 0.5 s apart within 0.5%), or after `timeout` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    previous = server.rss_mb()
    while loop.time() < deadline:
        await asyncio.sleep(0.5)
        current = server.rss_mb()
        if abs(current - previous) <= 0.005 * previous:
            return current
        previous = current
    return previous


@contextlib.asynccontextmanager
async def sampling_rss(server: Server, every: float = 0.2) -> AsyncIterator[None]:
    """Sample the server's RSS (summed over the group) in the background, so `server.peak_rss_mb` sees the peak."""
    stop = asyncio.Event()

    async def sample() -> None:
        while not stop.is_set():
            server.rss_mb()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)

    task = asyncio.create_task(sample())
    try:
        yield
    finally:
        stop.set()
        await task
