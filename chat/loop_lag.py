"""How long the event loop was held up: the lateness of a timer that should fire every `EVERY` seconds.

Every tab of the process is served by the one event loop, so a callback that runs long
delays every message, every ping and every page. The timer measures two things each time:
how late it fired (`lag`: what clients felt, including waiting for a CPU on a busy machine),
and how much of that the loop's own thread spent running (`busy`: the loop held up by our
callbacks and the garbage collector, not by other processes). The worst of each second of
the last `KEEP_SECONDS` goes into `/healthz`, for operators and for the benchmark.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque

EVERY = 0.01
KEEP_SECONDS = 60


class LoopLag:
    """The worst lateness per second of the last `KEEP_SECONDS`, in milliseconds, newest last."""

    def __init__(self) -> None:
        self._seconds: deque[tuple[int, float, float]] = deque(maxlen=KEEP_SECONDS)

    async def watch(self) -> None:
        """Run for as long as the loop does (started with the app)."""
        loop = asyncio.get_running_loop()
        while True:
            due, ran = loop.time() + EVERY, time.thread_time()
            await asyncio.sleep(EVERY)
            now = loop.time()
            late = max(0.0, now - due)
            self.record(now, late, min(late, time.thread_time() - ran))

    def record(self, now: float, late: float, busy: float) -> None:
        second = math.floor(now)
        if self._seconds and self._seconds[-1][0] == second:
            _, worst_late, worst_busy = self._seconds.pop()
            late, busy = max(late, worst_late), max(busy, worst_busy)
        self._seconds.append((second, late, busy))

    def lag_ms(self) -> list[float]:
        """How late the timer fired, worst per second."""
        return [round(late * 1000, 1) for _, late, _ in self._seconds]

    def busy_ms(self) -> list[float]:
        """How much of that lateness the loop's thread was running, worst per second."""
        return [round(busy * 1000, 1) for _, _, busy in self._seconds]
