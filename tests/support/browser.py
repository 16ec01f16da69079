"""A person at a real Chromium: open a room, type and press Enter, read the bubbles and their colours.

Every wait has a generous deadline and ends as soon as its condition holds: with several browsers
and app processes sharing two cores, a page can take seconds to show what takes milliseconds alone.
"""

from __future__ import annotations

import re
from pathlib import Path

from PIL import Image
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.app_process import AppProcess

MESSAGE_INPUT = 'input[aria-label="Message"]'
MENU = '.chat-bubble-menu'  # a message's ⋮ button
PATIENCE = 30  # seconds a wait gives the page: a usable room, an input cleared


def open_room(driver: WebDriver, server: AppProcess | str, path: str = '/') -> None:
    """Go to the room and wait until it is usable: the message input is there and the socket has connected."""
    driver.get((server if isinstance(server, str) else server.url) + path)
    WebDriverWait(driver, PATIENCE).until(lambda d: d.find_elements(By.CSS_SELECTOR, MESSAGE_INPUT))
    WebDriverWait(driver, PATIENCE).until(lambda d: d.execute_script('return window.did_handshake === true'))


def click_when_ready(driver: WebDriver, selector: str, by: str = By.CSS_SELECTOR) -> None:
    """Click the element once it stands still: a dialog that is opening grows and moves its buttons, and a click
    at where a button was a moment ago lands beside it."""
    seen: list[dict[str, float] | None] = [None]

    def standing(d: WebDriver) -> WebElement | None:
        try:
            element = d.find_element(by, selector)
            rect = element.rect if element.is_displayed() else None
        except (NoSuchElementException, StaleElementReferenceException):
            return None
        stood, seen[0] = rect is not None and rect == seen[0], rect
        return element if stood else None

    WebDriverWait(driver, PATIENCE, poll_frequency=0.1).until(standing).click()


def type_and_enter(driver: WebDriver, text: str) -> None:
    """Type `text` into the message input and press Enter, once the input is empty.

    The input shows the last message until the app has cleared it, and what is typed meanwhile
    joins that text; a person waits for it to clear, and so does this. The text goes in as one
    input event, as an IME or the emoji picker commits it, because chromedriver's key presses
    cover only the Basic Multilingual Plane, and people type emoji. Enter is a real key press, so
    the composer's keydown handler runs as it does for a person.
    """
    field = driver.find_element(By.CSS_SELECTOR, MESSAGE_INPUT)
    WebDriverWait(driver, PATIENCE).until(lambda _: field.get_attribute('value') == '')
    driver.execute_script('arguments[0].focus()', field)
    driver.execute_cdp_cmd('Input.insertText', {'text': text})
    field.send_keys(Keys.ENTER)


def edit_own_message(driver: WebDriver, text: str) -> None:
    """Edit the tab's latest own message from the keyboard: Enter on its menu button opens the menu on "Edit", Enter
    opens the editor; the new text goes in as one input event, then Enter saves it.

    The menu button is focused by selecting it: which button Shift+Tab from the input reaches depends on the
    messages below (another's has its reaction button)."""
    menus = driver.find_elements(By.CSS_SELECTOR, '.sent-message .chat-bubble-menu')
    menus[-1].send_keys(Keys.ENTER)
    WebDriverWait(driver, PATIENCE).until(lambda d: d.switch_to.active_element.text == 'Edit')
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    editor = WebDriverWait(driver, PATIENCE).until(
        lambda d: d.find_element(By.CSS_SELECTOR, 'textarea[aria-label="Edit message"]')
    )
    editor.send_keys(Keys.CONTROL, 'a')
    driver.execute_cdp_cmd('Input.insertText', {'text': text})
    editor.send_keys(Keys.ENTER)


def bubble(driver: WebDriver, index: int) -> WebElement:
    """The bubble at `index` of those drawn, oldest first (negative from the latest)."""
    return driver.find_elements(By.CSS_SELECTOR, '.chat-bubble')[index]


def bubbles(driver: WebDriver) -> list[tuple[str, str]]:
    """(text, class) of each bubble: 'sent-message' or 'received-message'."""
    pairs = driver.execute_script("""
        return [...document.querySelectorAll('.chat-bubble')].map(b => [
            b.textContent, b.classList.contains('sent-message') ? 'sent-message' : 'received-message']);
    """)
    return [(text, style) for text, style in pairs]


def wait_for_bubbles(driver: WebDriver, count: int, timeout: float = 10.0) -> list[tuple[str, str]]:
    """The bubbles, once there are at least `count`."""
    WebDriverWait(driver, timeout, poll_frequency=0.05).until(lambda d: len(bubbles(d)) >= count)
    return bubbles(driver)


def background(driver: WebDriver, selector: str) -> tuple[int, int, int]:
    colour = driver.execute_script(
        'return getComputedStyle(document.querySelector(arguments[0])).backgroundColor', selector
    )
    red, green, blue = (int(part) for part in re.findall(r'\d+', colour)[:3])
    return red, green, blue


def no_dialog(driver: WebDriver) -> bool:
    return not expected_conditions.alert_is_present()(driver)


def side_by_side(left: WebDriver, right: WebDriver, path: Path) -> None:
    """Save both tabs of the conversation next to each other: the README's pictures."""
    path.parent.mkdir(exist_ok=True)
    shots = [path.with_name(f'.{side}-{path.name}') for side in ('left', 'right')]
    left.save_screenshot(str(shots[0]))
    right.save_screenshot(str(shots[1]))
    images = [Image.open(shot) for shot in shots]
    canvas = Image.new('RGB', (sum(i.width for i in images) + 16, max(i.height for i in images)), '#9e9e9e')
    canvas.paste(images[0], (0, 0))
    canvas.paste(images[1], (images[0].width + 16, 0))
    canvas.save(path, optimize=True)
    for shot in shots:
        shot.unlink()


def texts(driver: WebDriver) -> list[str]:
    return [text for text, _ in bubbles(driver)]


def menu_item(driver: WebDriver, label: str) -> WebElement:
    return WebDriverWait(driver, PATIENCE).until(
        lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, '[role="menuitem"]') if e.text == label), None)
    )


def confirm_dialog(driver: WebDriver) -> WebElement:
    """The delete confirmation, once it is shown."""
    return WebDriverWait(driver, PATIENCE).until(
        lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, '[role="alertdialog"]') if e.is_displayed()), None)
    )


def open_menu_by_mouse(driver: WebDriver, index: int) -> None:
    target = bubble(driver, index)
    ActionChains(driver).move_to_element(target).perform()
    button = target.find_element(By.CSS_SELECTOR, MENU)
    WebDriverWait(driver, PATIENCE).until(lambda _: button.value_of_css_property('opacity') == '1')
    button.click()


def body_text(driver) -> str:
    return driver.find_element(By.TAG_NAME, 'body').text


def press_in_dialog(driver: WebDriver, label: str) -> None:
    """Press the confirmation dialog's button named `label`, once the dialog has opened."""
    click_when_ready(driver, f'//*[@role="alertdialog"]//button[contains(., "{label}")]', By.XPATH)
