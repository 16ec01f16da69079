"""Mutes and read-only rooms in real Chromium: a moderator mutes Bob from the people menu, Bob's open tab says why
and until when under its input and refuses his Enter with the text kept, and a third person sees the notice; the
moderator lifts the mute and Bob's line goes and he can send; a moderator makes the room read-only and the other
tab cannot send."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from chat.domain.restrictions import READ_ONLY_REFUSAL
from chat.ui.moderation import WELCOME
from tests.support.app_process import AppProcess, run_app
from tests.support.browser import MESSAGE_INPUT, PATIENCE, body_text, open_room, type_and_enter, wait_for_bubbles

pytestmark = pytest.mark.browser


def make_moderator(server: AppProcess, driver: WebDriver) -> None:
    created = run_app('--create-moderator-link', '--port', str(server.port))
    assert created.returncode == 0, created.stderr
    driver.get(created.stdout.strip())
    WebDriverWait(driver, PATIENCE).until(lambda d: WELCOME in body_text(d))
    open_room(driver, server)


def restriction(driver: WebDriver) -> str:
    return driver.find_element(By.CSS_SELECTOR, '.chat-restriction').text


def refused_with(driver: WebDriver) -> str:
    """The line Quasar shows under the message input while it has an error."""
    found = driver.find_elements(By.CSS_SELECTOR, '.chat-composer .q-field--error .q-field__messages')
    return found[0].text if found else ''


def test_a_muted_persons_tab_says_why_and_until_when_and_keeps_the_refused_text(
    chat_server: AppProcess, browser
) -> None:
    moderator, bob, carol = browser(800, 720), browser(640, 720), browser(640, 720)
    open_room(bob, chat_server)
    type_and_enter(bob, 'buy cheap watches')
    make_moderator(chat_server, moderator)
    open_room(carol, chat_server)
    wait_for_bubbles(moderator, 1)
    bobs_name = bob.find_element(By.CSS_SELECTOR, 'input[aria-label="Your name"]').get_attribute('value')

    moderator.find_element(By.CSS_SELECTOR, 'button[aria-label$="in this room; show names"]').click()
    mute = WebDriverWait(moderator, PATIENCE).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, f'button[aria-label="Mute {bobs_name}…"]')
    )
    mute[0].click()
    reason = WebDriverWait(moderator, PATIENCE).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, '.chat-mute-dialog input[aria-label^="Reason"]')
    )
    reason[0].send_keys('selling watches')
    moderator.find_element(By.XPATH, "//div[contains(@class, 'chat-mute-dialog')]//button[contains(., 'Mute')]").click()

    WebDriverWait(bob, PATIENCE).until(lambda d: restriction(d).startswith('You are muted in this room until'))
    assert restriction(bob).endswith(': selling watches')
    assert restriction(carol) == '' and restriction(moderator) == ''
    type_and_enter(bob, 'let me speak')
    WebDriverWait(bob, PATIENCE).until(lambda d: refused_with(d).startswith('You are muted in this room until'))
    assert bob.find_element(By.CSS_SELECTOR, MESSAGE_INPUT).get_attribute('value') == 'let me speak'
    for driver in (carol, moderator, bob):
        WebDriverWait(driver, PATIENCE).until(
            lambda d: any(
                line.text.startswith(f'A moderator muted {bobs_name} in this room until')
                and line.text.endswith(': selling watches')
                for line in d.find_elements(By.CSS_SELECTOR, '.chat-notice-line')
            )
        )

    WebDriverWait(moderator, PATIENCE, ignored_exceptions=[StaleElementReferenceException]).until(
        lambda d: click_unmute(d, bobs_name)
    )
    WebDriverWait(bob, PATIENCE).until(lambda d: restriction(d) == '')
    WebDriverWait(carol, PATIENCE).until(lambda d: f"A moderator lifted {bobs_name}'s mute" in body_text(d))
    bob.find_element(By.CSS_SELECTOR, MESSAGE_INPUT).send_keys(Keys.ENTER)  # the refused text, sent again
    WebDriverWait(carol, PATIENCE).until(lambda d: 'let me speak' in body_text(d))
    assert refused_with(bob) == ''


def click_unmute(driver: WebDriver, name: str) -> bool:
    """Click the people menu's Unmute beside `name`, opening the menu if the mute dialog closed it; the menu's rows
    are drawn anew as people come and go, so a row found may be gone by the click (the wait then tries again)."""
    found = [
        b for b in driver.find_elements(By.CSS_SELECTOR, f'button[aria-label="Unmute {name}"]') if b.is_displayed()
    ]
    if not found and not driver.find_elements(By.CSS_SELECTOR, '.q-menu'):
        driver.find_element(By.CSS_SELECTOR, 'button[aria-label$="in this room; show names"]').click()
    if found:
        found[0].click()
    return bool(found)


def test_a_moderator_makes_the_room_read_only_and_the_other_tab_cannot_send(chat_server: AppProcess, browser) -> None:
    moderator, bob = browser(800, 720), browser(640, 720)
    open_room(bob, chat_server)
    make_moderator(chat_server, moderator)
    moderator.find_element(By.CSS_SELECTOR, 'button[aria-label="Make this room read-only"]').click()
    WebDriverWait(bob, PATIENCE).until(lambda d: restriction(d) == READ_ONLY_REFUSAL)
    assert 'A moderator made this room read-only' in body_text(bob)
    type_and_enter(bob, 'anyone there?')
    WebDriverWait(bob, PATIENCE).until(lambda d: refused_with(d) == READ_ONLY_REFUSAL)
    assert bob.find_element(By.CSS_SELECTOR, MESSAGE_INPUT).get_attribute('value') == 'anyone there?'
    type_and_enter(moderator, 'only moderators now')
    WebDriverWait(bob, PATIENCE).until(lambda d: 'only moderators now' in body_text(d))
    WebDriverWait(moderator, PATIENCE).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, 'button[aria-label="Make this room writable again"]')
    )[0].click()
    WebDriverWait(bob, PATIENCE).until(lambda d: restriction(d) == '')


def test_the_lock_button_follows_the_room_in_every_moderators_tab(chat_server: AppProcess, browser) -> None:
    first, second = browser(800, 720), browser(800, 720)
    make_moderator(chat_server, first)
    make_moderator(chat_server, second)
    lock(first, 'Make this room read-only').click()
    lock(second, 'Make this room writable again').click()  # the second tab's button follows, no reload
    lock(first, 'Make this room read-only')
    WebDriverWait(first, PATIENCE).until(lambda d: 'A moderator made this room writable again' in body_text(d))


def lock(driver: WebDriver, label: str) -> WebElement:
    """The header's lock button once it says `label`."""
    return WebDriverWait(driver, PATIENCE).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, f'button[aria-label="{label}"]')
    )[0]
