"""The harness's app runner: it comes up on another port when its port is taken, and keeps output and log apart."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.support.app_process import AppProcess
from tests.support.waiting import wait_for


def test_a_taken_port_makes_the_app_start_again_on_another(chat_env: Path) -> None:
    """Another process can take the port `free_port` found before the app binds it; the app then exits, and the
    runner starts it again on another port instead of failing the test."""
    with socket.socket() as taken:
        taken.bind(('127.0.0.1', 0))
        taken.listen()
        port = taken.getsockname()[1]
        with AppProcess(chat_env, port=port) as app:
            assert app.port != port
            assert app.health()['status'] == 'ok'
            wait_for(lambda: f'  {app.url}/' in app.output().splitlines(), message='the app to say where it serves')


def test_what_the_app_prints_and_what_it_logs_are_kept_apart(chat_server: AppProcess) -> None:
    log = chat_server.log_lines()
    assert log and all(line.startswith('time=') for line in log), log
    assert 'time=' not in chat_server.output()
