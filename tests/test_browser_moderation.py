"""Moderation in real Chromium: a browser made a moderator by a link from `app.py --create-moderator-link` removes
another person's message, whose open tab shows "removed by a moderator" live, and the log lists the removal."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from chat.ui.message_list import REMOVED
from chat.ui.moderation import WELCOME
from tests.support.app_process import AppProcess, run_app
from tests.support.browser import (
    PATIENCE,
    body_text,
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


def test_a_moderator_removes_another_persons_message_live_and_the_log_lists_it(
    chat_server: AppProcess, browser
) -> None:
    created = run_app('--create-moderator-link', '--port', str(chat_server.port))
    assert created.returncode == 0, created.stderr
    link = created.stdout.strip()
    moderator, bob = browser(640, 720), browser(640, 720)
    open_room(bob, chat_server)
    type_and_enter(bob, 'something rude')
    wait_for_bubbles(bob, 1)

    moderator.get(link)
    WebDriverWait(moderator, PATIENCE).until(lambda d: WELCOME in body_text(d))
    assert moderator.current_url == f'{chat_server.url}/'
    wait_for_bubbles(moderator, 1)
    open_menu_by_mouse(moderator, 0)
    menu_item(moderator, 'Remove').click()
    dialog = confirm_dialog(moderator)
    assert 'removed by a moderator' in dialog.text
    press_in_dialog(moderator, 'Remove')

    WebDriverWait(bob, PATIENCE).until(lambda d: texts(d) == [REMOVED])
    assert 'something rude' not in bob.page_source
    WebDriverWait(moderator, PATIENCE).until(lambda d: texts(d) == [REMOVED])

    moderator.find_element(By.CSS_SELECTOR, 'button[aria-label="Moderation log"]').click()
    WebDriverWait(moderator, PATIENCE).until(lambda d: 'removed a message by' in body_text(d))
    assert '#lobby' in body_text(moderator)
    bob.get(f'{chat_server.url}/moderation')
    WebDriverWait(bob, PATIENCE).until(lambda d: 'for moderators only' in body_text(d))
    assert 'removed a message' not in body_text(bob)
