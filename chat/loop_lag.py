"""How long the event loop was held up: the lateness of a timer that should fire every `EVERY` seconds.

Every tab of the process is served by the one event loop, so a callback that runs long
delays every message, every ping and every page. The worst lateness of each of the last
`KEEP_SECONDS` seconds goes into `/healthz`, for operators and for the benchmark.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque

EVERY = 0.01
KEEP_SECONDS = 60


class LoopLag:
    """The worst lateness per second of the last `KEEP_SECONDS`, in milliseconds, newest last."""

    def __init__(self) -> None:
        self._seconds: deque[tuple[int, float]] = deque(maxlen=KEEP_SECONDS)

    async def watch(self) -> None:
        """Run for as long as the loop does (started with the app)."""
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + EVERY
            await asyncio.sleep(EVERY)
            now = loop.time()
            self.record(now, now - due)

    def record(self, now: float, late: float) -> None:
        second = math.floor(now)
        if self._seconds and self._seconds[-1][0] == second:
            late = max(late, self._seconds[-1][1])
            self._seconds.pop()
        self._seconds.append((second, late))

    def per_second_ms(self) -> list[float]:
        return [round(late * 1000, 1) for _, late in self._seconds]
