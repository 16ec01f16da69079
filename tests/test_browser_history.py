"""History in real Chromium against real server processes: paging in place, and a crash loses nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.app_process import AppProcess
from tests.support.browser import PATIENCE, bubbles, open_room, type_and_enter, wait_for_bubbles
from tests.support.seeding import seed_a_reply_far_below_its_original, seed_database

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


JUMP = '.chat-jump'


def texts(driver) -> list[str]:
    return [text for text, _ in bubbles(driver)]


def wait_for_texts(driver, check) -> None:
    WebDriverWait(driver, PATIENCE, poll_frequency=0.1).until(lambda d: check(texts(d)))


def load_older(driver) -> None:
    """Scroll to the top, as a reader does, and click "Load older messages"."""
    driver.execute_script("document.querySelector('.chat-scroller').scrollTop = -1e9")
    driver.find_element(By.XPATH, "//button[contains(., 'Load older messages')]").click()


def jump_label(driver) -> str | None:
    found = driver.find_elements(By.CSS_SELECTOR, f'{JUMP} .block')
    return found[0].text if found else None


def test_loading_older_than_a_page_keeps_lets_the_newest_go_in_place_until_jump_to_latest(
    start_server: Callable[..., AppProcess], chat_env, browser
) -> None:
    seed_database(chat_env, 'archive', 560)
    server = start_server()
    driver = browser(600, 700)
    open_room(driver, server, '/room/archive')
    wait_for_bubbles(driver, 50)
    for shown in range(100, 550, 50):
        load_older(driver)
        wait_for_texts(driver, lambda now, shown=shown: len(now) == shown)
    assert jump_label(driver) is None, 'the page still ends with the latest'

    driver.execute_script("document.querySelector('.chat-scroller').scrollTop = -1e9")
    position_of_old_60 = """
        const bubble = [...document.querySelectorAll('.chat-bubble')].find(b => b.textContent === 'old 60');
        return bubble.getBoundingClientRect().top;
    """
    before = driver.execute_script(position_of_old_60)
    driver.find_element(By.XPATH, "//button[contains(., 'Load older messages')]").click()
    wait_for_texts(driver, lambda now: now[0] == 'old 10')
    assert texts(driver) == [f'old {i}' for i in range(10, 510)], 'the newest 50 made room'
    WebDriverWait(driver, 2).until(lambda d: abs(d.execute_script(position_of_old_60) - before) <= 2)
    assert jump_label(driver) == 'Jump to latest'

    driver.find_element(By.CSS_SELECTOR, JUMP).click()
    wait_for_texts(driver, lambda now: now[-1] == 'old 559')
    assert jump_label(driver) is None


def test_a_quote_further_back_than_a_page_keeps_jumps_there_and_jump_to_latest_is_live_again(
    start_server: Callable[..., AppProcess], chat_env, browser
) -> None:
    seed_a_reply_far_below_its_original(chat_env, 700)
    server = start_server()
    alice, bob = browser(600, 700), browser()
    open_room(alice, server, '/room/archive')
    wait_for_bubbles(alice, 50)
    quote = alice.find_elements(By.CSS_SELECTOR, '.chat-quote')[-1]
    alice.execute_script('arguments[0].focus()', quote)
    quote.send_keys(Keys.ENTER)

    found = '.chat-bubble.chat-found'
    WebDriverWait(alice, PATIENCE).until(lambda d: d.find_elements(By.CSS_SELECTOR, found))
    assert texts(alice) == ['the question, long ago', *(f'chatter {i}' for i in range(25))], 'the messages around it'
    assert alice.find_element(By.CSS_SELECTOR, found).get_attribute('textContent') == 'the question, long ago'
    assert jump_label(alice) == 'Jump to latest'

    open_room(bob, server, '/room/archive')
    type_and_enter(bob, 'posted while she reads')
    WebDriverWait(alice, PATIENCE).until(lambda d: jump_label(d) == '1 new message')
    assert texts(alice)[-1] == 'chatter 24', 'the live message waits below'

    alice.find_element(By.CSS_SELECTOR, JUMP).click()
    wait_for_texts(alice, lambda now: now[-2:] == ['the answer', 'posted while she reads'])
    assert jump_label(alice) is None
    type_and_enter(bob, 'and she is live again')
    wait_for_texts(alice, lambda now: now[-1] == 'and she is live again')


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
