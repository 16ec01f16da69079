"""What the room's activity looks like: how many are here (and who), and who is typing.

Both follow the room's activity broadcast (see `chat.ui.stream`): the server words each change
once per process, for every tab of the room, and the browser shows the newest it got. What a
tab shows is also known here, from the stream, for tests and simulated users.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nicegui import ui

from chat.domain.model import Activity, Person
from chat.internals.findable import FindableText
from chat.ui.identity import public_token

if TYPE_CHECKING:
    from chat.ui.stream import RoomStream

ACTIVITY_EVENT = 'chat_activity'
SOCKET_MODULE = {'chat-room-socket': 'room_socket'}


def activity_wire(room: str, seq: int, activity: Activity) -> dict[str, Any]:
    """The activity as every tab of the room receives it, worded once.

    The typing line leaves out the reader's own browser, so it comes in one wording for
    everyone (key '') and one for each typist's browser (by its public token).
    """
    count = len(activity.people)
    typing = {'': typing_text(activity.typing)}
    for typist in activity.typing:
        typing[public_token(typist.id)] = typing_text(tuple(p for p in activity.typing if p.id != typist.id))
    return {
        'room': room,
        'seq': seq,
        'here': f'{count} here',
        'aria': f'{count} {"person" if count == 1 else "people"} in this room; show names',
        'typing': typing,
    }


class ActivityElement(FindableText):
    """An element that shows the room's activity: it starts from the stream's and follows its broadcast."""

    def __init__(self, stream: RoomStream) -> None:
        super().__init__()
        self.stream = stream
        self._props.update(room=stream.room, event=ACTIVITY_EVENT, activity=stream.activity_wire)

    @property
    def text(self) -> str:
        return ''

    def findable_text(self) -> list[str]:
        return [self.text]

    def refresh(self) -> None:
        """Hand this tab the current activity, after its socket (re)joined the room's broadcast."""
        self._props['activity'] = self.stream.activity_wire
        self.update()


class PeopleButton(ActivityElement, component='people_button.js', esm=SOCKET_MODULE):
    """ "3 here" in the header; its menu lists the names. Two elements, whatever the room's size.

    The names go to the browser only while the menu is open. Sent on every change, each join
    would give every tab the whole list, so a room filling up with N people cost N² names.
    """

    def __init__(self, stream: RoomStream) -> None:
        super().__init__(stream)
        self.mark('people')
        self._unlisten: Callable[[], None] | None = None
        self._mute: MuteOffer | None = None
        self.client.on_delete(self._stop_listening)  # a tab closed with its menu open
        with self:
            self.menu = ui.menu().props('anchor="bottom right" self="top right"')
            self.menu.on_value_change(self._menu_toggled)
            with self.menu:
                self._names = ui.label().classes('chat-people-names q-pa-md').mark('people-names')
                self._rows = ui.column().classes('chat-people-rows q-pa-sm')

    @property
    def text(self) -> str:
        here: str = self.stream.activity_wire['here']
        return here

    def _menu_toggled(self) -> None:
        if self.menu.value and self._unlisten is None:
            self._unlisten = self.stream.listen(self._show_names)
        elif not self.menu.value:
            self._stop_listening()
        self._show_names(self.stream.activity)

    def offer_mute(self, offer: MuteOffer) -> None:
        """A moderator's tab: each name but the tab's own gets "Mute…", or "Unmute" for one muted here."""
        self._mute = offer

    def show_names(self) -> None:
        """Show the names again, as after someone was muted or their mute lifted (if the menu is open)."""
        self._show_names(self.stream.activity)

    def _show_names(self, activity: Activity) -> None:
        if not self.menu.value:
            return
        if self._mute is None:
            self._names.text = '\n'.join(person.name for person in activity.people)
            return
        offer = self._mute
        self._rows.clear()
        with self._rows:
            for person in activity.people:
                with ui.row().classes('items-center no-wrap').mark('people-row'):
                    ui.label(person.name)
                    if person.id == offer.me:
                        continue
                    if offer.is_muted(person.id):
                        ui.button('Unmute', on_click=functools.partial(self._unmute, person)).props(
                            f'flat dense no-caps size=sm aria-label="Unmute {person.name}"'
                        ).mark('unmute-person')
                    else:
                        ui.button('Mute…', on_click=functools.partial(offer.mute, person)).props(
                            f'flat dense no-caps size=sm aria-label="Mute {person.name}…"'
                        ).mark('mute-person')

    async def _unmute(self, person: Person) -> None:
        if self._mute is not None:
            await self._mute.unmute(person)
            self.show_names()

    def _stop_listening(self) -> None:
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None


@dataclass(frozen=True, slots=True)
class MuteOffer:
    """What a moderator's people menu offers: for each name but `me` (the tab's person), "Mute…" (`mute` opens the
    dialog) or, for someone `is_muted` in the room, "Unmute" (`unmute` lifts it)."""

    me: str
    is_muted: Callable[[str], bool]
    mute: Callable[[Person], None]
    unmute: Callable[[Person], Awaitable[None]]


class TypingLine(ActivityElement, component='typing_line.js', esm=SOCKET_MODULE):
    """ "Blue Fox 42 is typing…" for everyone but the typist; empty (and silent) otherwise."""

    def __init__(self, stream: RoomStream, browser_id: str) -> None:
        super().__init__(stream)
        self._me = public_token(browser_id)
        self._props['me'] = self._me
        self.classes('chat-typing').props('aria-live=polite').mark('typing')

    @property
    def text(self) -> str:
        typing: dict[str, str] = self.stream.activity_wire['typing']
        return typing.get(self._me, typing[''])


def typing_text(typists: tuple[Person, ...]) -> str:
    names = [person.name for person in typists]
    if not names:
        return ''
    if len(names) == 1:
        return f'{names[0]} is typing…'
    if len(names) == 2:
        return f'{names[0]} and {names[1]} are typing…'
    return f'{names[0]}, {names[1]} and {len(names) - 2} more are typing…'
