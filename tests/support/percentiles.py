"""One definition of a percentile for everything that reports latencies, so numbers compare across reports."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest value that at least `fraction` of the values do not exceed.

    It is always one of the values measured (never an interpolation between two), so a p99 of 40 ms
    means some message really took 40 ms. No values give 0.
    """
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]
