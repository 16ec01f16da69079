"""No other site can frame the chat: every HTTP response of a real `python app.py` says so, and the page still works
in Chromium under its Content-Security-Policy, with no violation in the console."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from tests.support.app_process import AppProcess
from tests.support.browser import open_room, type_and_enter, wait_for_bubbles


def directives(policy: str) -> dict[str, list[str]]:
    """`default-src 'self'; img-src 'self' data:` as {'default-src': ["'self'"], 'img-src': ["'self'", 'data:']}."""
    parsed = [part.split() for part in policy.split(';') if part.strip()]
    return {words[0]: words[1:] for words in parsed}


def static_asset(page: str) -> str:
    """A path of NiceGUI's own static files that the page loads, e.g. `/_nicegui/3.18.0/static/vue.global.js`."""
    found = re.search(r'src="(/_nicegui/[^"]+\.js)"', page)
    assert found is not None, 'the page loads no NiceGUI script'
    return found.group(1)


def test_every_response_forbids_framing(chat_server: AppProcess) -> None:
    with httpx.Client(base_url=chat_server.url, timeout=10) as client:
        page = client.get('/')
        responses = {
            'page': page,
            'room': client.get('/room/lobby'),
            'healthz': client.get('/healthz'),
            'static': client.get(static_asset(page.text)),
            'missing': client.get('/no/such/page'),
        }
    for name, response in responses.items():
        assert response.headers.get('x-frame-options') == 'DENY', name
        policy = directives(response.headers.get('content-security-policy', ''))
        assert policy.get('frame-ancestors') == ["'none'"], name
    assert responses['static'].status_code == 200


@pytest.mark.browser
def test_the_chat_works_under_its_policy_without_violations(
    chat_server: AppProcess, browser: Callable[..., WebDriver]
) -> None:
    driver = browser()
    open_room(driver, chat_server, '/room/lobby')
    type_and_enter(driver, 'hello under a policy')
    wait_for_bubbles(driver, 1)
    logs = [entry['message'] for entry in driver.get_log('browser')]
    assert not [line for line in logs if 'Content Security Policy' in line or 'Content-Security-Policy' in line]
