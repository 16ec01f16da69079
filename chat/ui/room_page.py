"""One room as one tab sees it: header, live message list and composer, wired to the room model."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from nicegui import Client, background_tasks, ui

from chat.domain.model import Author, ChatError, Message, Person
from chat.domain.presence import Visit
from chat.domain.private import Access, is_private, private_refusal
from chat.domain.rooms import Rooms
from chat.domain.search import SearchResults
from chat.internals import room_broadcast
from chat.logs import log_event
from chat.ui.activity import TypingLine
from chat.ui.composer import Composer
from chat.ui.header import RoomHeader
from chat.ui.identity import browser_id, public_token, tab_author_id
from chat.ui.joined_rooms import rooms_drawer
from chat.ui.mentions import MentionPicker
from chat.ui.message_list import MessageList
from chat.ui.moderation import moderation_link, welcome_new_moderator
from chat.ui.private_rooms import InviteButton, private_refusal_page
from chat.ui.removals import Removals
from chat.ui.restrictions import MuteDialog, ReadOnlyButton, RestrictionLine, mute_offer
from chat.ui.room_members import MembersButton
from chat.ui.search import RoomSearch
from chat.ui.stream import RoomStream, Streams
from chat.ui.theme import apply_colors

log = logging.getLogger(__name__)

TYPING_EVERY = 2.0
STORE_NOTICE = (
    'The chat store is unavailable, so the messages cannot be shown or sent for now. What you type stays in the '
    'input; this page picks up by itself when the store is back.'
)


async def room_page(rooms: Rooms, streams: Streams, removals: Removals, room: str) -> None:
    """Build the room's page; once the tab is connected, show the history and follow the room live.

    An address that already has its share of open tabs gets a notice instead of the room, and a browser that is
    not a member of a private room the refusal (`chat.ui.private_rooms`), before anything of the room is built.
    """
    client = ui.context.client
    person = browser_id()
    try:
        access = await rooms.access(room, person)
    except ChatError as error:
        ui.label(error.message).props('role=alert').mark('store-unavailable')
        return
    try:
        moderator = await rooms.is_moderator(person)
    except ChatError:
        moderator = False  # the store is not open: the room says so, and a reload once it is back shows "Remove"
    if access is Access.NONE:
        private_refusal_page()
        return
    try:
        client.on_delete(rooms.open_tab(client.ip))
    except ChatError as error:
        log_event(log, logging.INFO, 'tab_refused', room=room, reason=error.kind, ip=client.ip)
        too_many_tabs(error.message)
        return
    ui.page_title(page_title(room))
    apply_colors()
    client.content.classes('chat-page')
    stream, release = streams.follow(room)
    client.on_delete(release)
    drawer, joined = await rooms_drawer(rooms, streams, removals, room)
    view = RoomView(rooms, stream, client.ip, on_menu=drawer.toggle, moderator=moderator)
    if access is Access.OWNER:
        with view.header:
            InviteButton(rooms, room, person, str(client.request.base_url))
            MembersButton(rooms, room, person)
    if moderator:
        me = view.moderator_person
        with view.header:
            moderation_link()
            ReadOnlyButton(rooms, room, me)
        people = view.header.people
        people.offer_mute(mute_offer(rooms, room, person, me, MuteDialog(rooms, room, me, people.show_names)))

    def close() -> None:
        """The person was removed from the room: the tab leaves its broadcast at once and shows the refusal."""
        room_broadcast.evict(client.id, room)
        view.close()
        joined.close()
        release()
        drawer.delete()
        client.content.clear()
        with client.content:
            private_refusal_page()

    client.on_delete(removals.tab(room, person, close))
    if is_private(room):
        await remember_name(rooms, room, person, view.header.name)
    await client.connected()
    if not client.is_deleted and not view.closed:
        welcome_new_moderator()
        await view.follow(client, tab_author_id())
        joined.remember_seen(view.newest_shown)


async def remember_name(rooms: Rooms, room: str, person: str, name: str) -> None:
    """Keep the name a member has as they open the room, for the owner's list; a store that cannot is no refusal."""
    try:
        await rooms.remember_name(room, person, name)
    except ChatError:
        return


class RoomView:
    """The elements of one room page and the state that ties them to the room model."""

    def __init__(
        self, rooms: Rooms, stream: RoomStream, ip: str, *, on_menu: Callable[[], object], moderator: bool = False
    ) -> None:
        self.rooms = rooms
        self.stream = stream
        self.room = stream.room
        self.ip = ip
        self.author_id = ''
        self.browser_id = browser_id()
        self.search = RoomSearch(self._search, on_pick=self._reveal)
        self.header = RoomHeader(stream, on_rename=self._renamed, on_menu=on_menu, on_search=self.search.open)
        self.store_notice = store_notice()
        self.messages = MessageList(
            stream,
            self._history_page,
            self._missed,
            (self._edit, self._delete, self._react),
            title=page_title(self.room),
            on_joined=self._joined,
            person=public_token(self.browser_id),
            remove=self._remove,
            moderator=moderator,
        )
        self.typing_line = TypingLine(stream, self.browser_id)
        self.mentions = MentionPicker(stream, self.browser_id, allowed=lambda: not self.closed)
        self.composer = Composer(self.send, on_typing=self._typing)
        self.restriction_line = RestrictionLine(rooms, self.room, self.browser_id, ip, moderator=moderator)
        self.mentions.attach(self.composer.input)
        self.messages.on_reply(self._reply)
        self._visit: Visit | None = None
        self._last_typing = 0.0
        self.closed = False

    def close(self) -> None:
        """The tab lost the room (its person was removed): it leaves the room's people and answers no request."""
        self.closed = True
        if self._visit is not None:
            self._visit.leave()

    async def _check_member(self) -> None:
        """Every request of the tab asks this first: a private room answers its members only, even a tab that was
        open when its person was removed (another process may not have closed it yet)."""
        if self.closed or await self.rooms.access(self.room, self.browser_id) is Access.NONE:
            raise private_refusal()

    async def send(self, text: str, reply_to: int | None = None) -> Message:
        """Post as this tab under the current display name, a reply if `reply_to`; `ChatError` reaches the composer."""
        await self._check_member()
        author = Author(self.author_id, self.header.name)
        picked = tuple(self.mentions.picked)
        message = await self.rooms.post(
            self.room, author, text, ip=self.ip, reply_to=reply_to, picked=picked, person=self.browser_id
        )
        self.mentions.sent(message, picked)
        self._last_typing = 0.0
        if self._visit is not None:
            self._visit.stopped_typing()
        return message

    def moderator_person(self) -> Person:
        """Who a moderator's action names: the tab's person, under the name it has now."""
        return Person(self.browser_id, self.header.name)

    async def follow(self, client: Client, author_id: str) -> None:
        """Post as `author_id` (the tab's identity, known once it is connected), show the tab as present until
        the client is deleted, and show the latest messages, live from then on."""
        self.author_id = author_id
        me = Person(self.browser_id, self.header.name)
        self._visit = self.rooms.join(self.room, me, self.stream.show_activity, address=self.ip)
        client.on_delete(self._visit.leave)
        client.on_delete(self.rooms.when_store_opens(self._store_opened))
        try:
            await self.messages.open(author_id)
        except ChatError as error:
            if self.rooms.store_open:
                ui.notify(error.message, type='warning')
            else:
                self.store_notice.visible = True

    def newest_shown(self) -> int | None:
        """The id of the newest message the tab shows (0 in an empty room); None while the store keeps it from
        showing the room."""
        if self.store_notice.visible:
            return None
        shown = self.messages.shown
        return shown[-1].message.id if shown else 0

    def _store_opened(self) -> None:
        """The store that was unavailable when the tab opened is back: show the history, and sending works again."""
        if self.store_notice.visible and not self.closed:
            self.store_notice.visible = False
            background_tasks.create(self._show_history(), name='show history once the store is back')

    async def _show_history(self) -> None:
        try:
            await self.messages.show_latest()
        except ChatError as error:
            with self.messages:
                ui.notify(error.message, type='warning')

    async def _search(self, text: str, before: int | None) -> SearchResults:
        await self._check_member()
        return await self.rooms.search(self.room, text, tab=self.author_id, ip=self.ip, before=before)

    async def _reply(self, message_id: int) -> None:
        """The tab picked a message to answer: the composer shows its quote, or why it cannot answer it."""
        try:
            await self._check_member()
            quote = await self.rooms.quote(self.room, message_id)
        except ChatError as error:
            self.composer.refuse(error.message)
            return
        self.composer.reply_to(quote)

    def _reveal(self, message_id: int) -> None:
        self.messages.reveal(message_id)

    async def _history_page(self, before: int | None, limit: int) -> list[Message]:
        await self._check_member()
        return await self.rooms.history(self.room, before=before, limit=limit)

    async def _missed(self, after: int, limit: int) -> list[Message]:
        await self._check_member()
        return await self.rooms.since(self.room, after=after, limit=limit)

    async def _edit(self, message_id: int, text: str) -> Message:
        await self._check_member()
        return await self.rooms.edit(self.room, message_id, self.author_id, text, ip=self.ip, person=self.browser_id)

    async def _delete(self, message_id: int) -> Message:
        await self._check_member()
        return await self.rooms.delete(self.room, message_id, self.author_id, ip=self.ip)

    async def _remove(self, message_id: int) -> Message:
        """As a moderator; the room model checks that this tab's person is one, whatever the page claims."""
        return await self.rooms.remove(self.room, message_id, self.browser_id, self.header.name, ip=self.ip)

    async def _react(self, message_id: int, emoji: str, on: bool) -> Message:
        await self._check_member()
        author = Author(self.author_id, self.header.name)
        return await self.rooms.react(self.room, message_id, author, emoji, on=on, ip=self.ip, person=self.browser_id)

    def _joined(self) -> None:
        """The tab's socket (re)joined the room's broadcast: it gets the activity it may have missed."""
        self.header.people.refresh()
        self.typing_line.refresh()

    def _typing(self) -> None:
        """Tell the room at most every `TYPING_EVERY` seconds, not on every keystroke."""
        now = time.monotonic()
        if self._visit is not None and now - self._last_typing >= TYPING_EVERY:
            self._last_typing = now
            self._visit.typing()

    def _renamed(self, name: str) -> None:
        if self._visit is not None:
            self._visit.rename(name)


def store_notice() -> ui.label:
    """The line that says, while the store is unavailable, why the room shows nothing and sending fails (hidden)."""
    notice = ui.label(STORE_NOTICE).classes('chat-store-notice').props('role=alert').mark('store-unavailable')
    notice.visible = False
    return notice


def too_many_tabs(reason: str) -> None:
    ui.page_title('Too many tabs · Chat')
    with ui.card().classes('chat-notice').props('role=alert'):
        ui.label('Too many open tabs').classes('text-h6')
        ui.label(reason).mark('too-many-tabs')


def page_title(room: str) -> str:
    """The tab's title, e.g. "lobby · Chat"; the message list puts the unread count before it, "(3) lobby · Chat"."""
    return f'{room} · Chat'
