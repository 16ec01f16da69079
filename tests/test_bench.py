"""The protocol client (the load generator's tabs) against real Chromium, the bench scenarios end to end, against our
app and the comparison servers, and how their results are judged and shown."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from bench.results import comparison, verdicts
from tests.support.app_process import ROOT, AppProcess
from tests.support.browser import open_room, type_and_enter, wait_for_bubbles
from tests.support.environment import require_redis_server
from tests.support.protocol import Browser, Network, ProtocolClient

RECORD_EMITS = """
    window.sentEvents = [];
    const emit = window.socket.emit.bind(window.socket);
    window.socket.emit = (name, ...args) => {
        if (name === 'event') window.sentEvents.push(JSON.parse(JSON.stringify(args[0])));
        return emit(name, ...args);
    };
"""


COMPOSER_LISTENERS = """
    const [id, input] = Object.entries(mounted_app.elements).find(([_, e]) => e.props?.['aria-label'] === 'Message');
    return [Number(id), Object.fromEntries(input.events.map(e => [e.listener_id, [e.type, ...e.keys].join('.')]))];
"""


def typing(events: list[dict], input_id: int, listeners: dict[str, str], typed: str) -> list[tuple[str, object]]:
    """(event, argument) for each event of the message input, the typed text written as '<typed>'.

    Chromium emits the input's value on every keystroke, the protocol client once per
    message, as a paste would; a run of values collapses into its last one, which is what
    the server has when Enter arrives. A KeyboardEvent argument becomes its sorted fields.
    """
    steps: list[tuple[str, object]] = []
    for event in events:
        if event['id'] != input_id:
            continue
        name, value = listeners[event['listener_id']], json.loads(event['args'][0])
        value = sorted(value) if isinstance(value, dict) else '<typed>' if value == typed else value
        if steps and name == steps[-1][0] == 'update:value':
            steps.pop()
        steps.append((name, value))
    return steps


@pytest.mark.browser
async def test_the_protocol_client_chats_with_chromium_and_emits_what_chromium_emits(
    chat_server: AppProcess, browser, network: Network
) -> None:
    driver: WebDriver = browser()
    await asyncio.to_thread(open_room, driver, chat_server, '/room/protocol')
    driver.execute_script(RECORD_EMITS)
    client = ProtocolClient(Browser(network), f'{chat_server.url}/room/protocol')
    await client.open()
    emitted: list[dict] = []
    emit = client.socket.emit

    async def record(name: str, data: dict | None = None, **kwargs: object) -> None:
        if name == 'event':
            emitted.append(json.loads(json.dumps(data)))
        await emit(name, data, **kwargs)

    client.socket.emit = record  # type: ignore[method-assign]

    await client.post('Hello from the protocol client')
    await client.wait_for(lambda: client.composer_text() == '' and client.bubbles, timeout=10)
    assert [(b.text, b.own) for b in client.bubbles.values()] == [('Hello from the protocol client', True)]
    assert await asyncio.to_thread(wait_for_bubbles, driver, 1, 10) == [
        ('Hello from the protocol client', 'received-message')
    ]

    await asyncio.to_thread(type_and_enter, driver, 'Hello from Chromium')
    await client.wait_for(lambda: len(client.bubbles) == 2, timeout=10)
    assert [(b.text, b.own) for b in client.bubbles.values()][1] == ('Hello from Chromium', False)
    assert await asyncio.to_thread(wait_for_bubbles, driver, 2, 10) == [
        ('Hello from the protocol client', 'received-message'),
        ('Hello from Chromium', 'sent-message'),
    ]

    cleared = 'return window.sentEvents.some(e => e.args[0] === \'""\')'
    await asyncio.to_thread(WebDriverWait(driver, 10).until, lambda d: d.execute_script(cleared))
    input_id, listeners = driver.execute_script(COMPOSER_LISTENERS)
    chromium = typing(driver.execute_script('return window.sentEvents'), input_id, listeners, 'Hello from Chromium')
    own = {e['listener_id']: '.'.join([e['type'], *e['keys']]) for e in client.elements[str(input_id)]['events']}
    protocol = typing(emitted, input_id, own, 'Hello from the protocol client')
    assert [name for name, _ in chromium] == ['update:value', 'keydown.enter', 'update:value']
    assert chromium[0][1] == '<typed>' and chromium[2][1] == ''
    assert protocol == chromium, 'the same events with the same arguments, into the same element'
    assert {event['client_id'] for event in emitted} == {client.client_id}
    await client.close()


def bench_runs(tmp_path: Path, *arguments: str) -> tuple[list[dict], str]:
    """Run `python -m bench` as a user would; the results it appended, and what it printed."""
    results = tmp_path / 'results.jsonl'
    command = [sys.executable, '-m', 'bench', *arguments, '--results', str(results)]
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    return [json.loads(line) for line in results.read_text().splitlines()], completed.stdout


def bench(tmp_path: Path, *arguments: str) -> dict:
    """Run `python -m bench` for one run and return its result."""
    (row,), _ = bench_runs(tmp_path, *arguments)
    return row


def test_fanout_delivers_every_message_to_every_client(tmp_path: Path) -> None:
    row = bench(tmp_path, 'fanout', '--servers', 'app', '--clients', '3', '--messages', '5', '--rate', '20')
    assert row['parameters']['server'] == 'app'
    assert row['parameters']['clients'] == 3
    assert row['metrics']['delivered'] == '15/15'
    assert row['metrics']['delivered_pct'] == 100
    assert row['metrics']['failed_sends'] == row['metrics']['duplicates'] == row['metrics']['disconnects'] == 0


def test_fanout_over_two_processes_delivers_through_redis(tmp_path: Path) -> None:
    """Receivers on both processes, the sender on process 0: half the tabs get each message only through Redis."""
    require_redis_server()
    arguments = ('--servers', 'app', '--clients', '4', '--messages', '5', '--rate', '20', '--processes', '2')
    row = bench(tmp_path, 'fanout', *arguments)
    assert row['parameters']['processes'] == 2
    assert row['parameters']['workers'] == 2
    assert row['metrics']['delivered'] == '20/20'
    assert row['metrics']['failed_sends'] == row['metrics']['duplicates'] == row['metrics']['disconnects'] == 0


@pytest.mark.parametrize('server', ['channels', 'floor'])
def test_fanout_on_a_comparison_server_delivers_every_message_to_every_client(tmp_path: Path, server: str) -> None:
    row = bench(tmp_path, 'fanout', '--servers', server, '--clients', '5', '--messages', '10', '--rate', '20')
    assert row['parameters']['server'] == server
    assert row['parameters']['processes'] == 1
    assert row['metrics']['delivered'] == '50/50'
    assert row['metrics']['delivered_pct'] == 100
    assert row['metrics']['failed_sends'] == row['metrics']['duplicates'] == row['metrics']['disconnects'] == 0
    assert row['metrics']['peak_rss_mb'] > 0, "measured from the server's own process"


def test_the_servers_of_one_fanout_show_side_by_side_and_only_our_app_is_judged() -> None:
    metrics = {'delivered_pct': 100.0, 'p99_ms': 40.0, 'cpu_us_per_delivery': 50.0, 'disconnects': 0}
    rows = [
        {'scenario': 'fanout', 'parameters': {'server': server, 'clients': 100, 'processes': processes},
         'metrics': metrics | {'p99_ms': p99}}
        for server, processes, p99 in (('app', 2, 40.0), ('channels', 1, 9.5), ('floor', 1, 1.25))
    ]  # fmt: skip
    title, header, *lines = comparison(rows).splitlines()
    assert title == 'fanout clients=100'
    assert header.split() == ['server', 'delivered_pct', 'p99_ms', 'cpu_us_per_delivery', 'disconnects']
    assert [line.split() for line in lines] == [
        ['app', 'x2', '100', '40', '50', '0'],
        ['channels', '100', '9.5', '50', '0'],
        ['floor', '100', '1.25', '50', '0'],
    ]
    assert [line.split(':')[0] for line in verdicts(rows)] == [
        'ok   fanout clients=100 processes=2',
        'MISS fanout clients=100 processes=2',
        'ok   fanout clients=100 processes=2',
    ], "delivered, p99 and CPU per delivery of our app's row; none of the comparisons'"
    assert comparison(rows[:1]) == '', 'a server alone is no comparison'


def test_flood_holds_the_flooder_to_its_limit_while_everyone_else_gets_everything(tmp_path: Path) -> None:
    row = bench(tmp_path, 'flood', '--clients', '3', '--messages', '6', '--rate', '2', '--flood-rate', '50')
    metrics = row['metrics']
    assert metrics['delivered'] == '18/18' and metrics['failed_sends'] == 0
    assert {'quiet_p99_ms', 'p99_ms'} <= set(metrics)
    assert 5 <= metrics['flood_accepted'] < metrics['flood_attempted'] / 5, 'the burst, then about one a second'


def test_attacks_measure_the_tabs_while_the_attacker_is_held_to_its_connection_cap(tmp_path: Path) -> None:
    cap, attempted = 10, 30
    row = bench(tmp_path, 'attacks', '--clients', '3', '--messages', '6', '--rate', '2',
                '--connections', str(attempted), '--app-env', f'CHAT_CONNECTIONS_PER_IP={cap}')  # fmt: skip
    metrics = row['metrics']
    for name in ('quiet', 'headers', 'idle_http', 'pageless_sockets'):
        assert metrics[f'{name}_delivered'] == '18/18' and metrics[f'{name}_disconnects'] == 0, name
        assert f'{name}_p99_ms' in metrics
    for name in ('idle_http', 'pageless_sockets'):
        assert metrics[f'{name}_held'] <= cap + 5, 'a few may be between accepted and ended'
        assert metrics[f'{name}_ended'] >= attempted - cap, 'the rest were ended at once'


def test_overload_delivers_everything_and_reports_how_the_loop_kept_up(tmp_path: Path) -> None:
    row = bench(tmp_path, 'overload', '--clients', '3', '--rate', '40', '--seconds', '1')
    metrics = row['metrics']
    assert metrics['delivered'] == '120/120' and metrics['disconnects'] == 0
    assert len(metrics['p50_by_quarter_ms']) == 4
    assert 0 <= metrics['longest_loop_block_ms'] <= metrics['longest_loop_lag_ms']


def test_a_tab_back_from_a_network_drop_shows_what_it_missed_once_in_order_without_reloading(tmp_path: Path) -> None:
    row = bench(tmp_path, 'resume', '--away', '4', '--messages', '60')
    assert row['metrics'] | {'catch_up_ms': 0, 'away_s': 0} == {
        'shown': '60/60', 'in_order': True, 'duplicates': 0, 'reloads': 0, 'failed_sends': 0,
        'catch_up_ms': 0, 'away_s': 0,
    }  # fmt: skip
    assert row['metrics']['away_s'] >= 4


def test_churn_leaves_no_subscriber_behind(tmp_path: Path) -> None:
    row = bench(tmp_path, 'churn', '--clients', '4', '--batch', '2')
    assert row['metrics']['delivered'] == '4/4'
    assert row['metrics']['subscribers_after_churn'] == row['metrics']['subscribers_left'] == 0


def test_page_load_opens_a_seeded_room_with_its_latest_page(tmp_path: Path) -> None:
    row = bench(tmp_path, 'page-load', '--messages', '300', '--loads', '2')
    assert row['parameters'] == {'messages': 300, 'loads': 2}
    assert set(row['metrics']) >= {'load_p50_ms', 'load_p95_ms'}


def test_rooms_page_times_the_first_a_deep_and_a_searched_page_and_the_loop(tmp_path: Path) -> None:
    row = bench(tmp_path, 'rooms-page', '--rooms', '300', '--loads', '2', '--depth', '4')
    metrics = row['metrics']
    assert row['parameters'] == {'rooms': 300, 'loads': 2, 'depth': 4}
    assert metrics['deep_page'] == 4, 'reached through three "Older rooms" links'
    for kind in ('first', 'deep', 'search', 'search_all'):
        assert 0 < metrics[f'{kind}_p50_ms'] <= metrics[f'{kind}_p99_ms']
    assert 0 <= metrics['longest_loop_block_ms'] <= metrics['longest_loop_lag_ms']


def test_reactions_compares_a_fanout_with_the_same_while_one_tab_reacts_and_edits(tmp_path: Path) -> None:
    row = bench(tmp_path, 'reactions', '--clients', '3', '--messages', '20', '--rate', '10', '--reaction-rate', '10')
    metrics = row['metrics']
    assert metrics['delivered'] == '60/60' and metrics['duplicates'] == 0 and metrics['failed_sends'] == 0
    assert metrics['reactions_sent'] >= 10 and metrics['edits_sent'] >= 1
    assert metrics['reacted_messages'] >= 1, 'the store kept the reactions'
    assert metrics['quiet_p99_ms'] > 0 and metrics['cpu_us_per_change_delivery'] > 0
