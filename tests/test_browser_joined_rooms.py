"""The rooms at hand in real Chromium: beside the room on a wide screen with live unread counts, a drawer on a phone."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.app_process import AppProcess
from tests.support.browser import PATIENCE, open_room, type_and_enter, wait_for_bubbles

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parent.parent / 'docs'
SIDE_LIST = 'nav[aria-labelledby="chat-joined-title"]'


def side_list(driver: WebDriver) -> list[tuple[str, str, bool]]:
    """(name, unread badge, open) of each room the side list shows, as drawn; [] while it is hidden."""
    rows = driver.execute_script(
        """
        const list = document.querySelector(arguments[0]);
        if (!list || !list.checkVisibility() || list.getBoundingClientRect().right <= 0) return [];
        return [...list.querySelectorAll('a')].map(a => [
            a.querySelector('.chat-joined-name').textContent,
            a.querySelector('.chat-joined-unread')?.textContent ?? '',
            a.getAttribute('aria-current') === 'page']);
        """,
        SIDE_LIST,
    )
    return [(name, unread, current) for name, unread, current in rows]


def wait_for_side_list(driver: WebDriver, expected: list[tuple[str, str, bool]]) -> None:
    WebDriverWait(driver, PATIENCE, poll_frequency=0.05).until(lambda d: side_list(d) == expected)


def tab_stops(driver: WebDriver, count: int) -> list[str]:
    """The accessible names of the first `count` controls Tab reaches from the top of the page."""
    driver.execute_script('document.activeElement.blur()')
    driver.find_element(By.TAG_NAME, 'body').send_keys(Keys.TAB)
    names = []
    for _ in range(count):
        element = driver.switch_to.active_element
        names.append(element.get_attribute('aria-label') or element.text)
        element.send_keys(Keys.TAB)
    return names


def follow_link(driver: WebDriver, room: str) -> None:
    """Open `room` from the side list, as a reader clicks it, and wait until the room is usable."""
    driver.find_element(By.CSS_SELECTOR, f'{SIDE_LIST} a[aria-label^="# {room}"]').click()
    WebDriverWait(driver, PATIENCE).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, f'{SIDE_LIST} a[aria-current="page"][aria-label="# {room}"]')
    )
    WebDriverWait(driver, PATIENCE).until(lambda d: d.execute_script('return window.did_handshake === true'))


def test_on_a_wide_screen_the_side_list_counts_what_others_post_live_until_the_room_is_opened(
    chat_server: AppProcess, browser
) -> None:
    alice, bob = browser(1280, 800), browser()
    open_room(alice, chat_server, '/room/kitchen')
    open_room(alice, chat_server, '/room/garden')
    wait_for_side_list(alice, [('# garden', '', True), ('# kitchen', '', False)])
    open_room(bob, chat_server, '/room/kitchen')
    type_and_enter(bob, 'Anyone for tea?')
    wait_for_side_list(alice, [('# garden', '', True), ('# kitchen', '1', False)])
    type_and_enter(bob, 'The kettle is on')
    wait_for_side_list(alice, [('# garden', '', True), ('# kitchen', '2', False)])
    alice.save_screenshot(str(DOCS / 'screenshot-rooms.png'))
    assert {'# kitchen, 2 unread', 'Leave #kitchen'} <= set(tab_stops(alice, 6)), 'reachable with the keyboard'

    follow_link(alice, 'kitchen')
    wait_for_bubbles(alice, 2)
    wait_for_side_list(alice, [('# garden', '', False), ('# kitchen', '', True)])
    follow_link(alice, 'garden')
    wait_for_side_list(alice, [('# garden', '', True), ('# kitchen', '', False)])
    type_and_enter(bob, 'Tea is ready')
    wait_for_side_list(alice, [('# garden', '', True), ('# kitchen', '1', False)])


def test_on_a_phone_the_rooms_are_a_drawer_and_leaving_one_takes_it_off(chat_server: AppProcess, browser) -> None:
    phone = browser()
    phone.execute_cdp_cmd(
        'Emulation.setDeviceMetricsOverride', {'width': 375, 'height': 667, 'deviceScaleFactor': 2, 'mobile': True}
    )
    open_room(phone, chat_server, '/room/kitchen')
    open_room(phone, chat_server, '/room/garden')
    assert side_list(phone) == [], 'the room has the whole width'
    assert phone.execute_script('return document.documentElement.scrollWidth') <= 375
    phone.find_element(By.CSS_SELECTOR, 'button[aria-label="Your rooms"]').click()
    wait_for_side_list(phone, [('# garden', '', True), ('# kitchen', '', False)])
    phone.save_screenshot(str(DOCS / 'screenshot-rooms-mobile.png'))

    phone.find_element(By.CSS_SELECTOR, 'button[aria-label="Leave #kitchen"]').click()
    wait_for_side_list(phone, [('# garden', '', True)])
    open_room(phone, chat_server, '/room/garden')
    phone.find_element(By.CSS_SELECTOR, 'button[aria-label="Your rooms"]').click()
    wait_for_side_list(phone, [('# garden', '', True)])


def test_the_tabs_of_one_browser_share_their_rooms_and_what_one_of_them_showed(
    chat_server: AppProcess, browser
) -> None:
    alice, bob = browser(1280, 800), browser()
    open_room(alice, chat_server, '/room/kitchen')
    open_room(alice, chat_server, '/room/garden')
    first = alice.current_window_handle
    alice.switch_to.new_window('tab')
    second = alice.current_window_handle
    open_room(alice, chat_server, '/room/porch')
    alice.switch_to.window(first)
    wait_for_side_list(alice, [('# garden', '', True), ('# kitchen', '', False), ('# porch', '', False)])

    alice.switch_to.window(second)
    alice.find_element(By.CSS_SELECTOR, 'button[aria-label="Leave #kitchen"]').click()
    wait_for_side_list(alice, [('# garden', '', False), ('# porch', '', True)])
    alice.switch_to.window(first)
    wait_for_side_list(alice, [('# garden', '', True), ('# porch', '', False)])

    open_room(bob, chat_server, '/room/porch')
    type_and_enter(bob, 'Read where it was shown')
    alice.switch_to.window(second)
    wait_for_bubbles(alice, 1)
    alice.switch_to.window(first)
    wait_for_side_list(alice, [('# garden', '', True), ('# porch', '', False)])
    type_and_enter(bob, 'Not yet shown anywhere')
    wait_for_side_list(alice, [('# garden', '', True), ('# porch', '1', False)])
    alice.switch_to.window(second)
    wait_for_bubbles(alice, 2)
    alice.switch_to.window(first)
    wait_for_side_list(alice, [('# garden', '', True), ('# porch', '', False)])
