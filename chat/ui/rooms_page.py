"""The rooms overview: a page of rooms with their message count and last activity, a search, and a way to open any
room.

`/rooms?q=book&after=<cursor>` is a linkable page: `q` is the start of the names to show, `after` where
the previous page ended (see `cursor_text`). The page shows `PAGE_SIZE` rooms whatever the store holds,
so building it costs the event loop the same with ten rooms or ten million.
"""

from __future__ import annotations

import math
import time
from urllib.parse import urlencode

from nicegui import ui

from chat.domain.model import (
    MAX_ROOM_NAME_LENGTH,
    ChatError,
    ErrorKind,
    RoomCursor,
    RoomListing,
    clean_search,
    validate_room,
)
from chat.domain.rooms import Rooms
from chat.ui.private_rooms import create_private_field
from chat.ui.room_list import RoomList
from chat.ui.theme import apply_colors

PAGE_SIZE = 50
CURSOR_SEPARATOR = '~'  # in no room name and no number, and left as it is in a URL
MAX_CURSOR_LENGTH = 80
BROKEN_LINK = 'This link to a page of rooms is broken or cut short.'


async def rooms_page(rooms: Rooms, *, search: str = '', after: str = '') -> None:
    """Rooms whose names start with `search`, most recently active first, from after the cursor `after` on."""
    ui.page_title('Rooms · Chat')
    apply_colors()
    with ui.column().classes('chat-rooms'):
        with ui.row().classes('items-center w-full'):
            ui.label('Rooms').classes('text-h5').props('role=heading aria-level=1')
            ui.space()
            ui.link('Back to #lobby', '/')
        open_room_field()
        create_private_field(rooms)
        searched = search_field(search[:MAX_ROOM_NAME_LENGTH])
        try:
            search = clean_search(search)
        except ChatError as error:
            searched.props['error'] = True
            searched.props['error-message'] = error.message
            return
        try:
            listing = await rooms.listing(search=search, after=parse_cursor(after), size=PAGE_SIZE)
        except ChatError as error:
            ui.label(error.message).props('role=alert').mark('rooms-error')
            ui.link('Show the most recently active rooms', '/rooms').mark('newest-rooms')
            return
        show_listing(listing, search, paged=bool(after))


def open_room_field() -> None:
    """A field and a button that open the typed room, or say why it cannot be a room."""
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


def search_field(search: str) -> ui.input:
    """A field that shows the rooms whose names start with what was typed (a new, linkable page)."""
    field = (
        ui.input('Search rooms', value=search, placeholder='the start of a name, e.g. book')
        .props('outlined dense clearable aria-label="Search rooms" type=search')
        .classes('w-full')
        .mark('room-search')
    )

    def run_search() -> None:
        try:
            ui.navigate.to(listing_url(clean_search(field.value or '')))
        except ChatError as error:
            field.props['error'] = True
            field.props['error-message'] = error.message

    field.on('keydown.enter', run_search)
    return field


def show_listing(listing: RoomListing, search: str, *, paged: bool) -> None:
    """The page's rooms, or why there are none, and the links to the older page and back to the newest."""
    if not listing.rooms:
        ui.label(empty_text(search, paged=paged)).mark('no-rooms')
    else:
        RoomList(listing.rooms, now=time.time())
    with ui.row().classes('w-full'):
        if paged:
            ui.link('Newest rooms', listing_url(search)).mark('newest-rooms')
        ui.space()
        if listing.older is not None:
            ui.link('Older rooms', listing_url(search, listing.older)).mark('older-rooms')


def empty_text(search: str, *, paged: bool) -> str:
    if paged:
        return 'No older rooms.'
    if search:
        return f'No room name starts with "{search}".'
    return 'No room has messages yet: open one and say hello.'


def listing_url(search: str, after: RoomCursor | None = None) -> str:
    query = {'q': search} if search else {}
    if after is not None:
        query['after'] = cursor_text(after)
    return f'/rooms?{urlencode(query)}' if query else '/rooms'


def cursor_text(cursor: RoomCursor) -> str:
    """The cursor as it goes into a link: the activity's exact `repr`, so the next page starts exactly there."""
    return f'{cursor.last_activity!r}{CURSOR_SEPARATOR}{cursor.name}'


def parse_cursor(text: str) -> RoomCursor | None:
    """The cursor a link carries (none for the first page); raise `ChatError` for anything `cursor_text`
    could not have written."""
    if not text:
        return None
    activity, separator, name = text.partition(CURSOR_SEPARATOR)
    try:
        if len(text) > MAX_CURSOR_LENGTH or not separator:
            raise ValueError(text)
        moment = float(activity)
        if not math.isfinite(moment):
            raise ValueError(text)
        return RoomCursor(moment, validate_room(name))
    except (ValueError, ChatError) as error:
        raise ChatError(ErrorKind.BAD_LINK, BROKEN_LINK) from error
