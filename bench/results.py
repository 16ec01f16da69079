"""Benchmark results: one JSON line per run appended to a file, a table printed at the end, and the targets."""

from __future__ import annotations

import json
import os
import platform
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / 'results.jsonl'


@dataclass(frozen=True)
class Target:
    """A number from issue 6 ("Fast under load") that a run of `scenario` should meet."""

    scenario: str
    applies: Callable[[dict[str, Any]], bool]
    metric: str
    limit: float
    at_most: bool = True

    def verdict(self, row: dict) -> str | None:
        if row['scenario'] != self.scenario or not self.applies(row['parameters']):
            return None
        value = row['metrics'].get(self.metric)
        if value is None:
            return None
        met = value <= self.limit if self.at_most else value >= self.limit
        parameters = ' '.join(f'{k}={v}' for k, v in row['parameters'].items() if k != 'workers')
        target = f'{"<=" if self.at_most else ">="} {self.limit}'
        return f'{"ok  " if met else "MISS"} {self.scenario} {parameters}: {self.metric}={value} (target {target})'


def _clients(count: int) -> Callable[[dict[str, Any]], bool]:
    return lambda parameters: parameters.get('clients') == count


def _any(_: dict[str, Any]) -> bool:
    return True


TARGETS = (
    Target('fanout', _clients(100), 'delivered_pct', 100.0, at_most=False),
    Target('fanout', _clients(100), 'p99_ms', 30.0),
    Target('fanout', _clients(100), 'cpu_us_per_delivery', 100.0),
    Target('fanout', _clients(500), 'delivered_pct', 100.0, at_most=False),
    Target('fanout', _clients(500), 'p99_ms', 250.0),
    Target('fanout', _clients(500), 'cpu_us_per_delivery', 100.0),
    Target('saturate', _clients(100), 'held_rate', 100.0, at_most=False),
    Target('flood', _clients(100), 'delivered_pct', 100.0, at_most=False),
    Target('flood', _clients(100), 'p99_ms', 30.0),
    *(Target('idle-memory', _any, f'mb_per_client_at_{n}', 1.5) for n in (100, 500, 1000)),
    Target('churn', _clients(1000), 'subscribers_left', 0.0),
    Target('churn', _clients(1000), 'rss_growth_pct', 10.0),
    Target('page-load', lambda parameters: parameters.get('messages') == 100_000, 'load_p50_ms', 200.0),
)


def record(scenario: str, parameters: dict[str, Any], metrics: dict[str, Any], path: Path = RESULTS) -> dict:
    """Append one run, with when and where it ran, so numbers can be compared across commits."""
    row = {
        'scenario': scenario,
        'time': time.strftime('%Y-%m-%dT%H:%M:%S%z'),
        'machine': f'{platform.machine()} {os.cpu_count() or 0} cpus, Python {platform.python_version()}',
        'parameters': parameters,
        'metrics': metrics,
    }
    with path.open('a', encoding='utf-8') as file:
        file.write(json.dumps(row) + '\n')
    return row


def table(rows: list[dict]) -> str:
    """The given runs as plain text: a line with the scenario and its parameters, then its metrics, wrapped."""
    lines = []
    for row in rows:
        parameters = ' '.join(f'{k}={v}' for k, v in row['parameters'].items())
        lines.append(f'{row["scenario"]:<12} {parameters}')
        metrics = '  '.join(f'{k}={_fmt(v)}' for k, v in row['metrics'].items())
        lines.extend(
            textwrap.wrap(metrics, 116, initial_indent='    ', subsequent_indent='    ', break_on_hyphens=False)
        )
    return '\n'.join(lines)


def verdicts(rows: list[dict]) -> list[str]:
    """One line per target that a given run measures: met or missed, with the value."""
    return [line for row in rows for target in TARGETS if (line := target.verdict(row)) is not None]


def _fmt(value: Any) -> str:
    return f'{value:g}' if isinstance(value, float) else str(value)
