"""Signed in through a proxy, in real Chromium: a person is the same on every browser, others are others.

The proxy here is the browser itself, sending the header on every request (CDP `Network.setExtraHTTPHeaders`)
from 127.0.0.1, the address the app trusts as its proxy, as oauth2-proxy or Caddy's forward_auth would.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from chat.sign_in import NOT_SIGNED_IN
from tests.support.app_process import AppProcess
from tests.support.browser import PATIENCE, open_room, type_and_enter, wait_for_bubbles

pytestmark = [pytest.mark.browser, pytest.mark.settings(auth_header='Remote-User', auth_name_header='Remote-Name')]

ROOM = '/room/team'


def signed_in(browser: Callable[..., WebDriver], user: str | None, name: str | None = None) -> WebDriver:
    """A new browser (its own profile and session) whose every request names `user` and `name`, as a proxy's would."""
    driver = browser(640, 720)
    given = {'Remote-User': user, 'Remote-Name': name}
    driver.execute_cdp_cmd('Network.enable', {})
    driver.execute_cdp_cmd(
        'Network.setExtraHTTPHeaders', {'headers': {key: value for key, value in given.items() if value is not None}}
    )
    return driver


def shown_name(driver: WebDriver) -> tuple[str | None, bool]:
    field = driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Your name"]')
    return field.get_attribute('value'), field.get_attribute('readonly') is not None


def test_one_person_on_two_browsers_is_one_author_and_another_person_is_not(
    chat_server: AppProcess, browser: Callable[..., WebDriver]
) -> None:
    laptop = signed_in(browser, 'alice@example.com', 'Alice')
    phone = signed_in(browser, 'alice@example.com', 'Alice')
    bob = signed_in(browser, 'bob@example.com')
    for driver in (laptop, phone, bob):
        open_room(driver, chat_server, ROOM)
    assert shown_name(laptop) == shown_name(phone) == ('Alice', True)
    assert shown_name(bob) == ('bob@example.com', True)

    type_and_enter(laptop, 'from my laptop')
    wait_for_bubbles(phone, 1)
    type_and_enter(phone, 'and from my phone')
    type_and_enter(bob, 'hello Alice')
    alice_sees = [
        ('from my laptop', 'sent-message'),
        ('and from my phone', 'sent-message'),
        ('hello Alice', 'received-message'),
    ]
    assert wait_for_bubbles(laptop, 3) == alice_sees
    assert wait_for_bubbles(phone, 3) == alice_sees
    assert wait_for_bubbles(bob, 3) == [
        ('from my laptop', 'received-message'),
        ('and from my phone', 'received-message'),
        ('hello Alice', 'sent-message'),
    ]
    authors = bob.execute_script("return [...document.querySelectorAll('.chat-bubble')].map(b => b.dataset.author)")
    assert authors == ['Alice', 'Alice', 'bob@example.com']
    assert 'alice@example.com' not in laptop.page_source, 'the page knows the name, never the user behind it'


def test_a_browser_not_signed_in_gets_one_line_saying_so(
    chat_server: AppProcess, browser: Callable[..., WebDriver]
) -> None:
    driver = signed_in(browser, None)
    driver.get(chat_server.url + ROOM)
    WebDriverWait(driver, PATIENCE).until(lambda d: d.find_element(By.TAG_NAME, 'body').text == NOT_SIGNED_IN)
