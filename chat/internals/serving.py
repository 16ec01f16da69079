"""Whether and when `ui.run` really serves, which NiceGUI does not tell its app."""

from __future__ import annotations

import asyncio

from nicegui import helpers
from nicegui.server import Server

LISTENING_POLL = 0.05


def for_real() -> bool:
    """False under the `user` fixture, whose app shares the pytest process: it must not tune that process's
    collector or print a server's welcome."""
    return not helpers.is_user_simulation()


async def listening() -> None:
    """Return once uvicorn listens. Startup handlers run before it binds its socket, and a bind that fails
    (the port is taken) ends the process instead, so whatever waits here never claims a port it lacks."""
    while not Server.instance.started:
        await asyncio.sleep(LISTENING_POLL)
