"""Where NiceGUI keeps per-browser and per-tab storage (set on its `Storage` class, as no `ui.run` option does), and
how its per-browser files are expired.

NiceGUI writes `storage-user-<session id>.json` for each browser whose storage is written to (the chat stores a
display name on the first visit) and never deletes one, so a script fetching `/` without a cookie leaves a file
per request. `SessionCleanup` bounds them: a file not seen for `max_age` seconds goes, and beyond `max_files` the
oldest go. A file's modification time is when its browser was last seen: NiceGUI writes only on a change, so the
files of sessions open in this process (`Storage._users`, `_active_request_sessions`) are noted every
`NOTE_EVERY` seconds (every visit keeps its storage open for a minute or more) and touched at each cleanup.
Those open now are never deleted: NiceGUI holds them in memory and would write a changed one back, but one it
closes unchanged would lose its name. A session that opens an expired file while the cleanup runs may still
lose it, as it would have a moment earlier.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from nicegui import app
from nicegui.storage import USER_PREFIX, Storage

USER_FILES = f'storage-{USER_PREFIX}*.json'
NOTE_EVERY = 10.0  # seconds between notes of the open sessions; NiceGUI keeps a visit's storage open longer
CLEANUP_EVERY = 600.0  # seconds between cleanups, each a directory scan in a worker thread


def keep_sessions(path: Path, redis_url: str | None) -> None:
    """Sessions under `path`; with `redis_url`, in Redis, so processes sharing rooms share display names and
    tab identities too."""
    Storage.path = path.resolve()
    Storage.redis_url = redis_url


def user_file(path: Path, session_id: str) -> Path:
    """The file under `path` that NiceGUI's `Storage._create_persistent_dict` keeps a browser's storage in."""
    return path / f'storage-{USER_PREFIX}{session_id}.json'


def open_session_files(path: Path) -> set[Path]:
    """The files of the sessions this process holds in memory or is serving a request for right now."""
    storage = app.storage
    session_ids = set(storage._users) | set(storage._active_request_sessions)
    return {user_file(path, session_id) for session_id in session_ids}


@dataclass(frozen=True)
class SessionFile:
    """One browser's storage file and when it was last written (or its browser last seen)."""

    path: Path
    modified: float


def doomed(files: Iterable[SessionFile], *, now: float, max_age: float, max_files: int, keep: set[Path]) -> list[Path]:
    """The files to delete: those not modified for `max_age` seconds, then the oldest beyond `max_files`; never one
    in `keep`, which still counts towards `max_files`."""
    every = list(files)
    idle = sorted((file for file in every if file.path not in keep), key=lambda file: file.modified)
    old = sum(1 for file in idle if now - file.modified >= max_age)
    return [file.path for file in idle[: max(old, len(every) - max_files)]]


@dataclass
class SessionCleanup:
    """Expires the session files under `path`, NiceGUI's `Storage.path` (see the module): run `note_open` and
    `clean` on app timers."""

    path: Path
    max_age: float  # seconds
    max_files: int
    seen: set[Path] = field(default_factory=set)

    def note_open(self) -> None:
        """Remember which sessions are open now (on the event loop: it reads NiceGUI's in-memory tables)."""
        self.seen |= open_session_files(self.path)

    async def clean(self) -> list[Path]:
        """Touch the sessions seen since the last run, delete the doomed files in a worker thread; returns them."""
        self.note_open()
        seen, self.seen = self.seen, set()
        return await asyncio.to_thread(self.clean_files, seen, open_session_files(self.path))

    def clean_files(self, seen: set[Path], keep: set[Path]) -> list[Path]:
        """The disk part of `clean`, off the event loop."""
        for path in seen:
            with contextlib.suppress(FileNotFoundError):  # an open session whose storage was never written
                os.utime(path)
        files = []
        for path in self.path.glob(USER_FILES):
            with contextlib.suppress(FileNotFoundError):  # deleted since the listing (an emptied storage is)
                files.append(SessionFile(path, path.stat().st_mtime))
        gone = doomed(files, now=time.time(), max_age=self.max_age, max_files=self.max_files, keep=keep)
        for path in gone:
            path.unlink(missing_ok=True)
        return gone
