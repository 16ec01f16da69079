"""The scrolling list of message bubbles: one element per message, appended, never re-rendered."""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable

from nicegui import ui
from nicegui.events import GenericEventArguments

from chat.domain.model import Message
from chat.internals.findable import FindableText
from chat.ui.linkify import linkify

MAX_SHOWN = 500
PAGE_SIZE = 50
BLOCK_SIZE = 50
GROUP_SECONDS = 120

AT_BOTTOM_CHANGED = """(event) => {
    const atBottom = event.target.scrollTop > -48;
    if (event.target.dataset.atBottom !== String(atBottom)) {
        event.target.dataset.atBottom = atBottom;
        emit(atBottom);
    }
}"""

LoadOlder = Callable[[int | None, int], Awaitable[list[Message]]]


class MessageBubble(FindableText):
    """One message as one element: its escaped text, with http(s) URLs as links (see `linkify`).

    The author's name and the time are attributes that the stylesheet draws above and
    below the text, which keeps a message at a single element per client. Own messages
    sit on the right in green (`sent-message`), everyone else's on the left in red
    (`received-message`). The viewer's browser formats the time, so each reader sees
    their own local time, with the full date on hover. A bubble that continues its
    author's run (`continued`) leaves the name out.
    """

    def __init__(self, message: Message, *, own: bool, continued: bool = False) -> None:
        super().__init__('div')
        self.message = message
        self._props['innerHTML'] = linkify(message.text)
        millis = int(message.sent_at * 1000)
        self._props['data-author'] = message.author.name
        self._props[':data-time'] = f"new Date({millis}).toLocaleTimeString([], {{hour: '2-digit', minute: '2-digit'}})"
        self._props[':title'] = f'new Date({millis}).toLocaleString()'
        self._classes.extend(['chat-bubble', 'sent-message' if own else 'received-message'])
        if continued:
            self._classes.append('continued')

    def set_continued(self, continued: bool) -> None:
        if continued != ('continued' in self.classes):
            self.classes(toggle='continued')

    @property
    def text(self) -> str:
        return self.message.text

    def findable_text(self) -> list[str]:
        return [self.message.text, self.message.author.name]


class MessageList(ui.element):
    """A bottom-anchored scroller of bubbles with a "Load older" control on top, holding at most `MAX_SHOWN`.

    Bubbles sit in blocks of at most `BLOCK_SIZE` that take no space of their own (CSS
    `display: contents`). NiceGUI sends a parent's whole list of child ids whenever a child
    is added or removed, so a live message costs a short list for every client instead of
    one as long as the page.

    The outer element scrolls in reverse (CSS `column-reverse`): the browser keeps the newest
    message in view while the reader is at the bottom, and keeps what they read in place when
    messages are added above or below, without any script or extra round trip. The browser
    reports only when the reader leaves or reaches the bottom; while they are away, a
    "N new messages" button counts what arrived and jumps back down.
    """

    def __init__(self, load_older: LoadOlder, is_own: Callable[[Message], bool]) -> None:
        super().__init__('div')
        self._load = load_older
        self._is_own = is_own
        self._bubbles: deque[MessageBubble] = deque()
        self._blocks: deque[ui.element] = deque()
        self._loading = False
        self._at_bottom = True
        self._unseen = 0
        self.classes('chat-messages').mark('message-list')
        with self:
            self._scroller = ui.element('div').classes('chat-scroller')
        self._scroller.props('role=log aria-live=polite aria-label="Messages"')
        self._scroller.on('scroll', self._scrolled, js_handler=AT_BOTTOM_CHANGED)
        with self._scroller, ui.element('div').classes('chat-column') as self._column:
            self._older = (
                ui.button('Load older messages', icon='history', on_click=self.load_older)
                .props('flat no-caps dense')
                .classes('chat-load-older')
                .mark('load-older')
            )
            self._older.visible = False
        with self:
            self.jump = (
                ui.button(on_click=self.scroll_to_latest)
                .props('rounded unelevated no-caps icon=arrow_downward')
                .classes('chat-jump')
                .mark('jump-to-latest')
            )
        self.jump.visible = False

    def scroll_to_latest(self) -> None:
        """Bring the newest message into view (in a reversed scroller, the bottom is `scrollTop` 0)."""
        self._scroller.run_method('scrollTo', {'top': 0, 'behavior': 'smooth'})
        self._seen_all()

    async def show_latest(self) -> None:
        """Show the newest page of the room; called once, before any live message is added."""
        await self.load_older()

    def add(self, message: Message) -> None:
        """Append one bubble for a live message, dropping the oldest one beyond `MAX_SHOWN`."""
        previous = self._bubbles[-1].message if self._bubbles else None
        if not self._blocks or len(self._blocks[-1].default_slot.children) >= BLOCK_SIZE:
            self._blocks.append(self._block())
        with self._blocks[-1]:
            bubble = self._bubble(message, after=previous)
        self._bubbles.append(bubble)
        if 'sent-message' in bubble.classes:
            self.scroll_to_latest()
        elif not self._at_bottom:
            self._unseen += 1
            self.jump.text = f'{self._unseen} new message' + ('' if self._unseen == 1 else 's')
            self.jump.visible = True
        if len(self._bubbles) > MAX_SHOWN:
            self._drop_oldest()
            self._set_older_state(more=True)

    async def load_older(self) -> None:
        """Insert the page before the oldest shown message above it, leaving the reader where they are."""
        room_for = MAX_SHOWN - len(self._bubbles)
        if room_for <= 0 or self._loading:
            return
        limit = min(PAGE_SIZE, room_for)
        before = self._oldest_id()
        self._loading = True
        try:
            page = await self._load(before, limit + 1)
        finally:
            self._loading = False
        if self._oldest_id() != before:
            return  # live messages pushed the oldest out meanwhile; this page would leave a gap
        more, page = len(page) > limit, page[-limit:]
        if page:
            self._prepend(page)
        self._set_older_state(more=more)

    @property
    def bubbles(self) -> list[MessageBubble]:
        return list(self._bubbles)

    def _scrolled(self, event: GenericEventArguments) -> None:
        self._at_bottom = bool(event.args)
        if self._at_bottom:
            self._seen_all()

    def _seen_all(self) -> None:
        self._unseen = 0
        self.jump.visible = False

    def _bubble(self, message: Message, *, after: Message | None) -> MessageBubble:
        return MessageBubble(message, own=self._is_own(message), continued=continues(after, message))

    def _block(self) -> ui.element:
        with self._column:
            return ui.element('div').classes('chat-block')

    def _prepend(self, page: list[Message]) -> None:
        block = self._block()
        block.move(target_index=1)
        with block:
            older = [self._bubble(message, after=page[i - 1] if i else None) for i, message in enumerate(page)]
        if self._bubbles:
            self._bubbles[0].set_continued(continues(older[-1].message, self._bubbles[0].message))
        self._blocks.appendleft(block)
        self._bubbles.extendleft(reversed(older))

    def _drop_oldest(self) -> None:
        bubble = self._bubbles.popleft()
        block = self._blocks[0]
        block.remove(bubble)
        if not block.default_slot.children:
            self._column.remove(self._blocks.popleft())
        self._bubbles[0].set_continued(False)

    def _oldest_id(self) -> int | None:
        return self._bubbles[0].message.id if self._bubbles else None

    def _set_older_state(self, *, more: bool) -> None:
        full = len(self._bubbles) >= MAX_SHOWN
        self._older.visible = more
        self._older.enabled = not full
        self._older.text = f'This page keeps the latest {MAX_SHOWN} messages' if full else 'Load older messages'


def continues(previous: Message | None, message: Message) -> bool:
    """Whether `message` reads as part of `previous`'s run: same tab and name, within `GROUP_SECONDS`."""
    return (
        previous is not None
        and previous.author == message.author
        and 0 <= message.sent_at - previous.sent_at <= GROUP_SECONDS
    )
