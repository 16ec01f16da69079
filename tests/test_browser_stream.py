"""The message list's windows in real Chromium: a tab away while hundreds of messages pass, a component
NiceGUI re-mounts, a socket that connects late, an element whose JavaScript loads after connect.

Live messages reach a tab in one Socket.IO emit per batch that NiceGUI never replays, so each of these
windows relies on the component asking to `resume` after the last message it shows. Each test checks
what the reader sees: every message once, in the room's order, in the same page (never a reload).
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from chat.ui.message_list import MAX_SHOWN, PAGE_SIZE
from tests.support.app_process import AppProcess
from tests.support.browser import PATIENCE, bubbles, open_room
from tests.support.cable import Cable
from tests.support.loop_thread import LoopThread
from tests.support.protocol import Network, ProtocolClient
from tests.support.seeding import seed_database
from tests.support.tabs import close_tabs, open_tabs
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.settings(message_burst=0, ip_message_burst=0)]

POPUP_SHOWN = "return document.getElementById('popup').ariaHidden === 'false'"


@pytest.fixture
def background() -> Iterator[LoopThread]:
    """An event loop beside Selenium's blocking calls, for the cable and the posting tab."""
    loop = LoopThread()
    try:
        yield loop
    finally:
        loop.close()


@contextlib.contextmanager
def cable_to(background: LoopThread, server: AppProcess) -> Iterator[Cable]:
    """A cable between Chromium and the server, for the test to unplug."""
    cable = Cable(server.url)
    background.run(cable.__aenter__())
    try:
        yield cable
    finally:
        background.run(cable.__aexit__())


class Poster:
    """Another tab of the room, at the protocol level: it posts hundreds of messages in seconds."""

    def __init__(self, background: LoopThread, tab: ProtocolClient) -> None:
        self.background = background
        self.tab = tab

    def post(self, texts: list[str]) -> None:
        """Post `texts` in order; returns once its own page shows the last one, so every tab of the room was sent it."""

        async def post() -> None:
            for text in texts:
                await self.tab.post(text)
            await self.tab.wait_for(lambda: any(b.text == texts[-1] for b in self.tab.bubbles.values()), PATIENCE)

        self.background.run(post())


@contextlib.contextmanager
def poster(background: LoopThread, url: str) -> Iterator[Poster]:
    """A posting tab of the room at `url`, open for the block, on a network of its own (not through a cable)."""
    network = Network()
    background.run(network.__aenter__())

    async def open_one() -> list[ProtocolClient]:
        return await open_tabs(network, url)

    try:
        (tab,) = background.run(open_one())
        try:
            yield Poster(background, tab)
        finally:
            background.run(close_tabs([tab]))
    finally:
        background.run(network.__aexit__())


def texts(driver: WebDriver) -> list[str]:
    return [text for text, _ in bubbles(driver)]


def wait_for_texts(driver: WebDriver, expected: list[str], timeout: float = PATIENCE) -> None:
    """Wait until the bubbles read `expected`, in order; a failure says what differs (count, doubles, order)."""
    try:
        WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: texts(d) == expected)
    except TimeoutException:
        shown = texts(driver)
        doubled = [text for text, count in Counter(shown).items() if count > 1]
        missing = [text for text in expected if text not in shown]
        raise AssertionError(
            f'shown {len(shown)}, expected {len(expected)}; doubled {doubled[:5]}; missing {missing[:5]}; '
            f'first {shown[:3]}, last {shown[-3:]}'
        ) from None


def mark_page(driver: WebDriver) -> None:
    """Mark the page, so a reload (which starts a new page without the mark) shows."""
    driver.execute_script('window.__marker = 1')


def same_page(driver: WebDriver) -> bool:
    return driver.execute_script('return window.__marker') == 1


# --- A tab away while messages pass ---------------------------------------------------------------------------------


def away_while(driver: WebDriver, cable: Cable, background: LoopThread, during: Callable[[], None]) -> None:
    """Unplug the tab's cable, wait until its page shows it is offline, run `during`, plug it back in."""
    background.call(cable.unplug)
    WebDriverWait(driver, PATIENCE).until(lambda d: d.execute_script(POPUP_SHOWN))
    during()
    background.call(cable.plug)
    WebDriverWait(driver, PATIENCE).until(lambda d: not d.execute_script(POPUP_SHOWN))


@pytest.mark.settings(reconnect_timeout=60)  # the server keeps the page while the tab is away
def test_a_tab_back_after_500_messages_shows_each_once_in_order_without_a_reload(
    start_server: Callable[..., AppProcess], chat_env: Path, browser, background: LoopThread
) -> None:
    seed_database(chat_env, 'away', PAGE_SIZE)
    server = start_server()
    reader = browser()
    missed = [f'missed {i}' for i in range(MAX_SHOWN)]
    with cable_to(background, server) as cable, poster(background, f'{server.url}/room/away') as other:
        open_room(reader, cable.url, '/room/away')
        wait_for_texts(reader, [f'old {i}' for i in range(PAGE_SIZE)])
        mark_page(reader)
        away_while(reader, cable, background, lambda: other.post(missed))
        # all 500 missed, each once and in order; the 50 from before made room, as the page keeps the latest 500
        wait_for_texts(reader, missed)
        assert same_page(reader), 'caught up in the same page, not by reloading it'
        other.post(['back'])
        wait_for_texts(reader, [*missed[1:], 'back'])
    assert same_page(reader)


@pytest.mark.settings(reconnect_timeout=60)
def test_a_tab_that_missed_more_than_it_keeps_shows_the_latest_page_and_pages_back_without_gaps(
    start_server: Callable[..., AppProcess], chat_env: Path, browser, background: LoopThread
) -> None:
    seed_database(chat_env, 'away', PAGE_SIZE)
    server = start_server()
    reader = browser()
    missed = [f'missed {i}' for i in range(MAX_SHOWN + 20)]
    with cable_to(background, server) as cable, poster(background, f'{server.url}/room/away') as other:
        open_room(reader, cable.url, '/room/away')
        wait_for_texts(reader, [f'old {i}' for i in range(PAGE_SIZE)])
        mark_page(reader)
        away_while(reader, cable, background, lambda: other.post(missed))
        # more than the page keeps: the latest page replaces what it showed, with the way back to the rest
        wait_for_texts(reader, missed[-PAGE_SIZE:])
        assert same_page(reader), 'caught up in the same page, not by reloading it'
        reader.execute_script("document.querySelector('.chat-scroller').scrollTop = -1e9")  # up to the button
        reader.find_element(By.XPATH, "//button[contains(., 'Load older messages')]").click()
        wait_for_texts(reader, missed[-2 * PAGE_SIZE :])
        other.post(['back'])
        wait_for_texts(reader, [*missed[-2 * PAGE_SIZE :], 'back'])
    assert same_page(reader)


# --- A component NiceGUI re-mounts ----------------------------------------------------------------------------------

# nicegui.js's 'update' handler re-mounts an element whose listeners changed: it deletes the element from the
# root app's `elements`, lets Vue render without it, then puts it back, and Vue mounts a new component from the
# element's props. These two halves do the same to the message list, with the test's posts in between.
UNMOUNT_LIST = """
    const done = arguments[arguments.length - 1];
    const id = document.querySelector('.chat-messages').id.slice(1);
    window.__list = [id, mounted_app.elements[id]];
    delete mounted_app.elements[id];
    mounted_app.$nextTick().then(() => done(document.querySelector('.chat-messages') === null));
"""
REMOUNT_LIST = """
    const done = arguments[arguments.length - 1];
    const [id, element] = window.__list;
    mounted_app.elements[id] = element;
    mounted_app.$nextTick().then(() => done(document.querySelector('.chat-messages') !== null));
"""


def test_a_remounted_list_restarts_from_its_first_page_and_catches_up_once(
    start_server: Callable[..., AppProcess], chat_env: Path, browser, background: LoopThread
) -> None:
    seed_database(chat_env, 'remount', PAGE_SIZE + 10)
    server = start_server()
    reader = browser()
    first_page = [f'old {i}' for i in range(10, PAGE_SIZE + 10)]
    live, unmounted = [f'live {i}' for i in range(10)], [f'unmounted {i}' for i in range(10)]
    with poster(background, f'{server.url}/room/remount') as other:
        open_room(reader, server, '/room/remount')
        wait_for_texts(reader, first_page)
        other.post(live)  # shown live only: the element's props still hold the first page
        wait_for_texts(reader, [*first_page, *live])
        mark_page(reader)
        reader.execute_script("document.querySelector('.chat-messages').__old = true")

        assert reader.execute_async_script(UNMOUNT_LIST), 'the list is gone from the page'
        other.post(unmounted)  # reach the tab's socket while no component listens
        assert reader.execute_async_script(REMOUNT_LIST), 'the list is back'
        assert reader.execute_script("return !document.querySelector('.chat-messages').__old"), 'a new component'

        wait_for_texts(reader, [*first_page, *live, *unmounted])
        other.post(['after'])
        wait_for_texts(reader, [*first_page, *live, *unmounted, 'after'])
    assert same_page(reader)


# --- A socket that connects after the page is up --------------------------------------------------------------------

SOCKET_PATH = '/_nicegui_ws/'
# Run before the page's own scripts: notes whether the list was in the page when nicegui.js created the socket.
NOTE_SOCKET_CREATION = """
    let socket;
    Object.defineProperty(window, 'socket', {
        configurable: true,
        get: () => socket,
        set(value) {
            window.__listBeforeSocket = document.querySelector('.chat-messages') !== null;
            socket = value;
        },
    });
"""
LIST_WITHOUT_SOCKET = """
    return document.querySelector('.chat-messages') !== null && window.socket !== undefined
        && !window.socket.connected && !window.did_handshake
"""


def test_messages_posted_before_the_socket_connects_show_once(
    start_server: Callable[..., AppProcess], chat_env: Path, browser, background: LoopThread
) -> None:
    """The page is up and its list mounted, but its WebSocket is held up on the way: what is posted meanwhile
    is in the first page the list gets once the socket connects, and the list follows the room from then on."""
    seed_database(chat_env, 'slow', 3)
    server = start_server()
    reader = browser()
    meanwhile = [f'meanwhile {i}' for i in range(5)]
    with cable_to(background, server) as cable, poster(background, f'{server.url}/room/slow') as other:
        background.call(lambda: cable.hold(SOCKET_PATH))
        reader.execute_cdp_cmd('Page.addScriptToEvaluateOnNewDocument', {'source': NOTE_SOCKET_CREATION})
        reader.get(f'{cable.url}/room/slow')
        WebDriverWait(reader, PATIENCE).until(lambda _: background.call(lambda: cable.held) > 0)
        assert reader.execute_script('return window.__listBeforeSocket'), 'the list was mounted before window.socket'
        assert reader.execute_script(LIST_WITHOUT_SOCKET), 'the list is mounted; its socket is not connected'
        mark_page(reader)
        other.post(meanwhile)
        background.call(cable.release)
        wait_for_texts(reader, [*(f'old {i}' for i in range(3)), *meanwhile])
        other.post(['live'])
        wait_for_texts(reader, [*(f'old {i}' for i in range(3)), *meanwhile, 'live'])
    assert same_page(reader)


# --- An element created after connect -------------------------------------------------------------------------------

LATE_APP = 'tests/late_list_app.py'


def gate(server: AppProcess, name: str, action: str | None = None) -> int:
    """Close or open one of the late-list app's gates (see there); how many wait at it."""
    if action is None:
        response = httpx.get(f'{server.url}/test/gates/{name}', timeout=5)
    else:
        response = httpx.post(f'{server.url}/test/gates/{name}/{action}', timeout=5)
    response.raise_for_status()
    return response.json()['waiting']


def test_a_list_created_after_connect_shows_what_came_while_its_javascript_loaded(
    start_server: Callable[..., AppProcess], chat_env: Path, browser, background: LoopThread
) -> None:
    """The list joins the room's broadcast before its component exists in the browser: messages broadcast
    before the component listens reach no one there, and the component's resume brings them, once."""
    seed_database(chat_env, 'late', PAGE_SIZE + 10)
    server = start_server(script=LATE_APP)
    reader = browser()
    first_page = [f'old {i}' for i in range(10, PAGE_SIZE + 10)]
    loading = [f'while loading {i}' for i in range(10)]
    with poster(background, f'{server.url}/room/late') as other:
        gate(server, 'component', 'close')
        reader.get(f'{server.url}/late/late')
        wait_for(lambda: gate(server, 'component') > 0, PATIENCE, 'the browser to ask for the list component')
        assert reader.execute_script("return window.did_handshake && !document.querySelector('.chat-messages')")
        mark_page(reader)
        other.post(loading)  # sent to the tab's socket, which joined the room before its component loaded
        gate(server, 'component', 'open')
        wait_for_texts(reader, [*first_page, *loading])
        other.post(['after'])
        wait_for_texts(reader, [*first_page, *loading, 'after'])
    assert same_page(reader)


@pytest.mark.settings(reconnect_timeout=60)
def test_a_list_created_after_connect_that_hears_a_reconnect_before_its_first_page_still_follows_the_room(
    start_server: Callable[..., AppProcess], chat_env: Path, browser, background: LoopThread
) -> None:
    """The list joined the broadcast with the socket that then dropped; the component, mounted after the first
    connect, heard only the reconnect. Being ready must still make it resume, which joins the new socket."""
    seed_database(chat_env, 'late', 3)
    server = start_server(script=LATE_APP)
    reader = browser()
    first_page = [f'old {i}' for i in range(3)]
    away = [f'away {i}' for i in range(5)]
    with cable_to(background, server) as cable, poster(background, f'{server.url}/room/late') as other:
        gate(server, 'history', 'close')
        reader.get(f'{cable.url}/late/late')
        wait_for(lambda: gate(server, 'history') > 0, PATIENCE, 'the list to join the room and read its first page')
        WebDriverWait(reader, PATIENCE).until(lambda d: d.find_elements(By.CSS_SELECTOR, '.chat-messages'))
        mark_page(reader)
        away_while(reader, cable, background, lambda: other.post(away))
        gate(server, 'history', 'open')
        wait_for_texts(reader, [*first_page, *away])
        other.post(['live'])
        wait_for_texts(reader, [*first_page, *away, 'live'])
    assert same_page(reader)
