"""The form at the bottom of a room: the message a reply answers, text input, character counter and Send button."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from nicegui import ui
from nicegui.events import GenericEventArguments, ValueChangeEventArguments

from chat.domain.model import MAX_MESSAGE_LENGTH, ChatError, ErrorKind, Quote

Send = Callable[[str, int | None], Awaitable[object]]  # the text, and the id of the message it replies to

ENTER = '(event) => emit(event.target.value)'  # the text as it was when Enter was pressed
DOUBLE_PRESS = 1.0  # seconds within which a second Enter with the same text is the same press
RATE_LIMITED_PAUSE = 1.0  # seconds a tab told to slow down is not answered again: a flood costs no round trips


class Composer(ui.element):
    """Sends on Enter or the Send button; a refused or failed send keeps the text and says why.

    Nothing the user typed is ever lost: the text goes back into the input with the reason
    next to it. A tab told to slow down gets no answer to Enter for a second, so a scripted
    flood costs the server an event each, not a round trip each. A reply shows the quote of the
    message it answers above the input until it is sent or cancelled (its close button or Escape).

    The server sets the input in two places (cleared on Enter, the text put back on a refusal);
    see `_put` for why a late answer from the browser to the first must not undo the second.
    """

    def __init__(self, send: Send, on_typing: Callable[[], None]) -> None:
        super().__init__('div')
        self._send = send
        self._on_typing = on_typing
        self._lock = asyncio.Lock()
        self._last_sent = ''
        self._sent_at = -DOUBLE_PRESS
        self._refusing_until = 0.0
        self._reply: Quote | None = None
        self._prop = ''  # the input's `value` prop as the browser last received it
        self._echo: str | None = None  # a value the browser is about to send back unasked, see `_put`
        self._putting = False
        self.classes('chat-composer').props('role=form aria-label="Send a message"')
        with self:
            self._reply_bar()
            self.input = (
                ui.input(placeholder='Type a message…', on_change=self._changed)
                .without_auto_validation()
                .props('autofocus outlined dense aria-label="Message" hide-bottom-space')
                .classes('chat-input')
                .mark('composer-input')
            )
            self.input.on('keydown.enter', self._enter, js_handler=ENTER)
            self.input.on('keydown.escape', self.cancel_reply)
            self.button = (
                ui.button('Send', icon='send', on_click=self.submit)
                .props('unelevated aria-label="Send"')
                .mark('composer-send')
            )
        with self.input.add_slot('hint'):
            self.counter = ui.label(self._count_text('')).classes('chat-counter').mark('composer-counter')

    def _reply_bar(self) -> None:
        """The line above the input that says which message the next one answers, with a button to cancel (hidden)."""
        with ui.element('div').classes('chat-reply-bar').mark('reply-bar') as self.reply_bar:
            self.reply_name = ui.label().classes('chat-reply-name')
            self.reply_text = ui.label().classes('chat-reply-text')
            ui.button(icon='close', on_click=self.cancel_reply).props(
                'flat round dense size=sm aria-label="Cancel reply"'
            ).mark('reply-cancel')
        self.reply_bar.visible = False

    def reply_to(self, quote: Quote) -> None:
        """Make the next message a reply to the message `quote` shows, and show it above the input."""
        self._show_reply(quote)
        self._show_error(None)
        self.input.run_method('focus')

    def cancel_reply(self) -> None:
        if self._reply is not None:
            self._show_reply(None)
            self.input.run_method('focus')

    def refuse(self, message: str) -> None:
        """Say under the input why something the user asked for was refused; what they typed stays."""
        self._show_error(message)

    def _show_reply(self, quote: Quote | None) -> None:
        self._reply = quote
        self.reply_bar.visible = quote is not None
        if quote is not None:
            self.reply_name.text = f'Replying to {quote.name}' if quote.name else 'Replying to'
            self.reply_text.text = 'message deleted' if quote.deleted else quote.excerpt

    async def _enter(self, event: GenericEventArguments) -> None:
        await self.submit(event.args if isinstance(event.args, str) else None)

    async def submit(self, text: str | None = None) -> None:
        """Send `text` (by default the input's value) and clear it; one tab's sends go out in order.

        A fast typist types the next message, and presses Enter, before the store confirms
        the first. Enter sends what the input held when it was pressed, the input is cleared
        at once, and the lock keeps the order. A refused or failed send puts its text back,
        ahead of whatever was typed since, and so does the reply it was, unless another was picked since.
        """
        if text is None:
            text = self._typed()
        if self._repeats_last_send(text) or time.monotonic() < self._refusing_until:
            return
        reply = self._reply
        if text.strip():
            self._last_sent, self._sent_at = text, time.monotonic()
            typed = self._typed()
            self._put(typed[len(text) :] if typed.startswith(text) else typed)
            self._show_error(None)
            self._show_reply(None)
        async with self._lock:
            try:
                await self._send(text, None if reply is None else reply.id)
            except ChatError as error:
                typed_since = self._typed()
                self._put(f'{text} {typed_since}' if typed_since and typed_since != text else text)
                if self._reply is None:
                    self._show_reply(reply)
                self._show_error(error.message)
                if error.kind in (ErrorKind.RATE_LIMITED, ErrorKind.OVER_BUDGET):
                    self._refusing_until = time.monotonic() + RATE_LIMITED_PAUSE
                return
        self._show_error(None)
        self.input.run_method('focus')

    def _repeats_last_send(self, text: str) -> bool:
        """Whether this Enter is the second of a double press, made before the browser showed the input cleared.

        It carries the text just sent (or nothing) while nothing new was typed; sending it would
        post the message twice or complain about an empty one.
        """
        recent = time.monotonic() - self._sent_at < DOUBLE_PRESS
        return recent and not self.input.value and text in (self._last_sent, '')

    def _typed(self) -> str:
        """What the input holds; a forged event can set it to any JSON value, which counts as nothing typed."""
        value = self.input.value
        return value if isinstance(value, str) else ''

    def _put(self, value: str) -> None:
        """Set what the input shows from the server.

        NiceGUI sends the new `value` prop and then has the browser's input take it (`updateValue`).
        If the prop did not change (the browser keeps the last one it received while the user types), the
        input takes it from that call and sends it back, as if typed, a trip over the link later. Enter
        clears to '' and the prop usually is '': that answer comes. A store that refuses faster than the
        trip has put the text back by then, and the late '' would empty the input again (on the server,
        and in the browser when both changes leave in one update) and take the reason away.
        """
        if value == self._prop and value != self._typed():
            self._echo = value
        self._prop = value
        self._putting = True
        try:
            self.input.value = value
        finally:
            self._putting = False

    def _changed(self, event: ValueChangeEventArguments[str | None]) -> None:
        """The input changed: typed in the browser, its answer to `_put`, or `_put` itself.

        The browser's first value after a `_put` that it answers is that answer: if the server has put
        another value since, the answer is out of date and the server's value goes back in.
        """
        if not self._putting:
            echo, self._echo = self._echo, None
            if event.value == echo and isinstance(event.previous_value, str) and event.previous_value != echo:
                self._put(event.previous_value)
                return
            if self.input.props.get('error'):
                self._show_error(None)
        self._update_counter()

    def _update_counter(self) -> None:
        text = self._typed()
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
