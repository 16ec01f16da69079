"""The rooms overview: every room with its message count and last activity, and a way to open any room."""

from __future__ import annotations

import time

from nicegui import ui

from chat.domain.model import ChatError, RoomSummary, validate_room
from chat.domain.rooms import Rooms
from chat.ui.theme import apply_colors


async def rooms_page(rooms: Rooms) -> None:
    """List the rooms, most recently active first, with a field to open or create one by name."""
    ui.page_title('Rooms · Chat')
    apply_colors()
    with ui.column().classes('chat-rooms'):
        with ui.row().classes('items-center w-full'):
            ui.label('Rooms').classes('text-h5').props('role=heading aria-level=1')
            ui.space()
            ui.link('Back to #lobby', '/')
        name = (
            ui.input('Open or create a room', placeholder='e.g. book-club')
            .props('outlined dense aria-label="Room name"')
            .classes('w-full')
            .mark('room-name-input')
        )

        def open_room() -> None:
            try:
                ui.navigate.to(f'/room/{validate_room((name.value or "").strip())}')
            except ChatError as error:
                name.props['error'] = True
                name.props['error-message'] = error.message

        name.on('keydown.enter', open_room)
        ui.button('Open room', icon='login', on_click=open_room).props('unelevated').mark('open-room')
        try:
            summaries = await rooms.summaries()
        except ChatError as error:
            ui.label(error.message).props('role=alert').mark('rooms-unavailable')
            return
        if not summaries:
            ui.label('No room has messages yet: open one and say hello.')
        with ui.list().props('bordered separator').classes('w-full').mark('room-list'):
            for summary in summaries:
                room_item(summary, now=time.time())


def room_item(summary: RoomSummary, *, now: float) -> None:
    """One room row: its name as a link, how many messages it has, and when it was last active."""
    count = f'{summary.message_count} message' + ('' if summary.message_count == 1 else 's')
    link = ui.item().props(f'clickable tag=a href="/room/{summary.name}"').mark(f'room-{summary.name}')
    with link, ui.item_section():
        ui.item_label(f'# {summary.name}')
        ui.item_label(f'{count} · {ago(now - summary.last_activity)}').props('caption')


def ago(seconds: float) -> str:
    """A rough, viewer-independent age such as "just now", "5 min ago" or "3 days ago"."""
    for unit, size in (('day', 86400), ('h', 3600), ('min', 60)):
        if seconds >= size:
            amount = int(seconds // size)
            return f'{amount} {unit}{"s" if unit == "day" and amount > 1 else ""} ago'
    return 'just now'
