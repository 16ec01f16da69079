"""History in real Chromium against real server processes: paging in place, and a crash loses nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.app_process import AppProcess
from tests.support.browser import bubbles, open_room, type_and_enter, wait_for_bubbles
from tests.support.seeding import seed_database

pytestmark = pytest.mark.browser


def test_load_older_inserts_above_without_moving_what_the_reader_sees(
    start_server: Callable[..., AppProcess], chat_env, browser
) -> None:
    seed_database(chat_env, 'archive', 120)
    server = start_server()
    driver = browser(600, 700)
    open_room(driver, server, '/room/archive')
    assert [text for text, _ in wait_for_bubbles(driver, 50)] == [f'old {i}' for i in range(70, 120)]

    driver.execute_script("document.querySelector('.chat-scroller').scrollTop = -1e9")  # read from the top
    position_of_old_70 = """
        const bubble = [...document.querySelectorAll('.chat-bubble')].find(b => b.textContent === 'old 70');
        return bubble.getBoundingClientRect().top;
    """
    before = driver.execute_script(position_of_old_70)
    driver.find_element(By.XPATH, "//button[contains(., 'Load older messages')]").click()
    assert [text for text, _ in wait_for_bubbles(driver, 100)] == [f'old {i}' for i in range(20, 120)]
    WebDriverWait(driver, 2).until(lambda d: abs(d.execute_script(position_of_old_70) - before) <= 2)


@pytest.mark.settings(message_burst=0, ip_message_burst=0)  # two tabs posting as fast as the page confirms
def test_a_killed_server_loses_no_acknowledged_message(start_server: Callable[..., AppProcess], browser) -> None:
    server = start_server()
    alice, bob = browser(), browser()
    open_room(alice, server, '/room/durable')
    open_room(bob, server, '/room/durable')
    sent = []
    for i in range(12):
        sender = alice if i % 2 == 0 else bob
        sent.append(f'{"alice" if sender is alice else "bob"} {i}')
        type_and_enter(sender, sent[-1])
        wait_for_bubbles(sender, i + 1)  # shown to its sender: stored and acknowledged
    server.kill()
    assert server.process.returncode == -9

    restarted = start_server(server.data_dir)
    reader = browser()
    open_room(reader, restarted, '/room/durable')
    assert [text for text, _ in wait_for_bubbles(reader, 12)] == sent
    assert bubbles(reader) == [(text, 'received-message') for text in sent]
