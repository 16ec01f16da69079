"""Builds the chat from its settings and runs it: the backend, the room model, the pages, the server."""

from __future__ import annotations

import sys
from typing import Any

from fastapi.responses import JSONResponse
from nicegui import app, ui
from nicegui.storage import Storage

from . import gc_tuning, logs, socket_guard
from .backends import Backend
from .backends.redis import RedisBackend
from .backends.redis_presence import RedisPresence
from .backends.sqlite import SQLiteBackend
from .config import Settings
from .limits import Limits
from .native import MISSING_BACKEND, backend_missing, window_options
from .rooms import Rooms
from .stalled_connections import CHECK_EVERY, StalledConnections
from .ui.pages import register_pages

TITLE = 'Chat'


def build(settings: Settings) -> Rooms:
    """Create the room model on its backend and register the pages; the backend opens with the server."""
    shared_presence = RedisPresence(settings.redis_url) if settings.redis_url else None
    rooms = Rooms(backend(settings), shared_presence, Limits(settings.limits))
    app.state.rooms = rooms  # the running app's model, for operations code and tests
    app.on_startup(rooms.start)
    app.on_shutdown(rooms.stop)
    register_pages(rooms)

    @app.get('/healthz')
    async def healthz() -> JSONResponse:
        """For load balancers and tests: 200 while the store answers, 503 while it does not."""
        healthy = await rooms.healthy()
        status = {'status': 'ok' if healthy else 'unavailable', 'store': type(rooms.backend).__name__}
        status['subscribers'] = rooms.subscriber_count()
        return JSONResponse(status, status_code=200 if healthy else 503)

    return rooms


def backend(settings: Settings) -> Backend:
    """SQLite in the data directory by default; Redis when processes must share rooms."""
    if settings.redis_url:
        return RedisBackend(settings.redis_url, history_length=settings.history_length)
    return SQLiteBackend(settings.db_path)


def run(settings: Settings) -> None:
    """Start serving (or, under NiceGUI's test harness, only configure) the chat."""
    if settings.native and backend_missing():
        sys.exit(MISSING_BACKEND)
    logs.configure(settings.log_level)
    Storage.path = (settings.data_dir / 'sessions').resolve()
    Storage.redis_url = settings.redis_url  # processes sharing rooms share display names and tab identities too
    build(settings)
    app.on_startup(gc_tuning.tune)
    socket_guard.install()
    app.timer(CHECK_EVERY, StalledConnections().check)
    app.on_delete(gc_tuning.CollectAfterDelete().page_deleted)
    native: dict[str, Any] = window_options(settings) if settings.native else {}
    ui.run(
        host=settings.host,
        port=settings.port,
        reload=settings.reload,
        title=TITLE,
        favicon='💬',
        dark=None,
        storage_secret=settings.resolve_storage_secret(),
        show=False,
        show_welcome_message=False,
        log_config=None,  # uvicorn's records go through the same key=value lines as ours
        **native,
    )
