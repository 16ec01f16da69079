"""Garbage-collector settings for a server whose heap is mostly long-lived pages and elements.

Profiles of `python -m bench fanout` showed full collections, each walking every element of
every open page, as the cause of the worst latencies (up to 320 ms per pause at 100 clients).
A larger young generation makes collections, and so full ones, rarer (fanout at 100 clients:
p99 304 -> 73-83 ms), and freezing what exists once the server is up takes the framework's
own objects out of every later collection. Only the served app is tuned, not the test harness.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000


def tune() -> None:
    """Call once the app has started: freeze its startup objects and collect less often."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
