"""Where NiceGUI keeps per-browser and per-tab storage: set on its `Storage` class, as no `ui.run` option does."""

from __future__ import annotations

from pathlib import Path

from nicegui.storage import Storage


def keep_sessions(path: Path, redis_url: str | None) -> None:
    """Sessions under `path`; with `redis_url`, in Redis, so processes sharing rooms share display names and
    tab identities too."""
    Storage.path = path.resolve()
    Storage.redis_url = redis_url
