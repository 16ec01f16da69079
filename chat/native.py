"""The desktop window: pywebview with Qt shows the chat as one more client of this same server."""

from __future__ import annotations

import asyncio
import importlib.util
import multiprocessing
import os
from typing import Any

from nicegui import app

from chat.addresses import ANY_ADDRESS, url_for
from chat.config import Settings
from chat.domain.model import DEFAULT_ROOM

WINDOW_SIZE = (480, 720)
MIN_SIZE = (360, 480)
CLOSE_SECONDS = 10.0
BACKEND_MODULES = ('webview', 'qtpy', 'PyQt6')
MISSING_BACKEND = (
    'app.py: --native needs pywebview with Qt; install it with "pip install -r requirements-native.txt" '
    '(system packages: see "Native window" in README.md)'
)


def backend_missing() -> bool:
    """Whether pywebview or its Qt backend cannot be imported, so a window cannot be opened."""
    return any(importlib.util.find_spec(name) is None for name in BACKEND_MODULES)


def window_options(settings: Settings) -> dict[str, Any]:
    """Prepare Qt and the window's first page; returns what `ui.run` needs for native mode.

    The window loads the room from this server over loopback, exactly like a browser tab.
    """
    os.environ.setdefault('PYWEBVIEW_GUI', 'qt')
    if os.geteuid() == 0:
        os.environ.setdefault('QTWEBENGINE_CHROMIUM_FLAGS', '--no-sandbox')  # Chromium refuses root otherwise
    app.native.window_args.update(url=window_url(settings), min_size=MIN_SIZE)
    from chat.native_window import follow_page_title  # imports Qt: only once the backend is known to be there

    app.native.start_args['func'] = follow_page_title  # run in the window's process (see there)
    app.on_shutdown(close_window)
    return {'native': True, 'window_size': WINDOW_SIZE}


def window_url(settings: Settings) -> str:
    """The page the window opens: the chosen room on this server, over loopback when it listens everywhere."""
    host = '127.0.0.1' if settings.host in ANY_ADDRESS else settings.host
    path = '/' if settings.room == DEFAULT_ROOM else f'/room/{settings.room}'
    return url_for(host, settings.port, path)


async def close_window() -> None:
    """When the server stops (Ctrl+C, SIGTERM), close the window as its close button would.

    Only a window that closes itself lets Qt end its helper processes; one that is merely
    terminated leaves them behind. The wait runs in a thread of asyncio's own: NiceGUI's
    `run.io_bound` returns at once while the app stops, which let the process exit before
    the window had closed.
    """
    if app.native.main_window is not None:
        app.native.main_window.destroy()
    for child in multiprocessing.active_children():
        await asyncio.to_thread(child.join, CLOSE_SECONDS)
