"""Hostile content is inert: markup, scripts, links and odd characters show as typed in real Chromium."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from tests.support.app_process import AppProcess
from tests.support.browser import MESSAGE_INPUT, bubbles, no_dialog, open_room, wait_for_bubbles

pytestmark = pytest.mark.browser

PAYLOADS = [
    '<script>window.pwned = 1</script>',
    '<img src=x onerror="window.pwned = 2">',
    '<svg onload="window.pwned = 3"><circle r=5 /></svg>',
    '<svg><script>window.pwned = 4</script></svg>',
    '<iframe src="javascript:window.parent.pwned = 5"></iframe>',
    '<a href="javascript:window.pwned = 6">click me</a>',
    'javascript:window.pwned = 7',
    '<body onload="window.pwned = 8">',
    '<div style="position:fixed;inset:0;background:red">cover</div>',
    '<style>body { display: none }</style>',
    '<link rel="stylesheet" href="http://evil.example/x.css">',
    '"><script>window.pwned = 9</script>',
    "'; window.pwned = 10; '",
    '{{ 7 * 7 }} ${7 * 7} #{7 * 7}',
    '<details open ontoggle="window.pwned = 11">',
    '<input autofocus onfocus="window.pwned = 12">',
    '<math><mtext><table><mglyph><style><img src=x onerror="window.pwned = 13">',
    '&lt;b&gt;not bold&lt;/b&gt; &amp; &#60;i&#62;',
    '<b>bold?</b> <i>italic?</i> **markdown?** _no_',
    '<meta http-equiv="refresh" content="0;url=http://evil.example">',
    '<form action="http://evil.example"><button>go</button></form>',
    'http://example.com/"onmouseover="window.pwned=14"',
    'https://example.com/path?q=<script>window.pwned=15</script>',
    'data:text/html,<script>window.pwned=16</script>',
    '\u202eevil.exe\u202c RTL override',
    'zero\u200bwidth\u200cjoiners\u200d\ufeff here',
    'W' * 600,
    'emoji 👩‍👩‍👧‍👦 🦊 \U0001d54f 𐍈 and combining e\u0301',
    'nul \x00 byte',
    'tab\tand  double  spaces',
    '<!-- comment --> <![CDATA[ x ]]>',
    '</div></div></div><div class="chat-bubble sent-message">forged</div>',
]

TYPE_AS_PASTE = """
    const input = document.querySelector(arguments[0]);
    input.focus();
    input.value = arguments[1];
    input.dispatchEvent(new Event('input', {bubbles: true}));
"""

INJECTED = """
    const bubbles = [...document.querySelectorAll('.chat-bubble')];
    const ours = e => e.matches('.chat-bubble > button.chat-bubble-menu:empty')  // the menu of one's own bubble
        || e.matches('.chat-bubble > .chat-reactions, .chat-reactions > button:empty');  // reactions, drawn by CSS
    const foreign = bubbles.flatMap(b => [...b.querySelectorAll('*')]).filter(e => e.tagName !== 'A' && !ours(e));
    const links = bubbles.flatMap(b => [...b.querySelectorAll('a')]).map(a => a.getAttribute('href'));
    const list = document.querySelector('.chat-column').getBoundingClientRect();
    const overflowing = bubbles.filter(b => b.getBoundingClientRect().right > list.right + 1).length;
    return [foreign.length, links, overflowing];
"""
HOSTILE_ELEMENTS = """return document.querySelectorAll(
    'iframe, form, meta[http-equiv], math, details, [onerror], [onload], [onfocus], [ontoggle], [onmouseover]'
).length"""


def paste_and_enter(driver: WebDriver, text: str) -> None:
    driver.execute_script(TYPE_AS_PASTE, MESSAGE_INPUT, text)
    driver.find_element(By.CSS_SELECTOR, MESSAGE_INPUT).send_keys(Keys.ENTER)


@pytest.mark.settings(message_burst=0, ip_message_burst=0)  # 32 pastes as fast as the page confirms
def test_thirty_hostile_payloads_show_as_typed_and_nothing_runs(chat_server: AppProcess, browser) -> None:
    alice, bob = browser(640, 720), browser(640, 720)
    open_room(alice, chat_server)
    open_room(bob, chat_server)
    before = [driver.execute_script(HOSTILE_ELEMENTS) for driver in (alice, bob)]
    for count, payload in enumerate(PAYLOADS, start=1):
        paste_and_enter(alice, payload)
        wait_for_bubbles(alice, count, timeout=5)

    expected = list(PAYLOADS)
    for driver, hostile_before in zip((alice, bob), before, strict=True):
        wait_for_bubbles(driver, len(PAYLOADS), timeout=10)
        assert [text for text, _ in bubbles(driver)] == expected
        assert no_dialog(driver)
        assert driver.execute_script('return window.pwned === undefined && window.parent.pwned === undefined')
        assert driver.current_url.rstrip('/') == chat_server.url
        foreign, links, overflowing = driver.execute_script(INJECTED)
        assert foreign == 0, 'no element but links inside a bubble'
        assert all(link.startswith(('http://', 'https://')) for link in links), links
        assert overflowing == 0, 'long words wrap inside the list'
        assert driver.execute_script(HOSTILE_ELEMENTS) == hostile_before, 'nothing injected into the page'
    assert {style for _, style in bubbles(bob)} == {'received-message'}, 'a forged bubble is only text'
