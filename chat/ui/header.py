"""The bar on top of a room: the room's name and the reader's own, editable display name."""

from __future__ import annotations

from nicegui import ui

from ..model import ChatError
from .identity import browser_storage, display_name, set_display_name


class RoomHeader(ui.element):
    """Shows the room and lets the user rename themselves; a refused name keeps the last good one."""

    def __init__(self, room: str) -> None:
        super().__init__('header')
        self._storage = browser_storage()
        self.name = display_name(self._storage)
        self.classes('chat-header')
        with self:
            ui.button(icon='forum', on_click=lambda: ui.navigate.to('/rooms')).props(
                'flat round dense color=white aria-label="All rooms"'
            ).mark('rooms-link')
            ui.label(f'# {room}').classes('chat-room-name').props('role=heading aria-level=1').mark('room-name')
            self.name_input = (
                ui.input('Your name', value=self.name)
                .props('dense outlined dark aria-label="Your name"')
                .classes('chat-name-input')
                .mark('name-input')
            )
        self.name_input.on('blur', self.rename)
        self.name_input.on('keydown.enter', self.rename)

    def rename(self) -> None:
        """Adopt the typed name for the next messages, or show why it cannot be used."""
        try:
            self.name = set_display_name(self._storage, self.name_input.value or '')
        except ChatError as error:
            self.name_input.props['error'] = True
            self.name_input.props['error-message'] = error.message
            return
        self.name_input.props['error'] = False
        self.name_input.value = self.name
