"""An asyncio event loop in a thread of its own, for Selenium tests that also need asyncio helpers.

Selenium blocks while it waits for Chromium, so a `Cable` or protocol-client tabs cannot share the
test's own thread: they run on this loop, and the test hands them coroutines and waits for the result.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar('T')


class LoopThread:
    """A running event loop in a daemon thread until `close`; `run` runs a coroutine on it and returns its result."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name='test-loop', daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        """Run `coroutine` on the loop and return what it returns; a timeout cancels it."""
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise

    def call(self, function: Callable[[], T], timeout: float = 10) -> T:
        """Call a plain function on the loop's thread, as anything touching the loop's transports must be."""

        async def call() -> T:
            return function()

        return self.run(call(), timeout)

    def close(self) -> None:
        """Cancel what still runs on the loop, then stop it and its thread."""

        async def cancel_all() -> None:
            tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        if self.loop.is_running():
            self.run(cancel_all(), 10)
            self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()
