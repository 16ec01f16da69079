"""The served app collects in short steps, leaves startup objects out, and collects after pages are deleted."""

import asyncio
import gc
import subprocess
import sys
import weakref

import pytest
from nicegui.testing import User

from chat.internals import gc_tuning
from tests.support.app_process import ROOT

real_collect = gc.collect
REPORT = (
    'import gc; from chat.internals import gc_tuning; gc_tuning.tune(); '
    'print(*gc.get_threshold(), gc.get_freeze_count())'
)


def test_tuning_sets_the_thresholds_and_freezes_what_exists() -> None:
    """In a child process, so the test run's own collector stays as it was."""
    output = subprocess.run([sys.executable, '-c', REPORT], cwd=ROOT, capture_output=True, text=True, check=True)
    *thresholds, frozen = (int(value) for value in output.stdout.split())
    assert tuple(thresholds) == gc_tuning.THRESHOLDS
    assert frozen > 1000


class Node:
    """Something a deleted page leaves behind: objects that refer to each other."""

    def __init__(self) -> None:
        self.me = self


async def test_a_deleted_page_is_collected_soon_after_once_per_wave(monkeypatch: pytest.MonkeyPatch) -> None:
    collections: list[int] = []
    monkeypatch.setattr(gc, 'collect', lambda: collections.append(real_collect()) or 0)
    collector = gc_tuning.CollectAfterDelete(delay=0.01)
    gc.disable()
    try:
        left_behind = weakref.ref(Node())
        for _ in range(100):
            collector.page_deleted()  # a wave of tabs closing
        async with asyncio.timeout(2):
            while left_behind() is not None:
                await asyncio.sleep(0.01)
    finally:
        gc.enable()
    assert len(collections) == 1


async def test_the_simulated_app_leaves_the_test_process_collector_alone(user: User) -> None:
    """Only a served app is tuned: the `user` fixture runs the app inside the pytest process."""
    await user.open('/')
    assert gc.get_threshold() != gc_tuning.THRESHOLDS
