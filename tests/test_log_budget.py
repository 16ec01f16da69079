"""What one network address can make the server write to its log: a budget of lines per address, whatever
page, socket or request they come from."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from chat.log_budget import LogBudget
from chat.logs import LogfmtFormatter, log_event
from tests.support.app_process import AppProcess
from tests.support.protocol import Browser, Network, ProtocolClient
from tests.support.waiting import wait_for

ROOM = '/room/budget'
ATTACKER = '127.0.0.1'
OTHER = '203.0.113.7'  # another address, through the X-Forwarded-For uvicorn trusts from 127.0.0.1
ATTACK_SECONDS = 5
REPORT = 'e' * 2000  # a long JavaScript error, as a script would send it
LOG_BOUND = 40_000  # bytes: the burst of cut lines and a summary, with room to spare
LOG = logging.getLogger('chat.test_log_budget')


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@contextlib.contextmanager
def passing(budget: LogBudget) -> Iterator[list[str]]:
    """The lines the chat's loggers write through a handler that `budget` filters, as the app's stderr handler is."""
    lines: list[str] = []
    handler = logging.Handler()
    handler.addFilter(budget)
    handler.setFormatter(LogfmtFormatter())
    handler.emit = lambda record: lines.append(handler.format(record))  # type: ignore[method-assign]
    chat = logging.getLogger('chat')
    chat.addHandler(handler)
    try:
        yield lines
    finally:
        chat.removeHandler(handler)


def report_from(ip: str | None, count: int = 1) -> None:
    for _ in range(count):
        log_event(LOG, logging.WARNING, 'browser_log', ip=ip, message='oops')


def test_an_address_gets_a_burst_then_a_line_now_and_then_and_others_keep_theirs() -> None:
    clock = Clock()
    with passing(LogBudget(burst=3, per_second=0.1, clock=clock)) as lines:
        report_from(ATTACKER, 50)
        assert len(lines) == 3
        report_from(OTHER, 2)
        assert len(lines) == 5, 'another address has its own budget'
        clock.now += 10
        report_from(ATTACKER, 50)
        assert len(lines) == 6, 'one more line after ten seconds'
        report_from(None, 100)
        assert len(lines) == 106, 'lines that name no address are not counted'


def test_what_was_dropped_is_summed_up_in_one_line_per_address() -> None:
    budget = LogBudget(burst=1, per_second=0.1, clock=Clock())
    with passing(budget) as lines:
        report_from(ATTACKER, 40)
        report_from(OTHER, 3)
        budget.report()
        budget.report()
    assert [line.split(' event=')[1] for line in lines if 'event=log_suppressed' in line] == [
        f'log_suppressed ip={ATTACKER} dropped=39',
        f'log_suppressed ip={OTHER} dropped=2',
    ]


def test_the_budget_remembers_a_bounded_number_of_addresses() -> None:
    budget = LogBudget(burst=1, per_second=0.1, addresses=100, clock=Clock())
    with passing(budget) as lines:
        for number in range(10_000):
            report_from(f'10.0.{number // 256}.{number % 256}')
    assert len(budget) == 100
    assert len(lines) == 10_000, 'a forgotten address starts again with a full budget'


async def reload_and_report(network: Network, url: str, text: str, seconds: float) -> int:
    """One address loads the page again and again, four at a time, and each page's socket sends error reports."""
    deadline = time.monotonic() + seconds
    sent = 0

    async def page_after_page() -> None:
        nonlocal sent
        while time.monotonic() < deadline:
            tab = ProtocolClient(Browser(network), url)
            await tab.open()
            for _ in range(20):
                await tab.socket.emit('log', {'client_id': tab.client_id, 'level': 'error', 'message': text})
            sent += 20
            await tab.close()

    await asyncio.gather(*(page_after_page() for _ in range(4)))
    return sent


@pytest.mark.settings(tabs_per_ip=0)  # the reloads are the attack here, not the tab limit
async def test_an_address_reloading_and_reporting_errors_from_many_sockets_logs_a_bounded_amount(
    start_server: Callable[..., AppProcess], chat_env: Path, network: Network
) -> None:
    server = start_server(chat_env)
    before = len(server.log())
    sent = await reload_and_report(network, server.url + ROOM, f'scripted {uuid.uuid4().hex} {REPORT}', ATTACK_SECONDS)

    browser = Browser(network)
    browser.http.headers['X-Forwarded-For'] = OTHER
    other = ProtocolClient(browser, server.url + ROOM)
    await other.open()
    marker = f'a real error {uuid.uuid4().hex}'
    await other.socket.emit('log', {'client_id': other.client_id, 'level': 'error', 'message': marker})
    await asyncio.to_thread(wait_for, lambda: marker in server.log(), 10, "the other address's report")
    await other.close()
    grown = len(server.log()) - before
    assert sent >= 200 and grown < LOG_BOUND, f'{sent} reports made the log grow by {grown} bytes'
    assert f'event=browser_log ip={OTHER} message="{marker}"' in server.log()
    summary = f'event=log_suppressed ip={ATTACKER} dropped='
    await asyncio.to_thread(wait_for, lambda: summary in server.log(), 20, 'a summary of what was dropped')
