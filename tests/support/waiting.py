"""Polling with a deadline: the one way tests wait for something another process or thread does."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar('T')


def wait_for(condition: Callable[[], T], timeout: float = 5.0, message: str = 'condition', every: float = 0.05) -> T:
    """Poll `condition` until it returns something truthy and return that; fail with `message` after `timeout` s.

    A failure is an `AssertionError`, so a test that waits in vain reads as a failed check, not as a crash.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f'timed out after {timeout} s waiting for {message}')
        time.sleep(every)
