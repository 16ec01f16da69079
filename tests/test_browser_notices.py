"""Room notices in real Chromium: a line the server wrote, worded by the browser, among the bubbles."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from chat.domain.model import Author
from chat.domain.notices import NOTICE_AUTHOR, Notice, NoticeKind
from chat.stores.messages.sqlite import SQLiteBackend
from tests.support.app_process import AppProcess
from tests.support.browser import open_room, wait_for_bubbles

pytestmark = pytest.mark.browser


async def test_a_notice_is_a_centered_line_with_no_author_and_no_buttons(
    chat_env: Path, start_server: Callable[..., AppProcess], browser: Callable[..., WebDriver]
) -> None:
    backend = SQLiteBackend(chat_env / 'chat.db')
    await backend.start(lambda message: None)
    await backend.append('lobby', Author('tab-a', 'Alice'), 'before the notice')
    notice = Notice(NoticeKind.REMOVED, target='browser-b', target_name='<b>Bob</b>')
    await backend.append('lobby', NOTICE_AUTHOR, '', notice=notice)
    await backend.append('lobby', Author('tab-a', 'Alice'), 'after the notice')
    await backend.stop()
    server = start_server()
    driver = browser()
    open_room(driver, server)
    assert [text for text, _ in wait_for_bubbles(driver, 2)] == ['before the notice', 'after the notice']
    (line,) = driver.find_elements(By.CSS_SELECTOR, '.chat-notice-line')
    assert line.text == 'The owner removed <b>Bob</b> from the room', 'its name is text, never markup'
    classes = line.get_attribute('class') or ''
    assert 'sent-message' not in classes and 'received-message' not in classes
    assert not line.find_elements(By.CSS_SELECTOR, 'button')
    column = [element.get_attribute('class') for element in driver.find_elements(By.CSS_SELECTOR, '.chat-column > *')]
    assert column.index(classes) == 1, 'in its place among the messages'
