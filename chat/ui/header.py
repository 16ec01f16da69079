"""The bar on top of a room: the room's name, its search, and the reader's own, editable display name; on a
phone, the button that opens the rooms at hand."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from chat.domain.model import ChatError
from chat.ui.activity import PeopleButton
from chat.ui.identity import browser_storage, display_name, set_display_name, signed_in
from chat.ui.mentions import MentionBell
from chat.ui.stream import RoomStream
from chat.ui.theme import ThemeToggle


class RoomHeader(ui.element):
    """Shows the room and who is in it; lets the user rename themselves, keeping the last good name on refusal.

    Signed in, the name is the one the sign-in proxy gave, shown but not editable.
    """

    def __init__(
        self,
        stream: RoomStream,
        on_rename: Callable[[str], None],
        on_menu: Callable[[], object],
        on_search: Callable[[], None],
    ) -> None:
        super().__init__('header')
        self._on_rename = on_rename
        self._storage = browser_storage()
        person = signed_in()
        self._named_by_sign_in = person is not None
        self.name = person.name if person is not None else display_name(self._storage)
        self.classes('chat-header')
        with self:
            ui.button(icon='menu', on_click=on_menu).props(
                'flat round dense color=white aria-label="Your rooms"'
            ).classes('lt-md').mark('joined-rooms-button')
            ui.button(icon='forum', on_click=lambda: ui.navigate.to('/rooms')).props(
                'flat round dense color=white aria-label="All rooms"'
            ).classes('gt-sm').mark('rooms-link')  # below 1024 px the drawer links to all rooms
            ui.label(f'# {stream.room}').classes('chat-room-name').props('role=heading aria-level=1').mark('room-name')
            ui.button(icon='search', on_click=on_search).props(
                'flat round dense color=white aria-label="Search this room"'
            ).mark('search-button')
            MentionBell()
            self.people = PeopleButton(stream)
            self.name_input = (
                ui.input('Your name', value=self.name)
                .props('dense outlined dark aria-label="Your name"')
                .classes('chat-name-input')
                .mark('name-input')
            )
            if self._named_by_sign_in:
                self.name_input.props('readonly')
            ThemeToggle(self._storage)
        self.name_input.on('blur', self.rename)
        self.name_input.on('keydown.enter', self.rename)

    def rename(self) -> None:
        """Adopt the typed name for the next messages, or show why it cannot be used."""
        if self._named_by_sign_in:
            return
        try:
            self.name = set_display_name(self._storage, self.name_input.value or '')
        except ChatError as error:
            self.name_input.props['error'] = True
            self.name_input.props['error-message'] = error.message
            return
        self.name_input.props['error'] = False
        self.name_input.value = self.name
        self._on_rename(self.name)
