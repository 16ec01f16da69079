"""The event loop's lateness, worst per second: what /healthz reports to operators and the benchmark."""

import asyncio
import time
from collections.abc import Callable

from chat.loop_lag import KEEP_SECONDS, LoopLag


def test_each_second_keeps_its_worst_lateness_and_only_the_last_minute_is_kept() -> None:
    lag = LoopLag()
    lag.record(10.1, 0.002, 0.001)
    lag.record(10.5, 0.030, 0.003)
    lag.record(10.9, 0.001, 0.001)
    lag.record(11.2, 0.004, 0.004)
    assert (lag.lag_ms(), lag.busy_ms()) == ([30.0, 4.0], [3.0, 4.0])
    for second in range(12, 12 + KEEP_SECONDS):
        lag.record(second, 0.0, 0.0)
    assert len(lag.lag_ms()) == KEEP_SECONDS and 30.0 not in lag.lag_ms()


async def late_after(hold: Callable[[], None]) -> LoopLag:
    """The lateness the timer saw while `hold` held the loop once."""
    lag = LoopLag()
    watching = asyncio.create_task(lag.watch())
    await asyncio.sleep(0.05)
    hold()
    await asyncio.sleep(0.05)
    watching.cancel()
    return lag


def spin(seconds: float) -> None:
    """Run on the CPU for `seconds` of this thread's time, however busy the machine is."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


async def test_a_callback_that_runs_long_makes_the_loop_late_and_busy() -> None:
    lag = await late_after(lambda: spin(0.08))
    assert max(lag.lag_ms()) >= 60 and max(lag.busy_ms()) >= 60


async def test_a_loop_that_waits_without_running_is_late_but_not_busy() -> None:
    """As when the process waits for a CPU on a busy machine: clients feel it, but no callback ran long."""
    lag = await late_after(lambda: time.sleep(0.08))
    assert max(lag.lag_ms()) >= 60 and max(lag.busy_ms()) < 20
