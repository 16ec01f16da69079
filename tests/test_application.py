"""The assembled server as its operator and a proxy see it: where it says it serves, and client addresses from a
trusted proxy's X-Forwarded-For."""

from __future__ import annotations

import httpx
import pytest

from tests.support.app_process import AppProcess
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
