"""What the terminal says once the chat serves; tests/test_application.py sees a real process say it."""

from __future__ import annotations

from chat.announce import ready_lines
from chat.config import Settings


def test_the_terminal_lists_every_address_and_says_no_window_opens() -> None:
    urls = ['http://127.0.0.1:8080/', 'http://192.0.2.2:8080/']
    assert ready_lines(Settings(host='0.0.0.0'), urls).splitlines() == [
        'Chat ready on:',
        '  http://127.0.0.1:8080/',
        '  http://192.0.2.2:8080/',
        'Native window: off (start with --native to open one)',
    ]


def test_in_native_mode_the_terminal_says_which_page_the_window_opens() -> None:
    lines = ready_lines(Settings(native=True, port=9000, room='kitchen'), ['http://127.0.0.1:9000/'])
    assert lines.splitlines()[-1] == 'Native window: opening http://127.0.0.1:9000/room/kitchen'
