"""Reactions in real Chromium: added by mouse and by keyboard, a chip toggling one's own, and the counts and names
arriving live in another browser, beside a hostile message that stays text."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.app_process import AppProcess
from tests.support.browser import MESSAGE_INPUT, PATIENCE, bubble, bubbles, open_room, type_and_enter, wait_for_bubbles

pytestmark = pytest.mark.browser

HOSTILE = '<img src=x onerror="window.pwned = 1"> {{ 7 * 7 }}'
ADD = '.chat-react-add'


def chips(driver: WebDriver, index: int) -> list[tuple[str, str, bool]]:
    """(what the chip shows, its title, whether it is highlighted as the viewer's own) of each chip of a bubble."""
    found = driver.execute_script(
        """return [...document.querySelectorAll('.chat-bubble')[arguments[0]].querySelectorAll('.chat-reaction')]
            .map(c => [getComputedStyle(c, '::before').content.slice(1, -1), c.title,
                       c.classList.contains('mine')]);""",
        index,
    )
    return [(shown, title, mine) for shown, title, mine in found]


def wait_for_chips(driver: WebDriver, index: int, expected: list[tuple[str, str, bool]]) -> None:
    WebDriverWait(driver, PATIENCE, poll_frequency=0.05).until(lambda d: chips(d, index) == expected)


def pick(driver: WebDriver, emoji: str) -> WebElement:
    return WebDriverWait(driver, PATIENCE).until(
        lambda d: next(
            (
                e
                for e in d.find_elements(By.CSS_SELECTOR, '.chat-react-picker button')
                if e.get_attribute('textContent') == emoji
            ),
            None,
        )
    )


@pytest.mark.settings(message_burst=0, ip_message_burst=0)
def test_reactions_by_mouse_and_keyboard_reach_another_browser_with_counts_and_names(
    chat_server: AppProcess, browser
) -> None:
    alice, bob = browser(640, 720), browser(640, 720)
    for driver in (alice, bob):
        open_room(driver, chat_server, '/room/reactions')
    type_and_enter(alice, HOSTILE)
    wait_for_bubbles(bob, 1)
    type_and_enter(bob, 'hi')
    wait_for_bubbles(alice, 2)
    a, b = (bubble(alice, i).get_attribute('data-author') for i in (0, 1))

    target = bubble(bob, 0)  # by mouse: hover shows the add button, the menu holds the six
    ActionChains(bob).move_to_element(target).perform()
    add = target.find_element(By.CSS_SELECTOR, ADD)
    WebDriverWait(bob, PATIENCE).until(lambda _: add.value_of_css_property('opacity') == '1')
    add.click()
    shown = [e.get_attribute('textContent') for e in bob.find_elements(By.CSS_SELECTOR, '.chat-react-picker button')]
    assert shown == ['👍', '❤️', '😂', '🎉', '😮', '😢']
    pick(bob, '🎉').click()
    wait_for_chips(bob, 0, [('🎉 1', b, True)])
    wait_for_chips(alice, 0, [('🎉 1', b, False)])

    bubble(alice, 0).find_element(By.CSS_SELECTOR, '.chat-reaction').click()  # a chip adds one's own
    wait_for_chips(alice, 0, [('🎉 2', f'{b}, {a}', True)])
    wait_for_chips(bob, 0, [('🎉 2', f'{b}, {a}', True)])

    field = bob.find_element(By.CSS_SELECTOR, MESSAGE_INPUT)  # by keyboard: the list is one stop, arrows move in it
    field.send_keys(Keys.SHIFT, Keys.TAB)
    WebDriverWait(bob, PATIENCE).until(lambda d: d.switch_to.active_element == bubble(d, 0))  # the one he used last
    bob.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
    WebDriverWait(bob, PATIENCE).until(lambda d: d.switch_to.active_element == bubble(d, 1))
    bob.switch_to.active_element.send_keys(Keys.ARROW_UP, Keys.ARROW_DOWN, Keys.ARROW_DOWN)  # the last stays last
    WebDriverWait(bob, PATIENCE).until(lambda d: d.switch_to.active_element == bubble(d, 1))
    bob.switch_to.active_element.send_keys(Keys.ENTER)  # into the message: its first button, then the next
    WebDriverWait(bob, PATIENCE).until(lambda d: d.switch_to.active_element.get_attribute('aria-label') == 'Reply')
    bob.switch_to.active_element.send_keys(Keys.TAB)
    assert bob.switch_to.active_element.get_attribute('aria-label') == 'Add reaction'
    bob.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(bob, PATIENCE).until(lambda d: d.switch_to.active_element.get_attribute('textContent') == '👍')
    bob.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for_chips(alice, 1, [('👍 1', b, False)])

    bubble(bob, 0).find_element(By.CSS_SELECTOR, '.chat-reaction.mine').click()  # the own chip takes it back
    wait_for_chips(alice, 0, [('🎉 1', a, True)])
    wait_for_chips(bob, 0, [('🎉 1', a, False)])
    assert [text for text, _ in bubbles(alice)] == [HOSTILE, 'hi'] == [text for text, _ in bubbles(bob)]
    assert alice.execute_script('return window.pwned') is None
