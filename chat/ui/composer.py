"""The form at the bottom of a room: text input, character counter and Send button."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from nicegui import ui

from ..model import MAX_MESSAGE_LENGTH, ChatError

Send = Callable[[str], Awaitable[object]]


class Composer(ui.element):
    """Sends on Enter or the Send button; a refused or failed send keeps the text and says why.

    Nothing the user typed is ever lost: the text goes back into the input with the reason
    next to it.
    """

    def __init__(self, send: Send, on_typing: Callable[[], None]) -> None:
        super().__init__('div')
        self._send = send
        self._on_typing = on_typing
        self._lock = asyncio.Lock()
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
        """Clear the input at once and send; one tab's sends go out one at a time, in order.

        A fast typist types the next message, and presses Enter, before the store confirms
        the first: clearing at once keeps the two apart and the lock keeps their order. A
        refused or failed send puts its text back, ahead of whatever was typed since.
        """
        text = self.input.value or ''
        if text.strip():
            self.input.value = ''
        async with self._lock:
            try:
                await self._send(text)
            except ChatError as error:
                typed_since = self.input.value or ''
                self.input.value = f'{text} {typed_since}' if typed_since and typed_since != text else text
                self._show_error(error.message)
                return
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
