"""The chat in real headless Chromium against a real `python app.py` process."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.app_process import AppProcess
from tests.support.browser import MESSAGE_INPUT, background, no_dialog, open_room, type_and_enter, wait_for_bubbles
from tests.support.seeding import seed_rooms
from tests.support.waiting import wait_for

pytestmark = pytest.mark.browser


def test_two_browsers_chat_in_real_time_with_own_and_others_styling(chat_server: AppProcess, browser) -> None:
    alice, bob = browser(640, 720), browser(640, 720)
    open_room(alice, chat_server)
    open_room(bob, chat_server)

    type_and_enter(alice, 'Hi Bob! Is the chat working?')
    assert wait_for_bubbles(bob, 1) == [('Hi Bob! Is the chat working?', 'received-message')]
    assert wait_for_bubbles(alice, 1) == [('Hi Bob! Is the chat working?', 'sent-message')]

    type_and_enter(bob, 'It is, and it is all Python.')
    type_and_enter(alice, '<script>alert("xss")</script> <img src=x onerror="window.pwned=1">')
    expected = [
        ('Hi Bob! Is the chat working?', 'sent-message'),
        ('It is, and it is all Python.', 'received-message'),
        ('<script>alert("xss")</script> <img src=x onerror="window.pwned=1">', 'sent-message'),
    ]
    assert wait_for_bubbles(alice, 3) == expected
    assert wait_for_bubbles(bob, 3) == [
        (text, 'received-message' if style == 'sent-message' else 'sent-message') for text, style in expected
    ]

    own_red, own_green, _ = background(alice, '.sent-message')
    others_red, others_green, _ = background(alice, '.received-message')
    assert own_green > own_red, 'own bubbles are green'
    assert others_red > others_green, "others' bubbles are red"

    for driver in (alice, bob):
        assert no_dialog(driver)
        assert driver.execute_script('return window.pwned === undefined')
        assert not driver.find_elements(By.CSS_SELECTOR, '.chat-bubble img, .chat-bubble script')
        assert driver.find_element(By.CSS_SELECTOR, MESSAGE_INPUT).get_attribute('value') == ''


def test_enter_and_send_keep_focus_and_show_name_and_local_time(chat_server: AppProcess, browser) -> None:
    driver = browser()
    open_room(driver, chat_server, '/room/focus')
    type_and_enter(driver, 'by enter')
    wait_for_bubbles(driver, 1)
    assert driver.execute_script('return document.activeElement.getAttribute("aria-label")') == 'Message'

    driver.find_element(By.CSS_SELECTOR, MESSAGE_INPUT).send_keys('by button')
    driver.find_element(By.CSS_SELECTOR, 'button[aria-label="Send"]').click()
    assert [text for text, _ in wait_for_bubbles(driver, 2)] == ['by enter', 'by button']
    WebDriverWait(driver, 2).until(
        lambda d: d.execute_script('return document.activeElement.getAttribute("aria-label")') == 'Message'
    )
    assert driver.find_element(By.CSS_SELECTOR, MESSAGE_INPUT).get_attribute('value') == ''

    name = driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Your name"]').get_attribute('value')
    author, time = driver.execute_script("""
        const bubble = document.querySelector('.chat-bubble');
        return [getComputedStyle(bubble, '::before').content, getComputedStyle(bubble, '::after').content];
    """)
    assert author == f'"{name}"'
    assert re.fullmatch(r'"\d{1,2}:\d{2}( ?[AP]M)?"', time)


@pytest.mark.settings(message_burst=0, ip_message_burst=0)  # 25 lines as fast as the page confirms
def test_the_list_follows_new_messages_and_own_messages_survive_a_reload(chat_server: AppProcess, browser) -> None:
    driver = browser(500, 600)
    open_room(driver, chat_server, '/room/scroll')
    for i in range(25):
        type_and_enter(driver, f'line {i}')
        wait_for_bubbles(driver, i + 1)
    last_is_visible = """
        const scroller = document.querySelector('.chat-scroller').getBoundingClientRect();
        const bubbles = document.querySelectorAll('.chat-bubble');
        const last = bubbles[bubbles.length - 1].getBoundingClientRect();
        return last.bottom <= scroller.bottom + 1 && last.top >= scroller.top;
    """
    assert driver.execute_script(last_is_visible)

    driver.refresh()
    open_room(driver, chat_server, '/room/scroll')
    shown = wait_for_bubbles(driver, 25)
    assert shown == [(f'line {i}', 'sent-message') for i in range(25)]
    WebDriverWait(driver, 2).until(lambda d: d.execute_script(last_is_visible))


def test_a_closed_tab_leaves_no_subscriber_and_nothing_is_fetched_from_outside(
    chat_server: AppProcess, browser
) -> None:
    alice, bob = browser(), browser()
    open_room(alice, chat_server)
    open_room(bob, chat_server)
    wait_for(lambda: chat_server.health()['subscribers'] == 2, message='two subscribers')

    outside = alice.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".filter(url => !url.startsWith(arguments[0]) && !url.startsWith('data:'))",
        chat_server.url,
    )
    assert outside == []

    bob.get('about:blank')
    wait_for(lambda: chat_server.health()['subscribers'] == 1, timeout=10, message='the closed tab to unsubscribe')


def test_an_invalid_room_url_gets_a_friendly_page(chat_server: AppProcess, browser) -> None:
    driver = browser()
    driver.get(chat_server.url + '/room/Not%20Valid!')
    WebDriverWait(driver, 10).until(lambda d: 'That is not a room name' in d.find_element(By.TAG_NAME, 'body').text)
    assert 'Traceback' not in driver.page_source
    driver.find_element(By.LINK_TEXT, 'Open #not-valid instead').click()
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, MESSAGE_INPUT))
    assert driver.current_url.endswith('/room/not-valid')


def test_the_rooms_page_draws_its_rooms_pages_back_searches_and_opens_one(
    chat_env: Path, start_server: Callable[..., AppProcess], browser
) -> None:
    newest_first = seed_rooms(chat_env / 'chat.db', 60)
    driver = browser()
    driver.get(start_server().url + '/rooms')

    def rows(d: WebDriver) -> list[str] | None:
        try:
            return [row.text.splitlines()[0] for row in d.find_elements(By.CSS_SELECTOR, 'a.q-item')]
        except StaleElementReferenceException:  # the page was replaced while it was read: read the next one
            return None

    WebDriverWait(driver, 10).until(lambda d: rows(d) == [f'# {name}' for name in newest_first[:50]])
    driver.find_element(By.LINK_TEXT, 'Older rooms').click()
    WebDriverWait(driver, 10).until(lambda d: rows(d) == [f'# {name}' for name in newest_first[50:]])
    search = driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Search rooms"]')
    search.send_keys('room-0001', Keys.ENTER)
    WebDriverWait(driver, 10).until(lambda d: rows(d) == [f'# room-000{i}' for i in range(19, 9, -1)])
    assert driver.current_url.endswith('/rooms?q=room-0001')
    driver.find_element(By.PARTIAL_LINK_TEXT, '# room-00012').click()
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, MESSAGE_INPUT))
    assert driver.current_url.endswith('/room/room-00012')
