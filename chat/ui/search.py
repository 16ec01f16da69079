"""Searching the room: a dialog with the search field and its results, each a way back into the conversation.

The results are one element whose component draws each match from text nodes, the matched words
in `<mark>` elements it builds itself, never HTML from the server: what the server sends is text cut
into plain and matched parts (`excerpt`). Picking a result closes the dialog and hands its id to
`on_pick`, which brings the message into view in the conversation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui
from nicegui.events import GenericEventArguments

from chat.domain.model import ChatError, Message
from chat.domain.search import Search, SearchResults
from chat.internals.findable import FindableText

AROUND = 40  # characters of context shown before the first match
WIDTH = 160  # characters of a message shown at most in a result

Find = Callable[[str, int | None], Awaitable[SearchResults]]


def excerpt(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """`text` around its first match, cut into parts that alternate plain text and matched words (plain first)."""
    start = max(0, spans[0][0] - AROUND) if spans else 0
    end = min(len(text), start + WIDTH)
    parts, at = [], start
    for span_start, span_end in spans:
        if span_start >= end:
            break
        parts += [text[at:span_start], text[span_start : min(span_end, end)]]
        at = min(span_end, end)
    parts.append(text[at:end])
    if start > 0:
        parts[0] = '…' + parts[0]
    if end < len(text):
        parts[-1] += '…'
    return parts


def result_wire(message: Message, search: Search) -> dict[str, Any]:
    return {
        'id': message.id,
        'name': message.author.name,
        'at': int(message.sent_at * 1000),
        'parts': excerpt(message.text, search.spans(message.text)),
    }


class SearchResultList(FindableText, component='search_results.js'):
    """The matches found so far, newest first."""

    def __init__(self, on_pick: Callable[[int], None]) -> None:
        super().__init__()
        self._props.update(results=[], searched=False)
        self.classes('chat-search-results').mark('search-results')
        self.on('pick', lambda event: self._picked(event, on_pick))

    def show(self, results: SearchResults, *, append: bool) -> None:
        found = [result_wire(message, results.search) for message in results.messages]
        self._props.update(results=[*self._props['results'], *found] if append else found, searched=True)
        self.update()

    @property
    def oldest(self) -> int | None:
        return self._props['results'][-1]['id'] if self._props['results'] else None

    def findable_text(self) -> list[str]:
        return [text for row in self._props['results'] for text in (row['name'], ''.join(row['parts']))]

    def _picked(self, event: GenericEventArguments, on_pick: Callable[[int], None]) -> None:
        if event.args in {row['id'] for row in self._props['results']}:
            on_pick(event.args)


class RoomSearch:
    """The search dialog of one tab: type words and press Enter, page back with "More results", pick a match."""

    def __init__(self, find: Find, on_pick: Callable[[int], None]) -> None:
        self._find = find
        self._on_pick = on_pick
        self._query = ''
        with ui.dialog().props('position=top') as self.dialog, ui.card().classes('chat-search'):
            self.field = (
                ui.input(placeholder='Search this room')
                .props('dense outlined autofocus clearable aria-label="Search this room" maxlength=200')
                .classes('w-full')
                .mark('search-input')
            )
            self.results = SearchResultList(self._picked)
            self.more = ui.button('More results', icon='expand_more', on_click=self._more).props('flat no-caps dense')
            self.more.mark('search-more').visible = False
        self.field.on('keydown.enter', self._search)

    def open(self) -> None:
        self.dialog.open()

    async def _search(self) -> None:
        self._query = self.field.value or ''
        await self._show(None, append=False)

    async def _more(self) -> None:
        await self._show(self.results.oldest, append=True)

    async def _show(self, before: int | None, *, append: bool) -> None:
        try:
            results = await self._find(self._query, before)
        except ChatError as error:
            self.field.props['error'] = True
            self.field.props['error-message'] = error.message
            self.field.update()
            return
        self.field.props['error'] = False
        self.field.update()
        self.results.show(results, append=append)
        self.more.visible = results.more

    def _picked(self, message_id: int) -> None:
        self.dialog.close()
        self._on_pick(message_id)
