"""Benchmark results: one JSON line per run appended to a file, tables printed at the end, and the targets."""

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
# The headline metrics, in the order of the side-by-side table's columns; a scenario shows those it has.
COMPARED = (
    'delivered_pct', 'p50_ms', 'p99_ms', 'max_ms', 'cpu_us_per_delivery', 'disconnects', 'achieved_rate',
    'peak_rss_mb', 'held_rate', 'held_p99_ms', 'held_cpu_us_per_delivery', 'generator_lag_ms',
)  # fmt: skip
NOT_COMPARED = ('server', 'processes', 'workers')  # parameters that may differ between the rows of one comparison


@dataclass(frozen=True)
class Target:
    """A number from issue 6 ("Fast under load"), 15 or 16 that a run of our app's `scenario` should meet.

    The comparison servers' runs have none: they are there to be measured against.
    """

    scenario: str
    applies: Callable[[dict[str, Any]], bool]
    metric: str
    limit: float
    at_most: bool = True

    def verdict(self, row: dict) -> str | None:
        if row['scenario'] != self.scenario or not self.applies(row['parameters']) or server_of(row) != 'app':
            return None
        value = row['metrics'].get(self.metric)
        if value is None:
            return None
        met = value <= self.limit if self.at_most else value >= self.limit
        parameters = ' '.join(f'{k}={v}' for k, v in row['parameters'].items() if k not in ('server', 'workers'))
        target = f'{"<=" if self.at_most else ">="} {self.limit}'
        return f'{"ok  " if met else "MISS"} {self.scenario} {parameters}: {self.metric}={value} (target {target})'


def _clients(count: int) -> Callable[[dict[str, Any]], bool]:
    return lambda parameters: parameters.get('clients') == count


def _any(_: dict[str, Any]) -> bool:
    return True


TARGETS = (
    Target('fanout', _clients(100), 'delivered_pct', 100.0, at_most=False),
    Target('fanout', _clients(100), 'p99_ms', 25.0),
    Target('fanout', _clients(100), 'cpu_us_per_delivery', 80.0),
    Target('fanout', _clients(500), 'delivered_pct', 100.0, at_most=False),
    Target('fanout', _clients(500), 'p99_ms', 150.0),
    Target('fanout', _clients(1000), 'delivered_pct', 100.0, at_most=False),
    Target('fanout', _clients(1000), 'disconnects', 0.0),
    Target('saturate', _clients(100), 'held_rate', 200.0, at_most=False),
    Target('flood', _clients(100), 'delivered_pct', 100.0, at_most=False),
    Target('flood', _clients(100), 'p99_ms', 30.0),
    *(Target('idle-memory', _any, f'mb_per_client_at_{n}', 1.5) for n in (100, 500, 1000)),
    Target('churn', _clients(1000), 'subscribers_left', 0.0),
    Target('churn', _clients(1000), 'rss_growth_pct', 10.0),
    Target('page-load', lambda parameters: parameters.get('messages') == 100_000, 'load_p50_ms', 200.0),
    Target('rooms-page', lambda parameters: parameters.get('rooms') == 10_000, 'longest_loop_block_ms', 20.0),
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


def comparison(rows: list[dict]) -> str:
    """The runs that differ only in their server side by side: a line per server, a column per headline metric.

    Runs alone in their group (one server, or a scenario without comparisons) are left to `table`.
    """
    groups: dict[str, list[dict]] = {}
    for row in rows:
        parameters = ' '.join(f'{k}={v}' for k, v in row['parameters'].items() if k not in NOT_COMPARED)
        groups.setdefault(f'{row["scenario"]} {parameters}', []).append(row)
    blocks = []
    for title, group in groups.items():
        if len(group) < 2:
            continue
        columns = [metric for metric in COMPARED if any(metric in row['metrics'] for row in group)]
        cells = [['server', *columns]]
        cells += [[_server_label(row), *(_fmt(row['metrics'].get(metric)) for metric in columns)] for row in group]
        widths = [max(len(line[i]) for line in cells) for i in range(len(cells[0]))]
        blocks.append('\n'.join([title, *(f'    {_aligned(line, widths)}' for line in cells)]))
    return '\n\n'.join(blocks)


def server_of(row: dict) -> str:
    """The server a run loaded; rows from before the comparisons are our app's."""
    return row['parameters'].get('server', 'app')


def _server_label(row: dict) -> str:
    processes = row['parameters'].get('processes', 1)
    return server_of(row) if processes == 1 else f'{server_of(row)} x{processes}'


def _aligned(cells: list[str], widths: list[int]) -> str:
    """The first cell (a name) to the left, the others (numbers) to the right of their columns."""
    first, *rest = cells
    return '  '.join(
        [first.ljust(widths[0]), *(cell.rjust(width) for cell, width in zip(rest, widths[1:], strict=True))]
    )


def verdicts(rows: list[dict]) -> list[str]:
    """One line per target that a given run measures: met or missed, with the value."""
    return [line for row in rows for target in TARGETS if (line := target.verdict(row)) is not None]


def _fmt(value: Any) -> str:
    """A float without trailing zeros; None (no such value, e.g. no rate held) as '-'."""
    if value is None:
        return '-'
    return f'{value:g}' if isinstance(value, float) else str(value)
