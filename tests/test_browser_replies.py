"""Replies in real Chromium: Reply on another's bubble, the quote bar and its cancelling, the quote in both browsers
following its original's edit and deletion, and a quote that brings its original back from pages above, as text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.app_process import AppProcess
from tests.support.browser import (
    MESSAGE_INPUT,
    PATIENCE,
    bubble,
    bubbles,
    edit_own_message,
    open_room,
    press_in_dialog,
    type_and_enter,
    wait_for_bubbles,
)
from tests.support.seeding import seed_a_reply_far_below_its_original

pytestmark = pytest.mark.browser

HOSTILE = '<img src=x onerror="window.pwned = 1"> **bold?** {{ 7 * 7 }}'
BAR = '.chat-reply-bar'
FOUND = '.chat-bubble.chat-found'


def quotes(driver: WebDriver) -> list[tuple[str, str, str] | None]:
    """(name, text, what it shows after the name) of each bubble's quote, None for a bubble that is not a reply."""
    found = driver.execute_script("""
        return [...document.querySelectorAll('.chat-bubble')].map(b => {
            const q = b.querySelector('.chat-quote');
            return q && [q.dataset.name, q.dataset.text, getComputedStyle(q, '::after').content];
        });""")
    return [tuple(quote) if quote else None for quote in found]


def wait_for_quote(driver: WebDriver, index: int, name: str, text: str) -> None:
    WebDriverWait(driver, PATIENCE, poll_frequency=0.05).until(
        lambda d: (quote := quotes(d)[index]) is not None and quote[:2] == (name, text) and quote[2] != 'none'
    )


def reply_by_mouse(driver: WebDriver, index: int) -> None:
    """Hover the bubble, which shows its Reply button, and click it."""
    target = bubble(driver, index)
    ActionChains(driver).move_to_element(target).perform()
    button = target.find_element(By.CSS_SELECTOR, '.chat-reply')
    WebDriverWait(driver, PATIENCE).until(lambda _: button.value_of_css_property('opacity') == '1')
    button.click()
    WebDriverWait(driver, PATIENCE).until(lambda d: d.find_element(By.CSS_SELECTOR, BAR).is_displayed())


def bar_is_gone(driver: WebDriver) -> None:
    WebDriverWait(driver, PATIENCE).until(lambda d: not d.find_element(By.CSS_SELECTOR, BAR).is_displayed())


@pytest.mark.settings(message_burst=0, ip_message_burst=0)
def test_a_reply_by_mouse_shows_its_quote_in_both_browsers_and_follows_the_original(
    chat_server: AppProcess, browser
) -> None:
    alice, bob = browser(640, 720), browser(640, 720)
    for driver in (alice, bob):
        open_room(driver, chat_server, '/room/replies')
    type_and_enter(alice, HOSTILE)
    wait_for_bubbles(bob, 1)
    name = bubble(bob, 0).get_attribute('data-author')

    reply_by_mouse(bob, 0)  # the bar names her and shows her words as typed; its button cancels it
    bar = bob.find_element(By.CSS_SELECTOR, BAR)
    assert bar.find_element(By.CSS_SELECTOR, '.chat-reply-name').text == f'Replying to {name}'
    assert bar.find_element(By.CSS_SELECTOR, '.chat-reply-text').text == HOSTILE
    WebDriverWait(bob, PATIENCE).until(lambda d: d.switch_to.active_element.get_attribute('aria-label') == 'Message')
    bar.find_element(By.CSS_SELECTOR, 'button[aria-label="Cancel reply"]').click()
    bar_is_gone(bob)
    reply_by_mouse(bob, 0)  # and so does Escape in the input
    bob.find_element(By.CSS_SELECTOR, MESSAGE_INPUT).send_keys(Keys.ESCAPE)
    bar_is_gone(bob)
    type_and_enter(bob, 'not a reply')
    wait_for_bubbles(alice, 2)

    reply_by_mouse(bob, 0)
    type_and_enter(bob, 'a reply')
    bar_is_gone(bob)
    for driver in (alice, bob):
        wait_for_bubbles(driver, 3)
        wait_for_quote(driver, 2, name, HOSTILE)
        assert quotes(driver)[:2] == [None, None]
        assert [text for text, _ in bubbles(driver)] == [HOSTILE, 'not a reply', 'a reply'], 'a quote is not its text'

    bubble(alice, 2).find_element(By.CSS_SELECTOR, '.chat-quote').click()  # the quote marks its original
    WebDriverWait(alice, PATIENCE).until(lambda d: d.find_elements(By.CSS_SELECTOR, FOUND))
    assert alice.find_element(By.CSS_SELECTOR, FOUND).get_attribute('data-id') == bubble(alice, 0).get_attribute(
        'data-id'
    )

    edit_own_message(alice, 'edited: ' + 'word ' * 30)
    edited = 'edited: ' + ('word ' * 14).strip() + '…'
    for driver in (alice, bob):
        wait_for_quote(driver, 2, name, edited)
    menu = bubble(alice, 0).find_element(By.CSS_SELECTOR, '.chat-bubble-menu')
    alice.execute_script('arguments[0].focus()', menu)
    menu.send_keys(Keys.ENTER)
    WebDriverWait(alice, PATIENCE).until(lambda d: d.switch_to.active_element.text == 'Edit')
    alice.switch_to.active_element.send_keys(Keys.TAB, Keys.ENTER)
    press_in_dialog(alice, 'Delete')
    for driver in (alice, bob):
        WebDriverWait(driver, PATIENCE).until(lambda d: quotes(d)[2] == (name, 'message deleted', '"message deleted"'))
        assert 'word' not in driver.execute_script("return document.querySelector('.chat-column').outerHTML")
        assert driver.execute_script('return window.pwned') is None
        assert not driver.find_elements(By.CSS_SELECTOR, '.chat-bubble img')

    bob.refresh()  # from the history, as it is now
    open_room(bob, chat_server, '/room/replies')
    WebDriverWait(bob, PATIENCE).until(lambda d: len(quotes(d)) == 3 and quotes(d)[2] is not None)
    assert quotes(bob)[2] == (name, 'message deleted', '"message deleted"')


def test_enter_on_a_quote_loads_the_pages_above_and_brings_its_original_into_view(
    start_server: Callable[..., AppProcess], chat_env: Path, browser
) -> None:
    seed_a_reply_far_below_its_original(chat_env, 180)
    server = start_server()
    driver = browser(600, 700)
    open_room(driver, server, '/room/archive')
    wait_for_bubbles(driver, 50)
    assert quotes(driver)[-1] == ('Seeder', 'the question, long ago', '"the question, long ago"')
    quote = bubble(driver, -1).find_element(By.CSS_SELECTOR, '.chat-quote')
    assert quote.get_attribute('aria-label') == 'Reply to Seeder: the question, long ago. Show it'
    driver.execute_script('arguments[0].focus()', quote)
    quote.send_keys(Keys.ENTER)
    WebDriverWait(driver, PATIENCE).until(lambda d: d.find_elements(By.CSS_SELECTOR, FOUND))
    assert len(bubbles(driver)) == 182, 'four pages loaded above'
    assert driver.find_element(By.CSS_SELECTOR, FOUND).get_attribute('textContent') == 'the question, long ago'
    assert driver.execute_script(f"""
        const bubble = document.querySelector('{FOUND}').getBoundingClientRect();
        const view = document.querySelector('.chat-scroller').getBoundingClientRect();
        return bubble.top >= view.top && bubble.bottom <= view.bottom;
    """), 'scrolled into view'
    WebDriverWait(driver, 10).until(lambda d: not d.find_elements(By.CSS_SELECTOR, FOUND)), 'the mark goes again'
