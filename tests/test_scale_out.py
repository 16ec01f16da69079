"""Several real `app.py` processes sharing one Redis behave as one chat, through outages and restarts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.app_process import AppProcess
from tests.support.browser import MESSAGE_INPUT, bubbles, open_room, type_and_enter, wait_for_bubbles
from tests.support.redis_server import RedisServer
from tests.support.waiting import wait_for

pytestmark = pytest.mark.browser

PEOPLE = '[aria-label^="{count} people in this room"]'
STORE_NOTICE = '.chat-store-notice'


def start_processes(start_server: Callable[..., AppProcess], redis: RedisServer, tmp_path: Path, count: int):
    return [start_server(tmp_path / f'process-{i}', *shared_options(redis)) for i in range(count)]


def shared_options(redis: RedisServer) -> tuple[str, ...]:
    """What every process of one chat shares: the Redis, and the secret that signs browser sessions."""
    return '--redis-url', redis.url, '--storage-secret', 'one secret for every process'


def display_name(driver: WebDriver) -> str:
    return driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Your name"]').get_attribute('value')


def send(driver: WebDriver, text: str) -> None:
    """Type and press Enter, then wait, as a person would, for the input to clear before typing on."""
    type_and_enter(driver, text)
    WebDriverWait(driver, 10).until(
        lambda d: d.find_element(By.CSS_SELECTOR, MESSAGE_INPUT).get_attribute('value') == ''
    )


def texts(driver: WebDriver) -> list[str]:
    return [text for text, _ in bubbles(driver)]


def input_hint(driver: WebDriver) -> str:
    """The text under the message input: the error when there is one, else the character counter."""
    return driver.execute_script(
        "return [...document.querySelectorAll('.q-field__messages')].map(e => e.textContent).join(' ')"
    )


def test_messages_cross_processes_in_one_order_with_own_styling_and_shared_history(
    start_server: Callable[..., AppProcess], redis_server: RedisServer, browser, tmp_path: Path
) -> None:
    servers = start_processes(start_server, redis_server, tmp_path, 3)
    tabs = [browser(640, 720) for _ in servers]
    for tab, server in zip(tabs, servers, strict=True):
        open_room(tab, server)
    for tab in tabs:
        WebDriverWait(tab, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, PEOPLE.format(count=3)))

    for round_ in range(2):
        for i, tab in enumerate(tabs):
            send(tab, f'round {round_} from process {i}')
    lists = [wait_for_bubbles(tab, 6, timeout=10) for tab in tabs]
    order = [text for text, _ in lists[0]]
    assert sorted(order) == sorted(f'round {r} from process {i}' for r in range(2) for i in range(3))
    for i, shown in enumerate(lists):
        assert [text for text, _ in shown] == order, 'every process shows one order'
        own = {text for text, style in shown if style == 'sent-message'}
        assert own == {f'round {r} from process {i}' for r in range(2)}, 'own is per tab, whatever the process'

    late = browser(640, 720)
    for server in servers:
        open_room(late, server)
        assert [text for text, _ in wait_for_bubbles(late, 6)] == order, 'history is the same on every process'
        assert {style for _, style in bubbles(late)} == {'received-message'}


def test_a_redis_outage_shows_reconnecting_keeps_the_text_and_loses_or_repeats_nothing(
    start_server: Callable[..., AppProcess], redis_server: RedisServer, browser, tmp_path: Path
) -> None:
    servers = start_processes(start_server, redis_server, tmp_path, 2)
    alice, bob = browser(640, 720), browser(640, 720)
    open_room(alice, servers[0])
    open_room(bob, servers[1])
    type_and_enter(alice, 'before the outage')
    wait_for_bubbles(bob, 1)

    redis_server.stop()
    type_and_enter(alice, 'during the outage')
    WebDriverWait(alice, 10).until(lambda d: 'Reconnecting' in input_hint(d))
    assert alice.find_element(By.CSS_SELECTOR, MESSAGE_INPUT).get_attribute('value') == 'during the outage'
    assert all(server.process.poll() is None for server in servers), 'no process crashed'
    assert servers[1].health()['status'] == 'unavailable', 'load balancers hear of it (503)'

    redis_server.start()
    wait_for(lambda: servers[0].health()['status'] == 'ok', message='the store to answer again')
    alice.find_element(By.CSS_SELECTOR, MESSAGE_INPUT).send_keys(Keys.ENTER)
    type_and_enter(bob, 'after the outage')
    expected = ['before the outage', 'during the outage', 'after the outage']
    for tab in (alice, bob):
        WebDriverWait(tab, 15, poll_frequency=0.1).until(lambda d: len(bubbles(d)) >= 3)
        assert sorted(texts(tab)) == sorted(expected)
    assert texts(alice) == texts(bob)
    assert 'Reconnecting' not in input_hint(alice)


def store_notice_shown(driver: WebDriver) -> bool:
    return any(notice.is_displayed() for notice in driver.find_elements(By.CSS_SELECTOR, STORE_NOTICE))


def test_a_redis_down_at_start_keeps_the_text_and_the_same_tab_recovers_when_it_comes_up(
    start_server: Callable[..., AppProcess], redis_server: RedisServer, browser, tmp_path: Path
) -> None:
    """The process serves an honest page while its store never opened, and picks up by itself once Redis is up."""
    earlier, writer = start_server(tmp_path / 'earlier', *shared_options(redis_server)), browser(640, 720)
    open_room(writer, earlier)
    send(writer, 'from before the outage')
    wait_for_bubbles(writer, 1)
    earlier.stop()
    redis_server.stop()
    server = start_server(tmp_path / 'process', *shared_options(redis_server), store_open=False)
    assert server.health()['status'] == 'unavailable', 'load balancers hear of it (503)'
    tab = browser(640, 720)
    open_room(tab, server)
    WebDriverWait(tab, 10).until(store_notice_shown)
    type_and_enter(tab, 'typed while the store was down')
    WebDriverWait(tab, 10).until(lambda d: 'chat store is unavailable' in input_hint(d))
    assert tab.find_element(By.CSS_SELECTOR, MESSAGE_INPUT).get_attribute('value') == 'typed while the store was down'
    assert texts(tab) == []
    tab.execute_script('window.sameDocument = true')

    redis_server.start()
    wait_for(lambda: server.health()['status'] == 'ok', timeout=20, message='the process to open its store')
    WebDriverWait(tab, 10).until(lambda d: not store_notice_shown(d) and texts(d) == ['from before the outage'])
    tab.find_element(By.CSS_SELECTOR, MESSAGE_INPUT).send_keys(Keys.ENTER)
    WebDriverWait(tab, 10).until(lambda d: len(bubbles(d)) == 2)
    assert bubbles(tab) == [
        ('from before the outage', 'received-message'),
        ('typed while the store was down', 'sent-message'),
    ]
    assert 'unavailable' not in input_hint(tab)
    assert tab.execute_script('return window.sameDocument === true'), 'the page recovered without a reload'


def test_a_restarted_process_shows_everything_keeps_names_and_delivers_again(
    start_server: Callable[..., AppProcess], redis_server: RedisServer, browser, tmp_path: Path
) -> None:
    first, second = start_processes(start_server, redis_server, tmp_path, 2)
    alice, bob = browser(640, 720), browser(640, 720)
    open_room(alice, first)
    open_room(bob, second)
    for i in range(3):
        send(alice, f'message {i}')
    wait_for_bubbles(bob, 3)

    name = display_name(alice)
    first.kill()
    restarted = start_server(tmp_path / 'process-restarted', *shared_options(redis_server))
    open_room(alice, restarted)
    assert display_name(alice) == name, 'the browser keeps its name on another process'
    wait_for_bubbles(alice, 3)
    assert texts(alice) == ['message 0', 'message 1', 'message 2']
    type_and_enter(bob, 'welcome back')
    wait_for_bubbles(alice, 4)
    assert texts(alice)[-1] == 'welcome back'
