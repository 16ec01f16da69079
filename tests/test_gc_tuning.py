"""The served app collects garbage less often and leaves its startup objects out of collections."""

import subprocess
import sys

from chat import gc_tuning
from tests.conftest import ROOT

REPORT = 'import gc; from chat import gc_tuning; gc_tuning.tune(); print(gc.get_threshold()[0], gc.get_freeze_count())'


def test_tuning_raises_the_young_threshold_and_freezes_what_exists() -> None:
    """In a child process, so the test run's own collector stays as it was."""
    output = subprocess.run([sys.executable, '-c', REPORT], cwd=ROOT, capture_output=True, text=True, check=True)
    threshold, frozen = (int(value) for value in output.stdout.split())
    assert threshold == gc_tuning.YOUNG_THRESHOLD
    assert frozen > 1000
