"""The README's sign-in recipe, run as written: a real Caddy in front of a real `app.py`, with a small stand-in for
Authelia's forward-auth endpoint, so the recipe is known to sign people in and to keep a visitor's own
`Remote-User` from naming anyone, with the Caddy a Debian machine installs."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from chat.sign_in import NOT_SIGNED_IN
from tests.support.app_process import ROOT, AppProcess
from tests.support.browser import open_room, type_and_enter, wait_for_bubbles
from tests.support.environment import unavailable
from tests.support.processes import free_port, stop_process_group
from tests.support.waiting import wait_for

pytestmark = pytest.mark.settings(auth_header='Remote-User', auth_name_header='Remote-Name')

SESSION_COOKIE = 'authelia_session'
SESSIONS = {'alice-session': ('alice@example.com', 'Alice Liddell'), 'bypass-session': None}  # None: unnamed


class FakeAuthelia(BaseHTTPRequestHandler):
    """Authelia's `/api/authz/forward-auth` as Caddy sees it: 200 naming the session's person, 200 naming nobody
    for a bypassed request (Authelia's `bypass` policy), 401 for anyone without a session."""

    def do_GET(self) -> None:
        cookies = dict(part.strip().split('=', 1) for part in self.headers.get('Cookie', '').split(';') if '=' in part)
        session = cookies.get(SESSION_COOKIE, '')
        if session not in SESSIONS:
            self.send_response(401)
            self.end_headers()
            self.wfile.write(b'sign in first')
            return
        self.send_response(200)
        if (person := SESSIONS[session]) is not None:
            self.send_header('Remote-User', person[0])
            self.send_header('Remote-Name', person[1])
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reads answers, not the stand-in's log."""


def readme_caddyfile(*, site: str, authelia: str, chat: str) -> str:
    """The README's Caddyfile with this test's addresses in place of its examples; fails if it no longer has them."""
    found = re.search(r'```caddyfile\n(.*?)```', (ROOT / 'README.md').read_text(), re.DOTALL)
    assert found, 'README.md has a caddyfile recipe'
    recipe = found.group(1)
    for example, actual in (('chat.example.com', site), ('127.0.0.1:9091', authelia), ('127.0.0.1:8080', chat)):
        assert recipe.count(example) == 1, f'the recipe names {example} once'
        recipe = recipe.replace(example, actual)
    return '{\n\tadmin off\n}\n' + recipe  # no admin endpoint, so tests running at once do not share one


def answers(port: int) -> bool:
    try:
        socket.create_connection(('127.0.0.1', port), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.fixture
def authelia() -> Iterator[str]:
    server = ThreadingHTTPServer(('127.0.0.1', 0), FakeAuthelia)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f'127.0.0.1:{server.server_address[1]}'
    server.shutdown()
    server.server_close()


@pytest.fixture
def caddy(chat_server: AppProcess, authelia: str, tmp_path: Path) -> Iterator[str]:
    """The recipe's Caddy, serving plain HTTP on a free loopback port; its URL."""
    if shutil.which('caddy') is None:
        unavailable('Caddy is needed for the recipe test (apt-get install -y caddy)')
    port = free_port()
    config = tmp_path / 'Caddyfile'
    config.write_text(readme_caddyfile(site=f'http://127.0.0.1:{port}', authelia=authelia, chat=chat_server.url[7:]))
    home = {'HOME': str(tmp_path), 'XDG_DATA_HOME': str(tmp_path / 'data'), 'XDG_CONFIG_HOME': str(tmp_path / 'cfg')}
    process = subprocess.Popen(
        ['caddy', 'run', '--config', str(config), '--adapter', 'caddyfile'],
        env={'PATH': '/usr/bin:/bin'} | home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        wait_for(lambda: answers(port) or process.poll() is not None, timeout=15, message='Caddy listening')
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else 'Caddy exited'
        yield f'http://127.0.0.1:{port}'
    finally:
        stop_process_group(process)


def page(caddy: str, session: str | None, **forged: str) -> httpx.Response:
    cookies = {SESSION_COOKIE: session} if session else {}
    return httpx.get(f'{caddy}/room/team', cookies=cookies, headers=forged, timeout=15)


def test_the_proxy_names_the_person_and_a_visitor_naming_themself_is_not_believed(caddy: str) -> None:
    assert page(caddy, None).status_code == 401, 'no session: the sign-in service answers, not the chat'

    alice = page(caddy, 'alice-session')
    assert alice.status_code == 200 and 'Alice Liddell' in alice.text
    assert 'alice@example.com' not in alice.text, 'the page knows the name, never the user behind it'

    forged = page(caddy, 'alice-session', **{'Remote-User': 'mallory', 'Remote-Name': 'Mallory'})
    assert forged.status_code == 200 and 'Alice Liddell' in forged.text and 'Mallory' not in forged.text

    bypassed = page(caddy, 'bypass-session', **{'Remote-User': 'mallory', 'Remote-Name': 'Mallory'})
    assert (bypassed.status_code, bypassed.text.strip()) == (403, NOT_SIGNED_IN), (
        'let through unnamed, a visitor is nobody: not the name they sent, nor one Caddy left unfilled'
    )


@pytest.mark.browser
def test_a_person_signed_in_through_the_recipe_chats_as_themself(caddy: str, browser: Callable[..., WebDriver]) -> None:
    driver = browser(640, 720)
    driver.get(caddy + '/healthz')  # a page of the site, so its cookie can be set
    driver.add_cookie({'name': SESSION_COOKIE, 'value': 'alice-session', 'path': '/'})
    open_room(driver, caddy, '/room/team')
    type_and_enter(driver, 'hello through the proxy')
    assert wait_for_bubbles(driver, 1) == [('hello through the proxy', 'sent-message')]
    name = driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Your name"]').get_attribute('value')
    assert name == 'Alice Liddell'
