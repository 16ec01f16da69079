"""A page of the rooms list as one element: the browser draws a row per room from its props.

Four NiceGUI elements per room (item, section, two labels) cost the event loop about 80 µs per room
to build and serialise; one element with a list of rows costs a small fraction of that, so a page
of the rooms list costs the loop hardly more than an empty page.
"""

from __future__ import annotations

from collections.abc import Sequence

from chat.domain.model import RoomSummary
from chat.internals.findable import FindableText


class RoomList(FindableText, component='room_list.js'):
    """The rooms of one page, each a link to the room with its message count and last activity."""

    def __init__(self, rooms: Sequence[RoomSummary], *, now: float) -> None:
        super().__init__()
        self.rooms = tuple(rooms)
        self._props['rooms'] = [{'name': room.name, 'about': about(room, now=now)} for room in self.rooms]
        self.classes('w-full').mark('room-list')

    def findable_text(self) -> list[str]:
        return [text for row in self._props['rooms'] for text in (f'# {row["name"]}', row['about'])]


def about(room: RoomSummary, *, now: float) -> str:
    """ "3 messages · 5 min ago": how much was said in the room and how long ago the last of it."""
    count = f'{room.message_count} message' + ('' if room.message_count == 1 else 's')
    return f'{count} · {ago(now - room.last_activity)}'


def ago(seconds: float) -> str:
    """A rough, viewer-independent age such as "just now", "5 min ago" or "3 days ago"."""
    for unit, size in (('day', 86400), ('h', 3600), ('min', 60)):
        if seconds >= size:
            amount = int(seconds // size)
            return f'{amount} {unit}{"s" if unit == "day" and amount > 1 else ""} ago'
    return 'just now'
