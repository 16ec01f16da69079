"""Editing and deleting one's own messages in real Chromium: the bubble's menu by mouse and by keyboard, the edit in
place, the confirm, and the change arriving live in another browser, as text."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.app_process import AppProcess
from tests.support.browser import (
    MENU,
    MESSAGE_INPUT,
    PATIENCE,
    bubble,
    confirm_dialog,
    menu_item,
    open_menu_by_mouse,
    open_room,
    press_in_dialog,
    texts,
    type_and_enter,
    wait_for_bubbles,
)

pytestmark = pytest.mark.browser

HOSTILE = '<img src=x onerror="window.pwned = 1"> **bold?** {{ 7 * 7 }}'
EDITOR = 'textarea[aria-label="Edit message"]'


def wait_for_texts(driver: WebDriver, expected: list[str]) -> None:
    WebDriverWait(driver, PATIENCE, poll_frequency=0.05).until(lambda d: texts(d) == expected)


def time_line(driver: WebDriver, index: int) -> str:
    """What the bubble shows after its text: the time, and "edited" once it was."""
    content: str = driver.execute_script(
        "return getComputedStyle(document.querySelectorAll('.chat-bubble')[arguments[0]], '::after').content", index
    )
    return content


def active_label(driver: WebDriver) -> str:
    label: str = driver.execute_script(
        'const e = document.activeElement; return e.getAttribute("aria-label") || e.textContent.trim()'
    )
    return label


@pytest.mark.settings(message_burst=0, ip_message_burst=0)
def test_an_edit_and_a_deletion_by_mouse_reach_another_browser_live_as_text(chat_server: AppProcess, browser) -> None:
    alice, bob = browser(640, 720), browser(640, 720)
    for driver in (alice, bob):
        open_room(driver, chat_server, '/room/edits')
    type_and_enter(alice, 'helo')
    wait_for_bubbles(bob, 1)
    type_and_enter(bob, 'hi')
    wait_for_bubbles(alice, 2)
    assert len(alice.find_elements(By.CSS_SELECTOR, MENU)) == 1, 'a menu on her own bubble only'
    assert len(bob.find_elements(By.CSS_SELECTOR, MENU)) == 1
    assert bubble(alice, 0).find_element(By.CSS_SELECTOR, MENU).value_of_css_property('opacity') == '0'

    open_menu_by_mouse(alice, 0)
    menu_item(alice, 'Edit').click()
    editor = WebDriverWait(alice, PATIENCE).until(lambda d: d.find_element(By.CSS_SELECTOR, EDITOR))
    assert editor.get_attribute('value') == 'helo' and active_label(alice) == 'Edit message'
    editor.send_keys(Keys.CONTROL, 'a')
    alice.execute_cdp_cmd('Input.insertText', {'text': HOSTILE})
    editor.send_keys(Keys.ENTER)
    for driver in (alice, bob):
        wait_for_texts(driver, [HOSTILE, 'hi'])
        assert 'edited' in time_line(driver, 0) and 'edited' not in time_line(driver, 1)
        assert 'edited' in bubble(driver, 0).get_attribute('title')
        assert driver.execute_script('return window.pwned === undefined')
        assert not driver.find_elements(By.CSS_SELECTOR, '.chat-bubble img')
    assert not alice.find_elements(By.CSS_SELECTOR, EDITOR)

    open_menu_by_mouse(alice, 0)
    menu_item(alice, 'Edit').click()
    editor = WebDriverWait(alice, PATIENCE).until(lambda d: d.find_element(By.CSS_SELECTOR, EDITOR))
    editor.send_keys(' and more', Keys.ESCAPE)
    WebDriverWait(alice, PATIENCE).until(lambda d: not d.find_elements(By.CSS_SELECTOR, EDITOR))
    assert texts(alice) == [HOSTILE, 'hi'] and active_label(alice) == 'Message actions'

    open_menu_by_mouse(alice, 0)
    menu_item(alice, 'Delete').click()
    dialog = confirm_dialog(alice)
    assert 'Delete this message?' in dialog.text
    press_in_dialog(alice, 'Cancel')
    WebDriverWait(alice, PATIENCE).until(lambda d: not d.find_elements(By.CSS_SELECTOR, '[role="alertdialog"]'))
    assert texts(bob) == [HOSTILE, 'hi'], 'cancelled: nothing changed'

    open_menu_by_mouse(alice, 0)
    menu_item(alice, 'Delete').click()
    dialog = confirm_dialog(alice)
    press_in_dialog(alice, 'Delete')
    for driver in (alice, bob):
        wait_for_texts(driver, ['message deleted', 'hi'])
        assert bubble(driver, 0).find_elements(By.CSS_SELECTOR, '.chat-deleted')
    assert not alice.find_elements(By.CSS_SELECTOR, MENU), 'a deleted message has no menu'

    bob.refresh()
    open_room(bob, chat_server, '/room/edits')
    wait_for_texts(bob, ['message deleted', 'hi'])


@pytest.mark.settings(message_burst=0, ip_message_burst=0)
def test_the_menu_the_editor_and_the_confirm_work_from_the_keyboard(chat_server: AppProcess, browser) -> None:
    driver = browser(640, 720)
    open_room(driver, chat_server, '/room/keys')
    type_and_enter(driver, 'first draft')
    wait_for_bubbles(driver, 1)
    field = driver.find_element(By.CSS_SELECTOR, MESSAGE_INPUT)
    field.send_keys(Keys.SHIFT, Keys.TAB)
    assert driver.switch_to.active_element == bubble(driver, 0), 'the latest message is the stop before the input'
    assert bubble(driver, 0).find_element(By.CSS_SELECTOR, MENU).value_of_css_property('opacity') == '1'
    driver.switch_to.active_element.send_keys(Keys.ENTER)  # into the message: its buttons, in order
    WebDriverWait(driver, PATIENCE).until(lambda d: active_label(d) == 'Reply')
    driver.switch_to.active_element.send_keys(Keys.TAB)
    assert active_label(driver) == 'Add reaction'
    driver.switch_to.active_element.send_keys(Keys.TAB)
    assert active_label(driver) == 'Message actions'

    driver.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(driver, PATIENCE).until(lambda d: active_label(d) == 'Edit')
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(driver, PATIENCE).until(lambda d: active_label(d) == 'Edit message')
    editor = driver.switch_to.active_element
    editor.send_keys(Keys.CONTROL, 'a')
    editor.send_keys(Keys.DELETE, '   ', Keys.ENTER)
    WebDriverWait(driver, PATIENCE).until(lambda d: 'Type a message first.' in bubble(d, 0).text)
    assert editor.get_attribute('value') == '   ', 'a refused edit keeps what was typed'
    editor.send_keys(Keys.CONTROL, 'a')
    editor.send_keys(Keys.DELETE, 'second', Keys.SHIFT, Keys.ENTER, Keys.NULL, 'line', Keys.ENTER)
    wait_for_texts(driver, ['second\nline'])
    WebDriverWait(driver, PATIENCE).until(lambda d: active_label(d) == 'Message actions')
    driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    assert driver.switch_to.active_element == bubble(driver, 0), 'Escape leaves the buttons for the message'
    driver.switch_to.active_element.send_keys(Keys.ENTER, Keys.TAB, Keys.TAB)
    WebDriverWait(driver, PATIENCE).until(lambda d: active_label(d) == 'Message actions')

    driver.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(driver, PATIENCE).until(lambda d: active_label(d) == 'Edit')
    driver.switch_to.active_element.send_keys(Keys.TAB)
    assert active_label(driver) == 'Delete'
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(driver, PATIENCE).until(lambda d: active_label(d) == 'Cancel')
    driver.switch_to.active_element.send_keys(Keys.TAB)
    assert active_label(driver) == 'Delete'
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for_texts(driver, ['message deleted'])
