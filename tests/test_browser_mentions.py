"""Mentions in real Chromium: `@` suggestions picked by keyboard, the highlight in the mentioned browser alone, a
notification (through a stubbed `Notification`, asked for only after a click) with its body as text while the tab is
in the background, the title that shows mentions apart from unread counts, and the side list's live marker."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.app_process import AppProcess
from tests.support.browser import MESSAGE_INPUT, PATIENCE, open_room, side_by_side, type_and_enter, wait_for_bubbles

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parent.parent / 'docs'

# Runs before the page's own scripts: a Notification that records what it is asked, and a switch for whether the tab
# is in the background (hidden and without focus), which headless Chromium cannot be made to be for real.
STUBS = """
window.asked = 0;
window.notes = [];
window.away = false;
class StubNotification {
  constructor(title, options) { window.notes.push([title, options.body]); }
  close() {}
}
StubNotification.permission = 'default';
StubNotification.requestPermission = async () => {
  window.asked += 1;
  StubNotification.permission = 'granted';
  return 'granted';
};
window.Notification = StubNotification;
Object.defineProperty(Document.prototype, 'hidden', { get: () => window.away });
Object.defineProperty(Document.prototype, 'visibilityState', { get: () => (window.away ? 'hidden' : 'visible') });
Document.prototype.hasFocus = () => !window.away;
"""
HOSTILE = '@Alex <img src=x onerror="window.pwned = 1"> {{ 7 * 7 }}'


def stubbed(driver: WebDriver) -> WebDriver:
    driver.execute_cdp_cmd('Page.addScriptToEvaluateOnNewDocument', {'source': STUBS})
    return driver


def rename(driver: WebDriver, name: str) -> None:
    field = driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Your name"]')
    field.send_keys(Keys.CONTROL, 'a')
    field.send_keys(name + Keys.ENTER)
    WebDriverWait(driver, PATIENCE).until(lambda d: field.get_attribute('value') == name)


def options(driver: WebDriver) -> list[tuple[str, bool]]:
    """(name, active) of each suggestion shown."""
    found = driver.execute_script(
        """return [...document.querySelectorAll('.chat-mention-option')].map(o => [
            o.querySelector('.chat-mention-name').textContent, o.getAttribute('aria-selected') === 'true']);"""
    )
    return [(name, active) for name, active in found]


def mentioned(driver: WebDriver) -> list[str]:
    return driver.execute_script(
        "return [...document.querySelectorAll('.chat-bubble.mentioned')].map(b => b.textContent)"
    )


def set_away(driver: WebDriver, away: bool) -> None:
    driver.execute_script(
        "window.away = arguments[0]; document.dispatchEvent(new Event('visibilitychange'));"
        "window.dispatchEvent(new Event(arguments[0] ? 'blur' : 'focus'));",
        away,
    )


@pytest.mark.settings(message_burst=0, ip_message_burst=0)
def test_a_mention_picked_by_keyboard_notifies_the_person_mentioned_alone(chat_server: AppProcess, browser) -> None:
    sam, alex, carol = browser(), stubbed(browser()), browser()
    for driver, name in ((sam, 'Sam'), (alex, 'Alex'), (carol, 'Carol')):
        open_room(driver, chat_server)
        rename(driver, name)
    bell = alex.find_element(By.CSS_SELECTOR, 'button[aria-label="Notify me of mentions"]')
    assert alex.execute_script('return window.asked') == 0, 'nothing asks to notify on load'
    bell.click()
    WebDriverWait(alex, PATIENCE).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, 'button[aria-label^="Mentions notify you"]')
    )
    assert alex.execute_script('return window.asked') == 1

    field = sam.find_element(By.CSS_SELECTOR, MESSAGE_INPUT)
    field.click()
    sam.execute_cdp_cmd('Input.insertText', {'text': 'hi @'})
    WebDriverWait(sam, PATIENCE).until(lambda d: options(d) == [('Alex', True), ('Carol', False)])
    field.send_keys(Keys.ARROW_DOWN)
    assert options(sam) == [('Alex', False), ('Carol', True)]
    field.send_keys(Keys.ARROW_UP)
    field.send_keys(Keys.ENTER)
    WebDriverWait(sam, PATIENCE).until(lambda d: field.get_attribute('value') == 'hi @Alex ')
    assert options(sam) == [], 'the pick closes the list and sends nothing'
    sam.execute_cdp_cmd('Input.insertText', {'text': '@ca'})
    WebDriverWait(sam, PATIENCE).until(lambda d: options(d) == [('Carol', True)])
    field.send_keys(Keys.ESCAPE)
    assert options(sam) == []
    field.send_keys(Keys.BACKSPACE * 3)
    sam.execute_cdp_cmd('Input.insertText', {'text': 'see this'})

    set_away(alex, True)
    field.send_keys(Keys.ENTER)
    for driver in (sam, alex, carol):
        wait_for_bubbles(driver, 1)
    WebDriverWait(alex, PATIENCE).until(lambda d: mentioned(d) == ['hi @Alex see this'])
    assert mentioned(sam) == mentioned(carol) == []
    WebDriverWait(alex, PATIENCE).until(lambda d: d.title == '(@1) (1) lobby · Chat')
    assert alex.execute_script('return window.notes') == [['Sam mentioned you in #lobby', 'hi @Alex see this']]

    type_and_enter(carol, 'just chatting')
    WebDriverWait(alex, PATIENCE).until(lambda d: d.title == '(@1) (2) lobby · Chat')
    type_and_enter(sam, HOSTILE)
    WebDriverWait(alex, PATIENCE).until(lambda d: len(d.execute_script('return window.notes')) == 2)
    assert alex.execute_script('return window.notes')[1] == ['Sam mentioned you in #lobby', HOSTILE]
    assert alex.execute_script('return window.pwned') is None
    assert alex.title == '(@2) (3) lobby · Chat'

    set_away(alex, False)
    WebDriverWait(alex, PATIENCE).until(lambda d: d.title == 'lobby · Chat')
    type_and_enter(sam, '@Alex while you look')
    WebDriverWait(alex, PATIENCE).until(lambda d: len(mentioned(d)) == 3)
    assert len(alex.execute_script('return window.notes')) == 2, 'a reader looking at the tab is not notified'
    assert alex.title == 'lobby · Chat'


def test_the_side_list_marks_a_room_where_the_browser_is_mentioned_live(chat_server: AppProcess, browser) -> None:
    sam, alex = browser(1280, 800), browser(1280, 800)
    open_room(sam, chat_server)
    open_room(alex, chat_server)
    rename(alex, 'Alex')
    open_room(alex, chat_server, '/room/kitchen')
    alex.switch_to.new_window('tab')
    open_room(alex, chat_server)  # still in the lobby in another tab
    lobby_tab = alex.current_window_handle
    alex.switch_to.window(alex.window_handles[0])

    def entry(driver: WebDriver) -> str:
        return driver.find_element(By.CSS_SELECTOR, 'a.chat-joined-link[href="/"]').get_attribute('aria-label')

    type_and_enter(sam, 'plain news')
    WebDriverWait(alex, PATIENCE).until(lambda d: entry(d) == '# lobby, 1 unread')
    type_and_enter(sam, 'look @alex, news')
    WebDriverWait(alex, PATIENCE).until(lambda d: entry(d) == '# lobby, 2 unread, mentioned')
    marker = alex.find_element(By.CSS_SELECTOR, 'a.chat-joined-link[href="/"] .chat-joined-mention')
    assert marker.is_displayed()
    assert lobby_tab in alex.window_handles


def hover_and_click(driver: WebDriver, bubble: int, button: str) -> None:
    """Hover a bubble, which shows its buttons, and click one of them, as a person with a mouse does."""
    target = driver.find_elements(By.CSS_SELECTOR, '.chat-bubble')[bubble]
    ActionChains(driver).move_to_element(target).perform()
    found = target.find_element(By.CSS_SELECTOR, button)
    WebDriverWait(driver, PATIENCE).until(lambda _: found.value_of_css_property('opacity') == '1')
    found.click()


@pytest.mark.settings(message_burst=0, ip_message_burst=0)
def test_a_reply_that_mentions_the_asker_is_marked_for_them_alone_and_reacted_to(
    chat_server: AppProcess, browser
) -> None:
    """The conversation the README shows: a question, a reply quoting it that mentions its author, a reaction."""
    alex, sam = browser(560, 640), browser(560, 640)
    for driver, name in ((alex, 'Alex'), (sam, 'Sam')):
        open_room(driver, chat_server, '/room/kitchen')
        rename(driver, name)
    type_and_enter(alex, 'Who is bringing the cake on Friday?')
    wait_for_bubbles(sam, 1)
    hover_and_click(sam, 0, '.chat-reply')
    WebDriverWait(sam, PATIENCE).until(lambda d: d.find_element(By.CSS_SELECTOR, '.chat-reply-bar').is_displayed())
    type_and_enter(sam, '@Alex I will: chocolate or lemon?')
    wait_for_bubbles(alex, 2)
    WebDriverWait(alex, PATIENCE).until(lambda d: mentioned(d) == ['@Alex I will: chocolate or lemon?'])
    assert mentioned(sam) == []
    quote = alex.find_elements(By.CSS_SELECTOR, '.chat-bubble')[1].find_element(By.CSS_SELECTOR, '.chat-quote')
    assert (quote.get_attribute('data-name'), quote.get_attribute('data-text')) == (
        'Alex',
        'Who is bringing the cake on Friday?',
    )

    hover_and_click(alex, 1, '.chat-react-add')
    picker = WebDriverWait(alex, PATIENCE).until(lambda d: d.find_elements(By.CSS_SELECTOR, '.chat-react-picker *'))
    next(e for e in picker if e.get_attribute('textContent') == '🎉').click()
    WebDriverWait(sam, PATIENCE).until(lambda d: d.find_elements(By.CSS_SELECTOR, '.chat-reaction[data-chip="🎉 1"]'))
    type_and_enter(alex, 'Lemon, please!')
    wait_for_bubbles(sam, 3)
    for driver in (alex, sam):
        driver.execute_script('document.activeElement.blur()')
    side_by_side(alex, sam, DOCS / 'screenshot-conversation.png')
