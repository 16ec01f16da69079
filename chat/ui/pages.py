"""The routes: `/` is the lobby, `/room/<name>` any other room, `/rooms` the overview, `/invite/<token>` an invite
to a private room, `/moderator/<token>` a moderator link, `/moderation` the moderators' log; bad names get help."""

from __future__ import annotations

from pathlib import Path

from nicegui import ui
from starlette.responses import Response

from chat.domain.model import DEFAULT_ROOM, ChatError, suggest_room, validate_room
from chat.domain.moderation import LINK_PATH
from chat.domain.rooms import Rooms
from chat.ui.moderation import LOG_PATH, moderation_page, moderator_link_page
from chat.ui.private_rooms import redeem_page
from chat.ui.removals import Removals
from chat.ui.room_page import room_page
from chat.ui.rooms_page import rooms_page
from chat.ui.stream import Streams

STYLESHEET = Path(__file__).with_name('chat.css')


def register_pages(rooms: Rooms, streams: Streams, removals: Removals, *, reconnect_timeout: float) -> None:
    """Add the chat's pages and stylesheet to the NiceGUI app.

    A room page outlives its socket by `reconnect_timeout` seconds: a tab back within that time
    (a laptop waking up, a network change) catches up on what it missed without a reload.
    """
    ui.add_css(STYLESHEET.read_text(encoding='utf-8'), shared=True)

    @ui.page('/', reconnect_timeout=reconnect_timeout)
    async def lobby() -> None:
        await room_page(rooms, streams, removals, DEFAULT_ROOM)

    @ui.page('/rooms')
    async def overview(q: str = '', after: str = '') -> None:
        await rooms_page(rooms, search=q, after=after)

    @ui.page('/invite/{token}')
    async def invite(token: str) -> Response | None:
        return await redeem_page(rooms, token)

    @ui.page(LINK_PATH + '{token}')
    async def moderator_link(token: str) -> Response | None:
        return await moderator_link_page(rooms, token)

    @ui.page(LOG_PATH)
    async def moderation(before: str = '') -> None:
        await moderation_page(rooms, before)

    @ui.page('/room/{name}', reconnect_timeout=reconnect_timeout)
    async def named_room(name: str) -> None:
        try:
            validate_room(name)
        except ChatError as error:
            invalid_room(name, error.message)
            return
        await room_page(rooms, streams, removals, name)


def invalid_room(name: str, reason: str) -> None:
    """Explain what a room name may look like and offer a way out, instead of an error page."""
    ui.page_title('No such room · Chat')
    with ui.card().classes('chat-notice').props('role=alert'):
        ui.label('That is not a room name').classes('text-h6')
        ui.label(f'"{name}" cannot be a room. {reason}')
        if suggestion := suggest_room(name):
            ui.link(f'Open #{suggestion} instead', f'/room/{suggestion}').mark('suggested-room')
        ui.link(f'Go to #{DEFAULT_ROOM}', '/').mark('lobby-link')
