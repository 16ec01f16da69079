"""Benchmark results: one JSON line per run appended to a file, and a table printed at the end."""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / 'results.jsonl'


def record(scenario: str, parameters: dict[str, Any], metrics: dict[str, Any], path: Path = RESULTS) -> dict:
    """Append one run, with when and where it ran, so numbers can be compared across commits."""
    row = {
        'scenario': scenario,
        'time': time.strftime('%Y-%m-%dT%H:%M:%S%z'),
        'machine': f'{platform.machine()} {_cpus()} cpus, Python {platform.python_version()}',
        'parameters': parameters,
        'metrics': metrics,
    }
    with path.open('a', encoding='utf-8') as file:
        file.write(json.dumps(row) + '\n')
    return row


def table(rows: list[dict]) -> str:
    """A plain-text table of the given runs, one line per run."""
    lines = []
    for row in rows:
        parameters = ' '.join(f'{k}={v}' for k, v in row['parameters'].items())
        metrics = '  '.join(f'{k}={_fmt(v)}' for k, v in row['metrics'].items())
        lines.append(f'{row["scenario"]:<12} {parameters:<32} {metrics}')
    return '\n'.join(lines)


def _fmt(value: Any) -> str:
    return f'{value:.1f}' if isinstance(value, float) else str(value)


def _cpus() -> int:
    import os

    return os.cpu_count() or 0
