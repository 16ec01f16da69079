"""The event loop's lateness, worst per second: what /healthz reports to operators and the benchmark."""

import asyncio
import time

from chat.loop_lag import KEEP_SECONDS, LoopLag


def test_each_second_keeps_its_worst_lateness_and_only_the_last_minute_is_kept() -> None:
    lag = LoopLag()
    lag.record(10.1, 0.002)
    lag.record(10.5, 0.030)
    lag.record(10.9, 0.001)
    lag.record(11.2, 0.004)
    assert lag.per_second_ms() == [30.0, 4.0]
    for second in range(12, 12 + KEEP_SECONDS):
        lag.record(second, 0.0)
    assert len(lag.per_second_ms()) == KEEP_SECONDS and 30.0 not in lag.per_second_ms()


async def test_a_callback_that_blocks_the_loop_shows_as_lateness() -> None:
    lag = LoopLag()
    watching = asyncio.create_task(lag.watch())
    await asyncio.sleep(0.05)
    time.sleep(0.08)  # a callback holding the loop for 80 ms
    await asyncio.sleep(0.05)
    watching.cancel()
    assert max(lag.per_second_ms()) >= 60
