"""The everyday room experience in real Chromium: scrolling, unread count, typing, themes, mobile, keyboard."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.app_process import AppProcess
from tests.support.browser import MESSAGE_INPUT, bubbles, open_room, side_by_side, type_and_enter, wait_for_bubbles
from tests.support.seeding import seed_database

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parent.parent / 'docs'
PEOPLE = '[aria-label$="in this room; show names"]'


def rename(driver: WebDriver, name: str) -> None:
    field = driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Your name"]')
    field.send_keys(Keys.CONTROL, 'a')
    field.send_keys(name + Keys.ENTER)
    WebDriverWait(driver, 2).until(lambda d: field.get_attribute('value') == name)


def visible_text(driver: WebDriver, selector: str) -> str:
    elements = driver.find_elements(By.CSS_SELECTOR, selector)
    return elements[0].text if elements and elements[0].is_displayed() else ''


def top_of(driver: WebDriver, text: str) -> float:
    return driver.execute_script(
        "return [...document.querySelectorAll('.chat-bubble')].find(b => b.textContent === arguments[0])"
        '.getBoundingClientRect().top',
        text,
    )


def test_a_reader_scrolled_up_stays_put_and_can_jump_to_new_messages(
    start_server: Callable[..., AppProcess], chat_env: Path, browser
) -> None:
    seed_database(chat_env, 'long', 50)
    server = start_server()
    reader, writer = browser(600, 600), browser(600, 600)
    open_room(reader, server, '/room/long')
    open_room(writer, server, '/room/long')
    wait_for_bubbles(reader, 50)
    reader.execute_script("document.querySelector('.chat-scroller').scrollTop = -800")
    WebDriverWait(reader, 2).until(
        lambda d: d.execute_script("return document.querySelector('.chat-scroller').dataset.atBottom === 'false'")
    )
    before = top_of(reader, 'old 30')

    for i in range(3):
        type_and_enter(writer, f'new {i}')
        wait_for_bubbles(writer, 51 + i)
    wait_for_bubbles(reader, 53)
    assert abs(top_of(reader, 'old 30') - before) <= 2, 'the reader was not moved'
    WebDriverWait(reader, 2).until(lambda d: visible_text(d, '.chat-jump .block') == '3 new messages')

    reader.find_element(By.CSS_SELECTOR, '.chat-jump').click()
    WebDriverWait(reader, 3).until(
        lambda d: d.execute_script("return document.querySelector('.chat-scroller').scrollTop") > -5
    )
    WebDriverWait(reader, 2).until(lambda d: visible_text(d, '.chat-jump .block') == '')


def test_the_tab_title_counts_unread_messages_while_the_tab_is_hidden(chat_server: AppProcess, browser) -> None:
    reader, writer = browser(), browser()
    open_room(reader, chat_server)
    open_room(writer, chat_server)
    room_tab = reader.current_window_handle
    reader.switch_to.new_window('tab')  # the room's tab is now in the background
    for i in range(3):
        type_and_enter(writer, f'while you were away {i}')
        wait_for_bubbles(writer, i + 1)

    def title_of_room_tab(_: WebDriver) -> str:
        targets = reader.execute_cdp_cmd('Target.getTargets', {})['targetInfos']
        return next(t['title'] for t in targets if t['targetId'] == room_tab)

    WebDriverWait(reader, 3).until(lambda d: title_of_room_tab(d) == '(3) lobby · Chat')
    reader.close()
    reader.switch_to.window(room_tab)
    reader.execute_cdp_cmd('Page.bringToFront', {})
    WebDriverWait(reader, 3).until(lambda d: d.title == 'lobby · Chat')


def test_others_see_typing_and_who_is_here(chat_server: AppProcess, browser) -> None:
    alice, bob = browser(), browser()
    open_room(alice, chat_server)
    open_room(bob, chat_server)
    rename(alice, 'Alice')
    rename(bob, 'Bob')
    WebDriverWait(bob, 3).until(lambda d: visible_text(d, f'{PEOPLE} .block') == '2 here')
    alice.find_element(By.CSS_SELECTOR, MESSAGE_INPUT).send_keys('I am typ')
    WebDriverWait(bob, 3).until(lambda d: visible_text(d, '.chat-typing') == 'Alice is typing…')
    assert visible_text(alice, '.chat-typing') == ''
    alice.find_element(By.CSS_SELECTOR, MESSAGE_INPUT).send_keys('ing' + Keys.ENTER)
    wait_for_bubbles(bob, 1)
    WebDriverWait(bob, 3).until(lambda d: visible_text(d, '.chat-typing') == '')
    bob.find_element(By.CSS_SELECTOR, PEOPLE).click()
    WebDriverWait(bob, 3).until(lambda d: visible_text(d, '.chat-people-names') == 'Alice\nBob')


def luminance(colour: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r'\d+', colour)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def bubble_colours(driver: WebDriver, selector: str) -> tuple[str, str]:
    return tuple(
        driver.execute_script(
            'const s = getComputedStyle(document.querySelector(arguments[0])); return [s.color, s.backgroundColor]',
            selector,
        )
    )


def test_own_and_others_stay_distinct_and_readable_in_light_and_dark(chat_server: AppProcess, browser) -> None:
    alice, bob = browser(640, 640), browser(640, 640)
    open_room(alice, chat_server)
    open_room(bob, chat_server)
    rename(alice, 'Alice')
    rename(bob, 'Bob')
    conversation = [
        (alice, 'Morning! Did you see the release notes?'),
        (alice, 'https://nicegui.io has them'),
        (bob, 'Yes, the new bubbles look great.'),
        (bob, 'And dark mode follows my system now.'),
        (alice, 'Perfect 🎉'),
    ]
    for count, (driver, text) in enumerate(conversation, start=1):
        type_and_enter(driver, text)
        wait_for_bubbles(alice, count)
    wait_for_bubbles(bob, len(conversation))
    continued = "return [...document.querySelectorAll('.chat-bubble')].map(b => b.classList.contains('continued'))"
    assert alice.execute_script(continued) == [False, True, False, True, False], 'a run of one author is grouped'
    link = alice.find_element(By.CSS_SELECTOR, '.chat-bubble a')
    shown = link.get_attribute('textContent')  # `.text` is '' while the bubble is scrolled out of the window
    assert (shown, link.get_attribute('href'), link.get_attribute('target'), link.get_attribute('rel')) == (
        'https://nicegui.io',
        'https://nicegui.io/',
        '_blank',
        'noopener noreferrer',
    )
    full_date = alice.find_element(By.CSS_SELECTOR, '.chat-bubble').get_attribute('title')
    assert re.search(r'20\d\d', full_date), 'hovering shows the full date'
    bob.find_element(By.CSS_SELECTOR, MESSAGE_INPUT).send_keys('Typing a rep')
    WebDriverWait(alice, 3).until(lambda d: visible_text(d, '.chat-typing') == 'Bob is typing…')

    for theme in ('light', 'dark'):
        if theme == 'dark':
            for driver in (alice, bob):
                driver.find_element(By.CSS_SELECTOR, '[aria-label^="Theme follows the system"]').click()
                driver.find_element(By.CSS_SELECTOR, '[aria-label^="Light theme"]').click()
                WebDriverWait(driver, 2).until(
                    lambda d: 'body--dark' in d.find_element(By.TAG_NAME, 'body').get_attribute('class')
                )
        own_text, own_background = bubble_colours(alice, '.sent-message')
        others_text, others_background = bubble_colours(alice, '.received-message')
        assert contrast(own_text, own_background) >= 4.5, theme
        assert contrast(others_text, others_background) >= 4.5, theme
        own_rgb = [int(c) for c in re.findall(r'\d+', own_background)[:3]]
        others_rgb = [int(c) for c in re.findall(r'\d+', others_background)[:3]]
        assert own_rgb[1] > own_rgb[0] and others_rgb[0] > others_rgb[1], f'green vs red in {theme}'
        side_by_side(alice, bob, DOCS / ('screenshot.png' if theme == 'light' else 'screenshot-dark.png'))


def test_the_theme_follows_the_system_by_default(chat_server: AppProcess, browser) -> None:
    driver = browser()
    driver.execute_cdp_cmd(
        'Emulation.setEmulatedMedia', {'features': [{'name': 'prefers-color-scheme', 'value': 'dark'}]}
    )
    open_room(driver, chat_server)
    WebDriverWait(driver, 3).until(lambda d: 'body--dark' in d.find_element(By.TAG_NAME, 'body').get_attribute('class'))
    driver.execute_cdp_cmd(
        'Emulation.setEmulatedMedia', {'features': [{'name': 'prefers-color-scheme', 'value': 'light'}]}
    )
    WebDriverWait(driver, 3).until(
        lambda d: 'body--dark' not in d.find_element(By.TAG_NAME, 'body').get_attribute('class')
    )


def test_a_375_px_phone_gets_no_horizontal_scrolling_and_a_visible_input(chat_server: AppProcess, browser) -> None:
    phone = browser()
    phone.execute_cdp_cmd(
        'Emulation.setDeviceMetricsOverride', {'width': 375, 'height': 667, 'deviceScaleFactor': 2, 'mobile': True}
    )
    open_room(phone, chat_server)
    for text in ['x' * 300, 'https://example.com/' + 'a-very-long-path/' * 12, 'short one']:
        type_and_enter(phone, text)
    wait_for_bubbles(phone, 3)
    assert phone.execute_script('return document.documentElement.scrollWidth') <= 375
    bottom = phone.execute_script(f"return document.querySelector('{MESSAGE_INPUT}').getBoundingClientRect().bottom")
    assert bottom <= 667
    assert phone.execute_script("return document.querySelector('.chat-bubble').getBoundingClientRect().right") <= 375
    phone.save_screenshot(str(DOCS / 'screenshot-mobile.png'))


def test_everything_works_with_the_keyboard_alone(start_server: Callable[..., AppProcess], chat_env, browser) -> None:
    seed_database(chat_env, 'keys', 60)
    server = start_server()
    driver = browser()
    open_room(driver, server, '/room/keys')
    wait_for_bubbles(driver, 50)
    labels, in_list = [], []
    body = driver.find_element(By.TAG_NAME, 'body')
    driver.execute_script('document.activeElement.blur()')
    for _ in range(12):
        body.send_keys(Keys.TAB) if not labels else driver.switch_to.active_element.send_keys(Keys.TAB)
        element = driver.switch_to.active_element
        labels.append(element.get_attribute('aria-label') or element.get_attribute('data-id') or element.text)
        in_list.append(driver.execute_script("return document.activeElement.closest('.chat-bubble') !== null"))
    for expected in ('Your rooms', 'Search this room', 'Your name', 'Message', 'Send'):  # below 1024 px: no 'All rooms'
        assert expected in labels, labels
    assert any('LOAD OLDER' in label.upper() for label in labels), labels
    assert any('Theme' in label for label in labels), labels
    assert sum(in_list[: labels.index('Message')]) == 1, f'the messages are one stop on the way: {labels}'

    focus = driver.find_element(By.CSS_SELECTOR, MESSAGE_INPUT)
    focus.send_keys('sent with the keyboard' + Keys.ENTER)
    assert bubbles(driver)[-1] == ('sent with the keyboard', 'sent-message') or wait_for_bubbles(driver, 51)
