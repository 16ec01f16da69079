"""`python app.py` as a user runs it: help, bad options and a missing native backend fail politely."""

import subprocess
import sys

from tests.support.app_process import ROOT


def run_app(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, 'app.py', *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_help_lists_the_options() -> None:
    result = run_app('--help')
    assert result.returncode == 0
    for option in ('--host', '--port', '--native', '--reload', '--db', 'CHAT_PORT'):
        assert option in result.stdout


def test_a_bad_port_is_one_line_of_error_not_a_traceback() -> None:
    result = run_app('--port', 'abc')
    assert result.returncode == 2
    assert 'port' in result.stderr and 'Traceback' not in result.stderr
