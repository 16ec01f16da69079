"""Garbage-collector settings for a server whose heap is mostly long-lived pages and elements.

Every collection holds up the event loop, and with it every tab. A young collection's pause
grows with the young generation, so it stays small (a 10 000-object one paused the loop for up
to 25 ms under overload); full collections walk every element of every open page (85 ms with
100 tabs), so they wait for a thousand middle ones, and freezing what exists once the server
is up takes the framework's own objects out of every later one. Rarer full collections alone
would let what deleted pages leave behind pile up, so a full collection follows each wave of
deletions. Only the served app is tuned, never a test process (`chat.application` registers
these only when `ui.run` really serves). Measurements: bench/README.md.
"""

from __future__ import annotations

import asyncio
import gc

# Young collections stay short (their pause grows with the young generation); full ones, which walk
# the whole heap, wait until many young collections have run.
THRESHOLDS = (2_000, 10, 1_000)
COLLECT_AFTER_DELETE_SECONDS = 0.2


def tune() -> None:
    """Call once the app has started: freeze its startup objects and collect in short steps."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)


class CollectAfterDelete:
    """One full collection shortly after pages are deleted, with at most one pending at a time.

    Collections are rarer after `tune`, so the cycles a deleted page leaves behind (its
    elements refer to each other) would pile up over a wave of closing tabs and keep the
    memory they held; collecting right after a wave frees them while they are few.
    """

    def __init__(self, delay: float = COLLECT_AFTER_DELETE_SECONDS) -> None:
        self.delay = delay
        self._pending: asyncio.TimerHandle | None = None

    def page_deleted(self) -> None:
        if self._pending is None:
            self._pending = asyncio.get_running_loop().call_later(self.delay, self._collect)

    def _collect(self) -> None:
        self._pending = None
        gc.collect()
