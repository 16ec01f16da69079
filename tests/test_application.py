"""The assembled server as its operator and a proxy see it: where it says it serves, client addresses from a
trusted proxy's X-Forwarded-For, what one address may store, and what the store keeps across a restart."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from tests.support.app_process import AppProcess
from tests.support.protocol import Browser, Network, ProtocolClient
from tests.support.tabs import close_tabs
from tests.support.waiting import wait_for

NOTICE = 'already has 2 chat tabs open'


def open_page(server: AppProcess, forwarded_for: str) -> str:
    headers = {'X-Forwarded-For': forwarded_for, 'Accept': 'text/html'}
    response = httpx.get(f'{server.url}/room/proxied', headers=headers, timeout=10)
    response.raise_for_status()
    return response.text


@pytest.mark.settings(tabs_per_ip=2)
def test_behind_a_local_proxy_each_client_address_has_its_own_tab_limit(chat_server: AppProcess) -> None:
    """The tests' requests come from 127.0.0.1, the address uvicorn trusts by default, like an nginx in front."""
    assert [NOTICE in open_page(chat_server, '203.0.113.7') for _ in range(3)] == [False, False, True]
    assert NOTICE not in open_page(chat_server, '198.51.100.23'), 'another client behind the same proxy'


def test_the_app_says_on_stdout_where_it_serves(chat_server: AppProcess) -> None:
    announced = ['Chat ready on:', f'  {chat_server.url}/', 'Native window: off (start with --native to open one)']
    wait_for(lambda: chat_server.output().splitlines() == announced, message='the announcement')


@contextlib.asynccontextmanager
async def tabs_from(network: Network, url: str, *addresses: str) -> AsyncIterator[list[ProtocolClient]]:
    """One tab per client address, each in its own browser, behind the local proxy the tests' requests come from."""
    tabs = []
    for address in addresses:
        browser = Browser(network)
        browser.http.headers['X-Forwarded-For'] = address
        tabs.append(ProtocolClient(browser, url))
    try:
        for tab in tabs:
            await tab.open(timeout=30)
        yield tabs
    finally:
        await close_tabs(tabs)


def texts(tab: ProtocolClient) -> list[str]:
    return [bubble.text for _, bubble in sorted(tab.bubbles.items())]


@pytest.mark.settings(ip_storage_per_day=8000, message_burst=0, ip_message_burst=0)
async def test_an_address_past_its_storage_budget_is_refused_with_its_text_kept_and_others_post_on(
    chat_server: AppProcess, network: Network
) -> None:
    async with tabs_from(network, f'{chat_server.url}/room/budget', '203.0.113.7', '198.51.100.23') as tabs:
        hoarder, neighbour = tabs
        for index in range(4):  # 4 times 2000 bytes: the whole day's budget
            await hoarder.post(str(index) * 2000)
            await hoarder.wait_for(lambda index=index: len(hoarder.bubbles) == index + 1, timeout=10)
        await hoarder.post('one more')
        refusal = 'Your network address may store 8 kB of messages a day, and this one would pass that.'
        await hoarder.wait_for(lambda: (hoarder.composer_error() or '').startswith(refusal), timeout=10)
        assert hoarder.composer_text() == 'one more', 'the typed text stays in the input'
        await neighbour.post('still here')
        await neighbour.wait_for(lambda: 'still here' in texts(neighbour), timeout=10)
        await hoarder.wait_for(lambda: 'still here' in texts(hoarder), timeout=10)
        assert 'one more' not in texts(hoarder) + texts(neighbour)
    assert 'event=message_not_posted room=budget reason=over_budget ip=203.0.113.7' in chat_server.log()


async def rooms_page(server: AppProcess) -> str:
    async with httpx.AsyncClient(timeout=10) as http:
        return (await http.get(f'{server.url}/rooms')).text


@pytest.mark.settings(keep_messages=3)
async def test_a_room_keeps_only_its_newest_messages_across_a_restart(
    start_server: Callable[..., AppProcess], chat_env: Path, network: Network
) -> None:
    server = start_server(chat_env)
    async with tabs_from(network, f'{server.url}/room/kept', '203.0.113.7') as (tab,):
        for index in range(5):
            await tab.post(f'message {index}')
        await tab.wait_for(lambda: len(tab.bubbles) == 5, timeout=10)
    assert '3 messages' in await rooms_page(server)
    server.stop()

    restarted = start_server(chat_env, '--keep-messages', '2')  # lowered: the pass at start trims the quiet room
    deadline = asyncio.get_running_loop().time() + 10
    while '2 messages' not in await rooms_page(restarted):
        assert asyncio.get_running_loop().time() < deadline, 'the room was not trimmed to the lowered count'
        await asyncio.sleep(0.1)
    async with tabs_from(network, f'{restarted.url}/room/kept', '203.0.113.7') as (tab,):
        await tab.wait_for(lambda: len(tab.bubbles) >= 2, timeout=10)
        assert texts(tab) == ['message 3', 'message 4']
