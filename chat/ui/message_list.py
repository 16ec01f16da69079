"""The scrolling list of message bubbles: one element per message, appended, never re-rendered."""

from __future__ import annotations

from nicegui import ui
from nicegui.elements.mixins.text_element import TextElement

from ..model import Message


class MessageBubble(TextElement):
    """One message as one element: the text is a Vue text node, so it is always shown literally.

    The author's name and the time are attributes that the stylesheet draws above and
    below the text, which keeps a message at a single element per client. Own messages
    sit on the right in green (`sent-message`), everyone else's on the left in red
    (`received-message`). The viewer's browser formats the time, so each reader sees
    their own local time, with the full date on hover.
    """

    def __init__(self, message: Message, *, own: bool) -> None:
        super().__init__(tag='div', text=message.text)
        self.message = message
        millis = int(message.sent_at * 1000)
        self._props['data-author'] = message.author.name
        self._props[':data-time'] = f"new Date({millis}).toLocaleTimeString([], {{hour: '2-digit', minute: '2-digit'}})"
        self._props[':title'] = f'new Date({millis}).toLocaleString()'
        self._classes.extend(['chat-bubble', 'sent-message' if own else 'received-message'])

    def _displayed_contents(self, *, only_visible: bool) -> list:
        return [*super()._displayed_contents(only_visible=only_visible), self.message.author.name]


class MessageList(ui.element):
    """A bottom-anchored scroller: while the reader is at the bottom, new messages stay in view.

    The outer element scrolls in reverse (CSS `column-reverse`), which makes the browser
    keep the newest message visible without any script or extra round trip per message.
    """

    def __init__(self) -> None:
        super().__init__('div')
        self.classes('chat-scroller').props('role=log aria-live=polite aria-label="Messages"').mark('message-list')
        with self:
            self._column = ui.element('div').classes('chat-column')

    def add(self, message: Message, *, own: bool) -> MessageBubble:
        """Append one bubble; nothing else in the list is touched or re-sent."""
        with self._column:
            return MessageBubble(message, own=own)

    @property
    def bubbles(self) -> list[MessageBubble]:
        return [child for child in self._column if isinstance(child, MessageBubble)]
