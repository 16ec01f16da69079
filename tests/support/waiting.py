"""Polling with a deadline: the one way tests wait for something another process or thread does."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
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


async def seconds_until_closed(
    still_open: Callable[[], Awaitable[bool]], close: Callable[[], object], seconds: float
) -> float | None:
    """Keep reading a connection with `still_open()` (False once the peer closed it, or `ConnectionError`) and return
    after how many seconds the server closed it, None if it was still open after `seconds`; `close()` it either way."""
    started = time.monotonic()
    try:
        async with asyncio.timeout(seconds):
            while await still_open():
                pass
    except TimeoutError:
        return None
    except ConnectionError:
        pass
    finally:
        if asyncio.iscoroutine(closing := close()):
            await closing
    return time.monotonic() - started
