"""Searching a room in real Chromium: a match far up the conversation is brought into view, and results stay text."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from chat.domain.model import Author
from chat.stores.messages.sqlite import SQLiteBackend
from tests.support.app_process import AppProcess
from tests.support.browser import PATIENCE, open_room, wait_for_bubbles

pytestmark = pytest.mark.browser

HOSTILE = 'needle <img src=x onerror="window.pwned = 1"> <b>hay</b> {{ 7 * 7 }}'


def seed(data_dir: Path, texts: list[str]) -> None:
    async def write() -> None:
        backend = SQLiteBackend(data_dir / 'chat.db')
        await backend.start(lambda message: None)
        for text in texts:
            await backend.append('archive', Author('seed-tab', 'Seeder'), text)
        await backend.stop()

    asyncio.run(write())


def test_a_result_far_up_the_room_is_loaded_scrolled_to_and_marked(
    start_server: Callable[..., AppProcess], chat_env: Path, browser
) -> None:
    seed(chat_env, [HOSTILE, *(f'straw {i}' for i in range(180))])
    server = start_server()
    driver = browser(600, 700)
    open_room(driver, server, '/room/archive')
    wait_for_bubbles(driver, 50)

    driver.find_element(By.CSS_SELECTOR, 'button[aria-label="Search this room"]').click()
    field = WebDriverWait(driver, PATIENCE).until(
        lambda d: d.find_element(By.CSS_SELECTOR, 'input[aria-label="Search this room"]')
    )
    field.send_keys('NEEDLE', Keys.ENTER)
    result = WebDriverWait(driver, PATIENCE).until(lambda d: d.find_element(By.CSS_SELECTOR, '.chat-search-result'))
    assert result.find_element(By.CSS_SELECTOR, '.chat-search-text').text == HOSTILE
    assert [mark.text for mark in result.find_elements(By.TAG_NAME, 'mark')] == ['needle']
    assert driver.execute_script(
        "return [...document.querySelectorAll('.chat-search-text *')].map(e => e.tagName)"
    ) == ['MARK'], 'nothing but the marks is an element'

    result.click()
    found = '.chat-bubble.chat-found'
    WebDriverWait(driver, PATIENCE).until(lambda d: d.find_elements(By.CSS_SELECTOR, found))
    assert driver.find_element(By.CSS_SELECTOR, found).text.startswith(HOSTILE), 'loaded four pages back'
    assert driver.execute_script(f"""
        const bubble = document.querySelector('{found}').getBoundingClientRect();
        const view = document.querySelector('.chat-scroller').getBoundingClientRect();
        return bubble.top >= view.top && bubble.bottom <= view.bottom;
    """), 'scrolled into view'
    WebDriverWait(driver, 10).until(lambda d: not d.find_elements(By.CSS_SELECTOR, found)), 'the mark goes again'
    assert driver.execute_script('return window.pwned') is None
