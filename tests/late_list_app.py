"""A test-only app: the chat, plus `/late/{room}`, a page whose message list is created after its tab connected.

Such an element reaches the browser in an update, and its component's JavaScript loads only then,
while the room's live messages already go to the tab's socket. To hold each window open as long as
a test needs, two gates, open unless a test closes them (`POST /test/gates/{name}/close` and `/open`;
`GET /test/gates/{name}` says how many wait at it):

- `component`: the browser's request for the list's JavaScript waits;
- `history`: the list's reads of the room's pages wait, after it joined the room's broadcast.

Started as `python tests/late_list_app.py` with app.py's options (see `AppProcess`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from nicegui import app, ui

from chat.application import run
from chat.config import parse_settings
from chat.domain.model import Author, Message
from chat.domain.rooms import Rooms
from chat.ui.identity import tab_author_id
from chat.ui.message_list import MessageList
from chat.ui.stream import Streams


class Gate:
    """Open unless a test closes it; while it is closed, whoever passes waits until it opens."""

    def __init__(self) -> None:
        self.opened = asyncio.Event()
        self.opened.set()
        self.waiting = 0

    async def passed(self) -> None:
        self.waiting += 1
        try:
            await self.opened.wait()
        finally:
            self.waiting -= 1


GATES = {'component': Gate(), 'history': Gate()}


@app.middleware('http')
async def hold_the_list_module(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    if '/components/' in request.url.path and 'message_list' in request.url.path:
        await GATES['component'].passed()
    return await call_next(request)


@app.post('/test/gates/{name}/{action}')
def set_gate(name: str, action: str) -> dict[str, int]:
    gate = GATES[name]
    if action == 'close':
        gate.opened.clear()
    else:
        gate.opened.set()
    return {'waiting': gate.waiting}


@app.get('/test/gates/{name}')
def gate_state(name: str) -> dict[str, int]:
    return {'waiting': GATES[name].waiting}


def late_page(reconnect_timeout: float) -> None:
    @ui.page('/late/{room}', reconnect_timeout=reconnect_timeout)
    async def late(room: str) -> None:
        """The room's message list alone, created and opened once the tab is connected."""
        client = ui.context.client
        rooms: Rooms = app.state.rooms
        streams: Streams = app.state.streams
        stream, release = streams.follow(room)
        client.on_delete(release)
        await client.connected()

        async def history(before: int | None, limit: int) -> list[Message]:
            await GATES['history'].passed()
            return await rooms.history(room, before=before, limit=limit)

        async def since(after: int, limit: int) -> list[Message]:
            return await rooms.since(room, after=after, limit=limit)

        author_id = tab_author_id()

        async def edit(message_id: int, text: str) -> Message:
            return await rooms.edit(room, message_id, author_id, text)

        async def delete(message_id: int) -> Message:
            return await rooms.delete(room, message_id, author_id)

        async def react(message_id: int, emoji: str, on: bool) -> Message:
            return await rooms.react(room, message_id, Author(author_id, 'Late'), emoji, on=on)

        with client.content:
            messages = MessageList(stream, history, since, (edit, delete, react), title=room, on_joined=lambda: None)
        await messages.open(author_id)


if __name__ == '__main__':
    settings = parse_settings()
    late_page(settings.reconnect_timeout)
    run(settings)
