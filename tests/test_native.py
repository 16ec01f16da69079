"""`python app.py --native` for real: a Qt window under Xvfb that chats with a browser and closes cleanly."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from chat.native import MISSING_BACKEND, backend_missing
from tests.support.app_process import ROOT, AppProcess
from tests.support.browser import (
    MESSAGE_INPUT,
    PATIENCE,
    edit_own_message,
    open_room,
    type_and_enter,
    wait_for_bubbles,
)
from tests.support.environment import unavailable
from tests.support.processes import process_group_gone
from tests.support.waiting import wait_for

HEADER = (0x1E, 0x3A, 0x5F)
SEND_BUTTON = (0x24, 0x5F, 0x9E)
OWN_BUBBLE = (0xC8, 0xE6, 0xC9)
OTHERS_BUBBLE = (0xFF, 0xCD, 0xD2)


def test_native_without_a_backend_prints_a_hint_and_fails() -> None:
    hide_pywebview = "import runpy, sys; sys.modules['webview'] = None; runpy.run_path('app.py', run_name='__main__')"
    result = subprocess.run(
        [sys.executable, '-c', hide_pywebview, '--native'], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert result.stderr.strip() == MISSING_BACKEND


@pytest.fixture
def display() -> Iterator[str]:
    """A private Xvfb screen, started and stopped by the test."""
    missing = [name for name in ('Xvfb',) if shutil.which(name) is None]
    if missing or backend_missing():
        unavailable('native tests need Xvfb and pywebview[qt] (see README, "Native window")')
    server = subprocess.Popen(
        ['Xvfb', '-displayfd', '1', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        yield f':{server.stdout.readline().strip()}'
    finally:
        server.terminate()
        server.wait(10)


class NativeWindow:
    """The app's top-level X window, found by title, seen through screenshots."""

    def __init__(self, display_name: str) -> None:
        from Xlib import display as xdisplay

        self.display = xdisplay.Display(display_name)
        self.window = None

    def find(self) -> bool:
        from Xlib import X

        def search(window):
            name = window.get_wm_name()
            if name and 'Chat' in str(name) and window.get_attributes().map_state == X.IsViewable:
                return window
            for child in window.query_tree().children:
                if found := search(child):
                    return found
            return None

        from Xlib.error import BadWindow

        try:
            self.window = search(self.display.screen().root)
        except BadWindow:  # a window went away while we looked; look again next time
            self.window = None
        return self.window is not None

    @property
    def title(self) -> str:
        return str(self.window.get_wm_name())

    def screenshot(self) -> Image.Image:
        from Xlib import X

        geometry = self.window.get_geometry()
        raw = self.window.get_image(0, 0, geometry.width, geometry.height, X.ZPixmap, 0xFFFFFFFF)
        return Image.frombytes('RGB', (geometry.width, geometry.height), raw.data, 'raw', 'BGRX')

    def type_into_composer(self, text: str) -> None:
        """Click into the message input at the bottom of the window and type, as a person would."""
        height = self.window.get_geometry().height
        xdotool = ['xdotool']
        env = {'DISPLAY': self.display.get_display_name()}
        subprocess.run([*xdotool, 'mousemove', '--window', str(self.window.id), '120', str(height - 45), 'click', '1'],
                       env=env, check=True)  # fmt: skip
        subprocess.run([*xdotool, 'type', '--delay', '30', text], env=env, check=True)
        subprocess.run([*xdotool, 'key', 'Return'], env=env, check=True)

    def close(self) -> None:
        """Ask the window to close, exactly as a window manager's close button does."""
        from Xlib import X
        from Xlib.protocol import event

        protocols = self.display.intern_atom('WM_PROTOCOLS')
        delete = self.display.intern_atom('WM_DELETE_WINDOW')
        message = event.ClientMessage(
            window=self.window, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0])
        )
        self.window.send_event(message, event_mask=X.NoEventMask)
        self.display.flush()


def pixels_like(image: Image.Image, colour: tuple[int, int, int], box: tuple[int, int, int, int] | None = None) -> int:
    """How many pixels (in `box`, default everywhere) are within a small distance of `colour`."""
    region = image.crop(box) if box else image
    return sum(
        1 for pixel in region.get_flattened_data() if sum(abs(a - b) for a, b in zip(pixel, colour, strict=True)) <= 12
    )


def group_members(pgid: int) -> list[str]:
    """The command lines of the processes still in group `pgid`, for a failure message."""
    members = []
    for status in Path('/proc').glob('[0-9]*/stat'):
        try:
            fields = status.read_text().rsplit(')', 1)[1].split()
            if int(fields[2]) == pgid:
                members.append((status.parent / 'cmdline').read_bytes().replace(b'\0', b' ').decode()[:120])
        except (OSError, IndexError, ValueError):
            continue
    return members


@pytest.fixture
def native_app(display: str, start_server: Callable[..., AppProcess], chat_env: Path) -> Callable[[], AppProcess]:
    """Start `python app.py --native` on the test display; `start_server` stops it, and whatever it left, after."""
    return lambda: start_server(chat_env, '--native', env={'DISPLAY': display})


def drawn(window: NativeWindow) -> bool:
    """The chat page is really painted: the header bar on top and the Send button at the bottom."""
    from Xlib.error import XError

    try:
        image = window.screenshot()
    except XError:  # not yet viewable
        return False
    return (
        pixels_like(image, HEADER, (0, 0, image.width, 50)) > image.width * 20
        and pixels_like(image, SEND_BUTTON, (0, image.height - 120, image.width, image.height)) > 500
    )


def test_the_native_window_chats_with_a_browser_and_closes_cleanly(display: str, native_app, browser) -> None:
    app = native_app()
    window = NativeWindow(display)
    wait_for(window.find, timeout=30, message='the native window to appear')
    wait_for(lambda: drawn(window), timeout=30, message='the chat page to be drawn in the window')
    geometry = window.window.get_geometry()
    assert (geometry.width, geometry.height) == (480, 720)
    assert window.title == 'lobby · Chat'

    tab = browser()
    open_room(tab, app)
    type_and_enter(tab, 'Hello, window!')
    wait_for_bubbles(tab, 1)
    wait_for(lambda: pixels_like(window.screenshot(), OTHERS_BUBBLE) > 2000, timeout=10, message='a red bubble')

    window.type_into_composer('Hello, browser!')
    assert wait_for_bubbles(tab, 2)[1] == ('Hello, browser!', 'received-message')
    wait_for(lambda: pixels_like(window.screenshot(), OWN_BUBBLE) > 2000, timeout=10, message='a green bubble')
    window.screenshot().save(ROOT / 'docs' / 'screenshot-native.png')

    one_line = pixels_like(window.screenshot(), OTHERS_BUBBLE)
    edit_own_message(tab, 'Hello, window!\nI edited this\ninto\neight\nlines,\nso the\nbubble\ngrows.')
    wait_for(
        lambda: pixels_like(window.screenshot(), OTHERS_BUBBLE) > 2 * one_line,
        timeout=10,
        message="the browser's edit in the red bubble",
    )

    window.close()
    assert app.process.wait(20) == 0
    wait_for(lambda: process_group_gone(app.pid), timeout=10, message='every process of the app to exit')


@pytest.mark.parametrize('stop', [signal.SIGTERM, signal.SIGINT])
def test_stopping_the_app_closes_the_window(display: str, native_app, stop: signal.Signals) -> None:
    app = native_app()
    window = NativeWindow(display)
    wait_for(window.find, timeout=30, message='the native window to appear')
    wait_for(lambda: drawn(window), timeout=30, message='the chat page to be drawn in the window')
    app.process.send_signal(stop)
    app.process.wait(20)
    try:
        wait_for(lambda: process_group_gone(app.pid), timeout=15, message='every process of the app to exit')
    except AssertionError as error:
        raise AssertionError(f'{error}; left: {group_members(app.pid)}') from None
    assert not NativeWindow(display).find()


def attention_requests(display: Any, window_id: int) -> list[str]:
    """The `_NET_WM_STATE` requests for `window_id` sent to the root window (where a window manager would take
    them) since the last call, by the atom names they add."""
    from Xlib import X

    state = display.intern_atom('_NET_WM_STATE')
    added = []
    while display.pending_events():
        event = display.next_event()
        if event.type == X.ClientMessage and event.client_type == state and event.window.id == window_id:
            action, first, *_ = event.data[1]
            if action == 1:
                added.append(display.get_atom_name(first))
    return added


def test_a_mention_in_the_background_window_shows_in_its_title_and_asks_for_attention(
    display: str, native_app, browser
) -> None:
    from Xlib import X

    app = native_app()
    window = NativeWindow(display)
    wait_for(window.find, timeout=30, message='the native window to appear')
    wait_for(lambda: drawn(window), timeout=30, message='the chat page to be drawn in the window')
    x = window.display
    root = x.screen().root
    root.change_attributes(event_mask=X.StructureNotifyMask)  # hear what Qt asks of a window manager
    elsewhere = root.create_window(0, 0, 10, 10, 0, x.screen().root_depth)
    elsewhere.map()
    x.sync()
    elsewhere.set_input_focus(X.RevertToParent, X.CurrentTime)  # the person is in another window
    x.sync()

    tab = browser()
    open_room(tab, app)
    field = tab.find_element(By.CSS_SELECTOR, MESSAGE_INPUT)
    field.click()
    tab.execute_cdp_cmd('Input.insertText', {'text': '@'})
    WebDriverWait(tab, PATIENCE).until(lambda d: d.find_elements(By.CSS_SELECTOR, '.chat-mention-option'))
    field.send_keys(Keys.ENTER)
    tab.execute_cdp_cmd('Input.insertText', {'text': 'are you there?'})
    field.send_keys(Keys.ENTER)
    wait_for_bubbles(tab, 1)
    wait_for(lambda: window.title == '(@1) lobby · Chat', timeout=20, message='the mention in the window title')
    wait_for(
        lambda: '_NET_WM_STATE_DEMANDS_ATTENTION' in attention_requests(x, window.window.id),
        timeout=10,
        message='the window to ask for attention',
    )
    window.close()
    assert app.process.wait(20) == 0
