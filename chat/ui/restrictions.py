"""Read-only rooms and mutes in a room page: the line under the input that says why this tab cannot post, and a
moderator's controls (the header's read-only toggle, the mute dialog or Unmute behind each name of the people menu).

Whether a tab gets the controls is decided when its page is built (`Rooms.is_moderator`); each action is checked
again by the room model. The line and the toggle start from what this process knows as the page opens and follow
the room's notices in the browser (`restriction_line.js`, `read_only_button.js`), so a change costs no Python per tab.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from nicegui import ui
from nicegui.events import GenericEventArguments

from chat.domain.model import ChatError, Person
from chat.domain.restrictions import EVERYWHERE, MAX_REASON_LENGTH, MUTE_DURATIONS, READ_ONLY_REFUSAL, Mute
from chat.domain.rooms import Rooms
from chat.internals.findable import FindableText
from chat.ui.activity import SOCKET_MODULE, MuteOffer
from chat.ui.identity import public_token
from chat.ui.stream import EVENT

READ_ONLY_MODERATOR = 'This room is read-only; as a moderator you can still post.'
SCOPES = {'room': 'In this room', 'everywhere': 'Everywhere'}


def mute_line(mute: Mute) -> str:
    """What the line says of a mute; the browser writes the time in its own time zone, the server in UTC."""
    where = 'everywhere' if mute.room == EVERYWHERE else 'in this room'
    return f'You are muted {where} until {time.strftime("%H:%M UTC", time.gmtime(mute.until))}: {mute.reason}'


class RestrictionLine(FindableText, component='restriction_line.js', esm=SOCKET_MODULE):
    """ "You are muted in this room until 21:30: spam" or "This room is read-only…" under the input; empty otherwise."""

    def __init__(self, rooms: Rooms, room: str, person: str, ip: str, *, moderator: bool) -> None:
        super().__init__()
        self._rooms, self._room, self._person, self._ip = rooms, room, person, ip
        self._moderator = moderator
        mute = self._mute()
        shown = None
        if mute is not None:
            shown = {'until': mute.until * 1000, 'reason': mute.reason, 'everywhere': mute.room == EVERYWHERE}
        self._props.update(room=room, event=EVENT, person=public_token(person), mute=shown)
        self._props.update(readOnly=rooms.is_read_only(room), moderator=moderator)
        self.mark('restriction-line')

    @property
    def text(self) -> str:
        """What the browser shows now, from what this process knows (for tests and simulated users)."""
        if (mute := self._mute()) is not None:
            return mute_line(mute)
        if self._rooms.is_read_only(self._room):
            return READ_ONLY_MODERATOR if self._moderator else READ_ONLY_REFUSAL
        return ''

    def findable_text(self) -> list[str]:
        return [self.text]

    def _mute(self) -> Mute | None:
        """The mute that holds this tab's posts; none for a moderator, whom no mute holds (the browser shows a mute's
        notice to its target only)."""
        return None if self._moderator else self._rooms.mute_of(self._room, self._person, self._ip)


class ReadOnlyButton(ui.element, component='read_only_button.js', esm=SOCKET_MODULE):
    """A moderator's lock in the room header: read-only, or writable again. It starts from what this process knows as
    the page opens and follows the room's notices in the browser, so every moderator's tab shows the room's state, live,
    at no Python cost per tab; a click sends the state the button offers, and the room's notice tells every tab."""

    def __init__(self, rooms: Rooms, room: str, moderator: Callable[[], Person]) -> None:
        super().__init__()
        self._rooms, self._room, self._moderator = rooms, room, moderator
        self._props.update(room=room, event=EVENT, readOnly=rooms.is_read_only(room))
        self.mark('read-only-toggle')
        self.on('toggle', self._toggle)

    async def _toggle(self, event: GenericEventArguments) -> None:
        if not isinstance(event.args, bool):
            return
        try:
            await self._rooms.set_read_only(self._room, self._moderator(), event.args)
        except ChatError as error:
            ui.notify(error.message, type='warning')


class MuteDialog(ui.dialog):
    """Mute someone: in this room or everywhere, for how long, and why (required); refusals show in the dialog."""

    def __init__(self, rooms: Rooms, room: str, moderator: Callable[[], Person], on_muted: Callable[[], None]) -> None:
        super().__init__()
        self._rooms, self._room, self._moderator = rooms, room, moderator
        self._on_muted = on_muted
        self._target: Person | None = None
        with self, ui.card().classes('chat-mute-dialog').mark('mute-dialog'):
            self.title = ui.label().classes('text-h6')
            self.scope = ui.radio(SCOPES, value='room').props('inline').mark('mute-scope')
            durations = {seconds: label for label, seconds in MUTE_DURATIONS.items()}
            self.duration = ui.select(durations, value=600, label='For').mark('mute-duration')
            self.reason = (
                ui.input('Reason (everyone in the room sees it)')
                .props(f'maxlength={MAX_REASON_LENGTH} autofocus')
                .mark('mute-reason')
            )
            with ui.row().classes('justify-end w-full'):
                ui.button('Cancel', on_click=self.close).props('flat')
                ui.button('Mute', on_click=self._mute).props('unelevated color=negative').mark('mute-confirm')

    def ask(self, person: Person) -> None:
        """Open the dialog for `person`, someone the room's people menu lists (so known by the server)."""
        self._target = person
        self.title.text = f'Mute {person.name}'
        self.reason.value = ''
        self._refuse(None)
        self.open()

    async def _mute(self) -> None:
        if self._target is None:
            return
        everywhere = self.scope.value == 'everywhere'
        try:
            await self._rooms.mute(
                self._room,
                self._moderator(),
                self._target,
                everywhere=everywhere,
                seconds=self.duration.value,
                reason=self.reason.value or '',
            )
        except ChatError as error:
            self._refuse(error.message)
            return
        self.close()
        self._on_muted()

    def _refuse(self, message: str | None) -> None:
        self.reason.props['error'] = message is not None
        self.reason.props['error-message'] = message
        self.reason.update()


def mute_offer(rooms: Rooms, room: str, me: str, moderator: Callable[[], Person], dialog: MuteDialog) -> MuteOffer:
    """What the people menu of moderator `me`'s tab offers: the mute dialog, or lifting a mute held in this room."""

    async def unmute(person: Person) -> None:
        try:
            await rooms.unmute(room, moderator(), person)
        except ChatError as error:
            ui.notify(error.message, type='warning')

    return MuteOffer(me, lambda person: rooms.mute_of(room, person) is not None, dialog.ask, unmute)
