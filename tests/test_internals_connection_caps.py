"""Per-address connection caps against a real `app.py` with few file descriptors to spare: one address that
holds as many connections as it can (endless headers, idle HTTP, Engine.IO sockets answering pings) leaves
another address its chat, and what a trusted proxy forwards counts per client."""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import uuid
from collections.abc import Callable

import pytest

from tests.support.app_process import AppProcess
from tests.support.connection_attacks import Hold, attacking, endless_headers, idle_http, pageless_engine_io
from tests.support.protocol import Network, ProtocolClient
from tests.support.raw_socket import RawSocket
from tests.support.tabs import open_tabs

CAP = 20
ATTACKER = '127.0.0.2'  # loopback addresses other than 127.0.0.1, which uvicorn trusts as a proxy
OTHER = '127.0.0.3'
ATTEMPTS = 150  # connections the attacker keeps trying to hold
SPARE_FILES = 100  # descriptors the server may open beyond those it has once started: fewer than ATTEMPTS
TAB_TIMEOUT = 15.0
ROOM = '/room/caps'
REFUSED = 'event=connections_refused'

pytestmark = pytest.mark.settings(connections_per_ip=CAP)


def leave_few_descriptors(server: AppProcess) -> None:
    """Lower the server's limit of open files (soft and hard, so it cannot raise it back) to what it uses plus a few."""
    in_use = len(os.listdir(f'/proc/{server.pid}/fd'))
    resource.prlimit(server.pid, resource.RLIMIT_NOFILE, (in_use + SPARE_FILES, in_use + SPARE_FILES))


async def wait_until(condition: Callable[[], bool], timeout: float, message: str) -> None:
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f'timed out after {timeout} s waiting for {message}') from None


async def chat_from(source: str, url: str) -> None:
    """Two tabs from `source` open the room, and a message from one reaches the other."""
    async with Network(source) as network, open_tabs(network, url, count=2, timeout=TAB_TIMEOUT) as (alice, bob):
        text = f'hello {uuid.uuid4().hex[:8]}'
        await alice.post(text)
        await bob.wait_for(lambda: text in shown(bob), TAB_TIMEOUT)


async def connect_once_released(url: str, forwarded_for: str, timeout: float = 5) -> RawSocket:
    """Connect as soon as the server has counted a closed socket of `forwarded_for` closed."""
    async with asyncio.timeout(timeout):
        while True:
            with contextlib.suppress(ConnectionError):
                return await RawSocket.connect(url, {'EIO': 4}, forwarded_for=forwarded_for)
            await asyncio.sleep(0.1)


def shown(tab: ProtocolClient) -> list[str]:
    return [bubble.text for bubble in tab.bubbles.values()]


@pytest.mark.parametrize(
    'hold', [endless_headers, idle_http, pageless_engine_io], ids=['endless headers', 'idle HTTP', 'pageless Engine.IO']
)
async def test_one_address_holding_connections_leaves_another_its_chat(chat_server: AppProcess, hold: Hold) -> None:
    """Uncapped, the attacker's connections took every descriptor the server had left: nobody else got in."""
    leave_few_descriptors(chat_server)
    async with attacking(hold, chat_server.url, ATTACKER, ATTEMPTS) as attack:
        await wait_until(lambda: attack.tried >= ATTEMPTS, 20, 'the attacker to have tried more than it may hold')
        await wait_until(lambda: attack.open_now <= CAP, 5, f'the server to keep {CAP} connections of the attacker')
        await chat_from(OTHER, chat_server.url + ROOM)
        assert attack.open_now <= CAP + 5, 'a new connection is ended as soon as it is accepted'
    refusal_lines = [line for line in chat_server.log_lines() if REFUSED in line]
    assert len(refusal_lines) == 1, refusal_lines  # at most one a minute, however many were refused
    assert f'ip={ATTACKER}' in refusal_lines[0]


async def test_websockets_a_trusted_proxy_forwards_count_per_client_address(chat_server: AppProcess) -> None:
    """Behind a proxy every connection comes from the proxy's address; its `X-Forwarded-For` names the client."""
    url = chat_server.url
    client = '198.51.100.7'
    held = [await RawSocket.connect(url, {'EIO': 4}, forwarded_for=client) for _ in range(CAP)]
    try:
        with pytest.raises(ConnectionError, match='refused'):
            await RawSocket.connect(url, {'EIO': 4}, forwarded_for=client)
        held.append(await RawSocket.connect(url, {'EIO': 4}, forwarded_for='198.51.100.8'))
        held.append(await RawSocket.connect(url, {'EIO': 4}))  # the proxy's own, or this machine's: not capped
        await held.pop(0).close()
        held.append(await connect_once_released(url, client))
    finally:
        for raw in held:
            await raw.close()


async def test_a_cap_of_0_is_off(start_server: Callable[..., AppProcess]) -> None:
    server = start_server(env={'CHAT_CONNECTIONS_PER_IP': '0'})
    held = [await RawSocket.connect(server.url, {'EIO': 4}, source=ATTACKER) for _ in range(CAP + 5)]
    for raw in held:
        await raw.close()
