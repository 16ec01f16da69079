"""The form at the bottom of a room: text input, character counter and Send button."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from ..model import MAX_MESSAGE_LENGTH, ChatError

Send = Callable[[str], Awaitable[object]]


class Composer(ui.element):
    """Sends on Enter or the Send button, clears only after the room accepted the text.

    A refused or failed send leaves the text in the input and says why next to it,
    so nothing the user typed is ever lost.
    """

    def __init__(self, send: Send, on_typing: Callable[[], None]) -> None:
        super().__init__('div')
        self._send = send
        self._on_typing = on_typing
        self._sending = False
        self.classes('chat-composer').props('role=form aria-label="Send a message"')
        with self:
            self.input = (
                ui.input(placeholder='Type a message…', on_change=self._update_counter)
                .props('autofocus outlined dense aria-label="Message" hide-bottom-space')
                .classes('chat-input')
                .mark('composer-input')
            )
            self.input.on('keydown.enter', self.submit)
            self.button = (
                ui.button('Send', icon='send', on_click=self.submit)
                .props('unelevated aria-label="Send"')
                .mark('composer-send')
            )
        with self.input.add_slot('hint'):
            self.counter = ui.label(self._count_text('')).classes('chat-counter').mark('composer-counter')

    async def submit(self) -> None:
        """Send the current text once; a second Enter while it is on its way is ignored."""
        text = self.input.value or ''
        if self._sending:
            return
        self._sending = True
        try:
            await self._send(text)
        except ChatError as error:
            self._show_error(error.message)
            return
        finally:
            self._sending = False
        if self.input.value == text:
            self.input.value = ''
        self._show_error(None)
        self.input.run_method('focus')

    def _update_counter(self) -> None:
        text = self.input.value or ''
        if text:
            self._on_typing()
        self.counter.text = self._count_text(text)
        if len(text) > MAX_MESSAGE_LENGTH:
            self.counter.classes(add='text-negative')
        else:
            self.counter.classes(remove='text-negative')

    def _show_error(self, message: str | None) -> None:
        self.input.props['error'] = message is not None
        self.input.props['error-message'] = message

    @staticmethod
    def _count_text(text: str) -> str:
        return f'{len(text)} / {MAX_MESSAGE_LENGTH}'
