"""Builds the chat from its settings and runs it: the store, the room model, the pages, the server."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from fastapi.responses import JSONResponse
from nicegui import app, ui

from chat import logs, open_files
from chat.announce import announce
from chat.config import Settings, exit_with_error
from chat.domain.limits import Limits
from chat.domain.model import ChatError
from chat.domain.moderation import LINK_DAYS, LINK_PATH
from chat.domain.rooms import Rooms
from chat.internals import connection_caps, gc_tuning, http_logs, serving, sessions, socket_guard, socket_logs
from chat.internals.connection_caps import CappedH11Protocol, ForwardedWebSocketCaps
from chat.internals.pageless_sockets import PagelessSockets
from chat.internals.stalled_connections import CHECK_EVERY, StalledConnections
from chat.log_budget import REPORT_EVERY, LogBudget
from chat.loop_lag import LoopLag
from chat.native import MISSING_BACKEND, backend_missing, window_options
from chat.not_found import not_found
from chat.security_headers import SecurityHeaders
from chat.sign_in import SignIn, SignInGate
from chat.stores.messages import TRIM_EVERY, Backend
from chat.stores.messages.redis import RedisBackend
from chat.stores.messages.sqlite import SQLiteBackend, check_database
from chat.stores.presence.redis import RedisPresence
from chat.ui.message_list import MAX_SHOWN
from chat.ui.pages import register_pages
from chat.ui.removals import Removals
from chat.ui.stream import Streams

TITLE = 'Chat'
# uvicorn's default HTTP parser (httptools) takes request headers without end, growing the process by
# whatever one connection sends; h11 refuses a request whose headers pass this size (with a 400), and
# the protocol built on it caps the connections of each address.
HTTP_LIMITS: dict[str, Any] = {'http': CappedH11Protocol, 'h11_max_incomplete_event_size': 64 * 1024}


def signing_in(settings: Settings, secret: str) -> SignIn | None:
    """The sign-in the pages and their sockets hold requests to; None when anyone may chat."""
    if settings.auth_header is None:
        return None
    return SignIn.keyed_by(secret, settings.auth_header, settings.auth_name_header)


def build(settings: Settings, secret: str) -> Rooms:
    """Create the room model on its store and register the pages; the store opens with the server.

    With `--auth-header`, a gate lets only signed-in page requests through, its ids keyed by the session `secret`.
    """
    shared_presence = RedisPresence(settings.redis_url) if settings.redis_url else None
    sign_in = signing_in(settings, secret)
    moderators = frozenset(sign_in.person_id(name) for name in settings.moderator_names) if sign_in else frozenset()
    rooms = Rooms(
        backend(settings),
        shared_presence,
        Limits(settings.limits),
        moderators=moderators,
        follow_addresses=sign_in is None,  # behind a sign-in proxy, addresses are the proxy's
    )
    streams = Streams(rooms, keep=MAX_SHOWN)
    removals = Removals()
    streams.on_notice(removals.removed)
    app.state.rooms = rooms  # the running app's model, for operations code and tests
    app.state.streams = streams
    loop_lag = LoopLag()
    app.on_startup(rooms.start)
    app.on_startup(loop_lag.watch)
    app.on_shutdown(rooms.stop)
    app.timer(TRIM_EVERY, rooms.trim)
    register_pages(rooms, streams, removals, reconnect_timeout=settings.reconnect_timeout)
    if sign_in is not None:
        app.add_middleware(SignInGate, sign_in=sign_in)
    app.add_middleware(SecurityHeaders)  # outside the routes, so every response gets the headers
    app.exception_handler(404)(not_found)  # instead of NiceGUI's page, which logs the whole URL and is kept 60 s

    @app.get('/healthz')
    async def healthz() -> JSONResponse:
        """For load balancers and tests: 200 while the store answers, 503 while it does not.

        `loop_lag_ms` is how late the event loop ran, and `loop_busy_ms` how much of that it was running
        callbacks (rather than waiting for a CPU): the worst of each second of the last minute, newest last.
        """
        healthy = await rooms.healthy()
        status: dict[str, object] = {'status': 'ok' if healthy else 'unavailable'}
        status['store'] = type(rooms.backend).__name__
        status['subscribers'] = streams.follower_count()
        status['loop_lag_ms'] = loop_lag.lag_ms()
        status['loop_busy_ms'] = loop_lag.busy_ms()
        return JSONResponse(status, status_code=200 if healthy else 503)

    return rooms


def backend(settings: Settings) -> Backend:
    """SQLite in the data directory by default; Redis when processes must share rooms."""
    if settings.redis_url:
        return RedisBackend(settings.redis_url, settings.retention)
    return SQLiteBackend(settings.db_path, settings.retention)


def check_before_serving(settings: Settings) -> str:
    """Prepare the data directory, the session secret and the database file; return the secret.

    A setting that cannot work on this machine (a file where a directory must be, an empty secret,
    a database nobody may write, or one from a newer version or damaged) ends the app here with one
    line, before anything is served. Faults that may heal (Redis not up yet) are left to `Rooms.start`.
    """
    try:
        secret = settings.prepare_storage()
        if settings.redis_url is None:
            check_database(settings.db_path)
    except (OSError, ValueError) as error:
        exit_with_error(str(error))
    return secret


def expire_sessions(settings: Settings) -> None:
    """Bound the session files a visit without a cookie leaves (in Redis, NiceGUI's keys are not ours to expire)."""
    cleanup = sessions.SessionCleanup(
        (settings.data_dir / 'sessions').resolve(), settings.session_days * 86_400, settings.session_files
    )
    app.timer(sessions.NOTE_EVERY, cleanup.note_open)
    app.timer(sessions.CLEANUP_EVERY, cleanup.clean, immediate=False)


def print_moderator_link(settings: Settings) -> None:
    """`--create-moderator-link`: keep a new moderator link in the configured store and print it, serving nothing.

    The link is printed alone on stdout, so a script can take it; a store that cannot be opened exits with 1.
    """
    check_before_serving(settings)

    async def create() -> str:
        rooms = Rooms(backend(settings))
        await rooms.start()
        try:
            return await rooms.create_moderator_link()
        finally:
            await rooms.stop()

    try:
        token = asyncio.run(create())
    except ChatError as error:
        sys.stderr.write(f'app.py: {error.message}\n')
        sys.exit(1)
    host = '127.0.0.1' if settings.host in {'0.0.0.0', '::', ''} else settings.host
    print(f'http://{f"[{host}]" if ":" in host else host}:{settings.port}{LINK_PATH}{token}')
    sys.stderr.write(f'Open it within {LINK_DAYS} days in the browser that is to moderate; it works once.\n')


def run(settings: Settings) -> None:
    """Start serving (or, under NiceGUI's simulated `user`, only configure) the chat."""
    if settings.native and backend_missing():
        sys.exit(MISSING_BACKEND)
    open_files.raise_soft_limit()
    log_budget = LogBudget()
    logs.configure(settings.log_level, log_budget)
    if settings.create_moderator_link:
        print_moderator_link(settings)
        return
    secret = check_before_serving(settings)
    socket_logs.quiet_socket_loggers()
    http_logs.budget_request_warnings()
    sessions.keep_sessions(settings.data_dir / 'sessions', settings.redis_url)
    if not settings.redis_url:
        expire_sessions(settings)
    build(settings, secret)
    socket_guard.install(signing_in(settings, secret))
    connection_caps.install(settings.connections_per_ip)
    app.add_middleware(ForwardedWebSocketCaps, limit=settings.connections_per_ip)
    app.timer(CHECK_EVERY, StalledConnections().check)
    app.timer(REPORT_EVERY, log_budget.report, immediate=False)
    app.timer(CHECK_EVERY, PagelessSockets().check)
    if serving.for_real():
        app.on_startup(gc_tuning.tune)
        app.on_delete(gc_tuning.CollectAfterDelete().page_deleted)
        app.on_startup(lambda: announce(settings))
    native: dict[str, Any] = window_options(settings) if settings.native else {}
    ui.run(
        host=settings.host,
        port=settings.port,
        reload=settings.reload,
        title=TITLE,
        favicon='💬',
        dark=None,
        storage_secret=secret,
        show=False,
        show_welcome_message=False,
        log_config=None,  # uvicorn's records go through the same key=value lines as ours
        **HTTP_LIMITS,
        **native,
    )
