"""A private room in real Chromium: created, refused to a stranger, joined by the owner's invite link, live."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from chat.domain.private import PRIVATE_REFUSAL
from tests.support.app_process import AppProcess
from tests.support.browser import MESSAGE_INPUT, PATIENCE, click_when_ready, type_and_enter, wait_for_bubbles

pytestmark = pytest.mark.browser


def wait_until_usable(driver: WebDriver) -> None:
    WebDriverWait(driver, PATIENCE).until(lambda d: d.find_elements(By.CSS_SELECTOR, MESSAGE_INPUT))
    WebDriverWait(driver, PATIENCE).until(lambda d: d.execute_script('return window.did_handshake === true'))


def click_button(driver: WebDriver, text: str) -> None:
    driver.find_element(By.XPATH, f'//button[contains(., "{text}")]').click()


def create_private_room(owner: WebDriver, server: AppProcess, name: str) -> None:
    """Create the room from the rooms page, as its owner would, and wait in it until it is usable."""
    owner.get(f'{server.url}/rooms')
    field = WebDriverWait(owner, PATIENCE).until(
        lambda d: d.find_element(By.CSS_SELECTOR, 'input[aria-label="Private room name"]')
    )
    field.send_keys(name)
    click_button(owner, 'Create private room')
    wait_until_usable(owner)


def make_invite_link(owner: WebDriver) -> str:
    """Open the Invite dialog, make a link with the default limits and return it; the dialog stays open."""
    owner.find_element(By.CSS_SELECTOR, 'button[aria-label="Invite"]').click()
    WebDriverWait(owner, PATIENCE).until(lambda d: d.find_element(By.CSS_SELECTOR, '.chat-invite'))
    click_button(owner, 'Make link')
    link_field = WebDriverWait(owner, PATIENCE).until(
        lambda d: d.find_element(By.CSS_SELECTOR, 'input[aria-label="Invite link"]')
    )
    WebDriverWait(owner, PATIENCE).until(lambda _: '/invite/' in (link_field.get_attribute('value') or ''))
    return link_field.get_attribute('value') or ''


def close_invite_dialog(owner: WebDriver) -> None:
    ActionChains(owner).send_keys(Keys.ESCAPE).perform()
    WebDriverWait(owner, PATIENCE).until(lambda d: not d.find_elements(By.CSS_SELECTOR, '.chat-invite'))


def test_an_invite_link_lets_a_second_browser_into_a_private_room_it_was_refused(
    chat_server: AppProcess, browser
) -> None:
    owner, guest = browser(1280, 800), browser()
    create_private_room(owner, chat_server, 'family')
    room_url = owner.current_url
    assert '/room/~family-' in room_url
    type_and_enter(owner, 'Welcome to the family room')
    wait_for_bubbles(owner, 1)

    guest.get(room_url)
    WebDriverWait(guest, PATIENCE).until(lambda d: PRIVATE_REFUSAL in d.find_element(By.TAG_NAME, 'body').text)
    assert not guest.find_elements(By.CSS_SELECTOR, MESSAGE_INPUT)
    assert 'Welcome' not in guest.page_source

    link = make_invite_link(owner)
    assert 'Good for any number of uses, until ' in owner.find_element(By.CSS_SELECTOR, '.chat-invite').text
    click_button(owner, 'Copy link')
    WebDriverWait(owner, PATIENCE).until(lambda d: 'Invite link copied' in d.find_element(By.TAG_NAME, 'body').text)

    guest.get(link)
    wait_until_usable(guest)
    assert guest.current_url == room_url
    assert [text for text, _ in wait_for_bubbles(guest, 1)] == ['Welcome to the family room']
    close_invite_dialog(owner)
    type_and_enter(owner, 'Glad you came')
    assert [text for text, _ in wait_for_bubbles(guest, 2)][-1] == 'Glad you came'


def test_the_owner_removes_a_guest_whose_open_tab_loses_the_room_live(chat_server: AppProcess, browser) -> None:
    owner, guest = browser(1280, 800), browser()
    create_private_room(owner, chat_server, 'family')
    link = make_invite_link(owner)
    close_invite_dialog(owner)
    guest.get(link)
    wait_until_usable(guest)
    type_and_enter(guest, 'Hello from the guest')
    wait_for_bubbles(owner, 1)

    owner.find_element(By.CSS_SELECTOR, 'button[aria-label="Members"]').click()
    click_when_ready(owner, '.chat-members button[aria-label^="Remove"]')
    WebDriverWait(guest, PATIENCE).until(lambda d: PRIVATE_REFUSAL in d.find_element(By.TAG_NAME, 'body').text)
    assert not guest.find_elements(By.CSS_SELECTOR, MESSAGE_INPUT)
    notice = WebDriverWait(owner, PATIENCE).until(lambda d: d.find_element(By.CSS_SELECTOR, '.chat-notice-line'))
    assert notice.text.startswith('The owner removed ') and notice.text.endswith(' from the room')
    ActionChains(owner).send_keys(Keys.ESCAPE).perform()
    WebDriverWait(owner, PATIENCE).until(lambda d: not d.find_elements(By.CSS_SELECTOR, '.chat-members'))
    type_and_enter(owner, 'Said after the removal')
    wait_for_bubbles(owner, 2)
    assert 'Said after the removal' not in guest.find_element(By.TAG_NAME, 'body').text
    assert 'Hello from the guest' not in guest.page_source
