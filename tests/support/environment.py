"""What this machine offers the tests (Chromium, redis-server), and what a test does without it.

Outside CI a test that needs something missing is skipped, so a laptop without Chromium can still
run the rest; in CI (`CI` set) every test must run, so a missing browser or server fails the test.
"""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest

IN_CI = bool(os.environ.get('CI'))
# A closed tab's page is deleted after this many seconds in tests, not the product's minute and more,
# so tests that close tabs need not wait; the tests of coming back after a long absence set their own.
RECONNECT_TIMEOUT = 3.0


def unavailable(message: str) -> NoReturn:
    """A test that needs something this machine lacks: skipped here, but in CI every test must run."""
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def require_redis_server() -> None:
    if shutil.which('redis-server') is None:
        unavailable('redis-server is needed (apt-get install -y redis-server)')


def require_chromium() -> tuple[str, str]:
    """The paths of Chromium and its chromedriver."""
    browser = shutil.which('chromium') or shutil.which('chromium-browser')
    driver = shutil.which('chromedriver')
    if browser is None or driver is None:
        unavailable('Chromium and chromedriver are needed (apt-get install -y chromium chromium-driver)')
    return browser, driver
