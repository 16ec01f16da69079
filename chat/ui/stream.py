"""A room's live messages and activity in this process: encoded once, emitted once per batch to all its tabs.

Every tab of a room shows the same new message, so nothing about it is per tab: the stream
turns it into its wire form once (`wire`), and sends it in one Socket.IO emit to the room's
sockets. Messages that arrive while an emit is under way go out together in the next one,
so under load the cost per message falls as the rate rises. Each tab's own share of the work
is deciding which messages are its own, and the browser does that by comparing tokens.

Who is here and who is typing change with every message sent (the sender stops typing), so
they take the same path: one wording per change (`activity_wire`), one emit.

Tabs that list the room among the rooms at hand without showing it (`chat.ui.joined_rooms`)
hear, once per batch, only the new messages' ids and whom they mention, in one more emit to the room's watchers.

A change (an edit, a deletion, a reaction) is no news to read, and reactions come in bursts: a
change waits up to `CHANGE_HOLD_SECONDS` to go out with the next emit, and a later state of the
same message replaces it meanwhile. An emit costs a send per tab, whatever it carries; so a
room's changes cost hardly any emits of their own while it is busy, and a burst in a quiet room
costs a few. The tab that made the change has it at once, with the answer to its request.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from chat.domain.model import Activity, Message, excerpt
from chat.domain.notices import Notice
from chat.domain.rooms import Rooms
from chat.internals import room_broadcast
from chat.logs import log_event
from chat.ui.activity import ACTIVITY_EVENT, activity_wire
from chat.ui.identity import public_token
from chat.ui.linkify import link_parts

log = logging.getLogger(__name__)

EVENT = 'chat_messages'
WATCH_EVENT = 'chat_room_news'
CHANGE_KEYS = {'edited', 'deleted', 'reacted'}  # what a message's wire form has once it was changed
REACTORS_NAMED = 10  # names a reaction's wire form carries (its chip's title); the count is always whole
REACTORS_KNOWN = 25  # public tokens it carries, for a tab to find its own reaction among them
COALESCE_SECONDS = 0.005  # under load, what arrives within this long after an emit goes out in the next one
CHANGE_HOLD_SECONDS = 0.15  # the longest a change waits to go out with the next emit
Wire = dict[str, Any]
ActivityListener = Callable[[Activity], None]
NoticeHandler = Callable[[Message], None]  # what the process does on a notice (`Streams.on_notice`)


def wire(message: Message) -> Wire:
    """A message as every tab receives it: text already split into text and links, the author as a public token,
    the time in milliseconds for the browser to show in its own time zone.

    An edited or deleted message goes out the same way under its id, with `edited` (when, also its revision)
    and `deleted`; the browser puts it in place of the earlier state. A message reacted to carries `reacted`
    (also a revision) and `reactions`, each [emoji, count, first names, first authors' tokens]: the same for
    every tab, which finds its own reaction by its token, as it finds its own messages. Bounded, so a message
    with a crowd of reactions costs each tab no more than one with a few. A message that mentions people carries
    `mentions`, their public tokens (at most `MAX_MENTIONS`): each tab looks for its browser's.

    A reply carries its `reply`, the quote of its original: {id, name, text (the first words), deleted, and
    removed if a moderator deleted it}. An edited message carries its own first words (`excerpt`), so each tab
    updates the quotes of it that it shows.
    """
    data: Wire = {
        'id': message.id,
        'parts': link_parts(message.text),
        'name': message.author.name,
        'author': public_token(message.author.id),
        'at': int(message.sent_at * 1000),
    }
    if message.edited_at is not None:
        data['edited'] = message.edited_at * 1000
    if message.deleted:
        data['deleted'] = True
    if message.removed:
        data['removed'] = True  # by a moderator: tabs say so in its place
    if message.reacted_at is not None:
        data['reacted'] = message.reacted_at * 1000
        data['reactions'] = [
            [
                reaction.emoji,
                len(reaction.authors),
                [author.name for author in reaction.authors[:REACTORS_NAMED]],
                [public_token(author.id) for author in reaction.authors[:REACTORS_KNOWN]],
            ]
            for reaction in message.reactions
        ]
    if message.quote is not None:
        quote = message.quote
        data['reply'] = {'id': quote.id, 'name': quote.name, 'text': quote.excerpt, 'deleted': quote.deleted}
        if quote.removed:
            data['reply']['removed'] = True
    if message.edited_at is not None and not message.deleted:
        data['excerpt'] = excerpt(message.text)
    if message.mentions:
        data['mentions'] = list(message.mentions)
    if message.notice is not None:
        data.update(author='', notice=notice_wire(message.notice))
    return data


def notice_wire(notice: Notice) -> Wire:
    """A notice as tabs receive it: the browser words it from its `kind`; whom it is about by public token only."""
    return {
        'kind': notice.kind.value,
        'target': public_token(notice.target) if notice.target else '',
        'name': notice.target_name,
        'until': None if notice.until is None else int(notice.until * 1000),
        'reason': notice.reason,
    }


def watch_news(room: str, fresh: list[Wire]) -> Wire:
    """What the tabs that list `room` hear of its new messages: their ids, and the tokens of the people they
    mention (each once), for each tab to mark the room if its browser's is among them."""
    news: Wire = {'room': room, 'ids': [message['id'] for message in fresh]}
    mentions = {token: None for message in fresh for token in message.get('mentions', ())}
    if mentions:
        news['mentions'] = list(mentions)
    return news


class RoomStream:
    """The live messages of one room in this process, the most recent `keep` of them, and the room's activity.

    The recent messages, numbered in the order this process delivered them, are what lets
    the server tell what a tab shows without keeping anything per tab (see `since`).
    """

    def __init__(self, room: str, keep: int, notice_handlers: Sequence[NoticeHandler] = ()) -> None:
        self.room = room
        self._notice_handlers = notice_handlers
        self.followers = 0
        self.watchers = 0
        self.sequence = 0
        self.activity = Activity()
        self.activity_wire = activity_wire(room, 0, self.activity)
        self._recent: deque[tuple[int, Message]] = deque(maxlen=keep)
        self._pending: list[Wire] = []
        self._held: dict[int, Wire] = {}  # changes waiting for the next emit, by message id
        self._held_since = 0.0
        self._wake: asyncio.Future[None] | None = None
        self._activity_changed = False
        self._listeners: dict[int, ActivityListener] = {}
        self._keys = itertools.count()
        self._flushing: asyncio.Task[None] | None = None
        self._last_emit = float('-inf')

    def deliver(self, message: Message) -> None:
        """Queue `message` for every tab of the room; one emit carries whatever is queued when it starts.

        A notice first goes to the process's notice handlers, in order: what they do (a removed member's tabs leave
        the room) is done before the notice, or anything after it, goes out.
        """
        if message.notice is not None and not message.changed:
            self._handle_notice(message)
        self.sequence += 1
        self._recent.append((self.sequence, message))
        if message.changed:
            self._hold(message)
        else:
            self._pending.append(wire(message))
            self._schedule()

    def _handle_notice(self, message: Message) -> None:
        for handler in tuple(self._notice_handlers):
            try:
                handler(message)
            except Exception:
                log_event(
                    log, logging.ERROR, 'notice_handler_failed', room=self.room, message_id=message.id, exc_info=True
                )

    def show_activity(self, activity: Activity) -> None:
        """The watcher of every visit to the room: presence hands each visit the same snapshot, worded and sent once.

        A few listeners (people menus that are open) hear every change in full.
        """
        if activity is self.activity or activity == self.activity:
            return
        self.activity = activity
        self.activity_wire = activity_wire(self.room, self.activity_wire['seq'] + 1, activity)
        self._activity_changed = True
        self._schedule()
        for listener in tuple(self._listeners.values()):
            listener(activity)

    def listen(self, listener: ActivityListener) -> Callable[[], None]:
        """Call `listener` with every change of the activity until the returned function is called."""
        key = next(self._keys)
        self._listeners[key] = listener

        def unlisten() -> None:
            self._listeners.pop(key, None)

        return unlisten

    def since(self, sequence: int) -> list[Message]:
        """The recent messages delivered after `sequence` (a value of `self.sequence` taken earlier)."""
        return [message for number, message in self._recent if number > sequence]

    def changes_up_to(self, message_id: int) -> list[Message]:
        """The recent edits and deletions of messages up to `message_id`: what a tab that shows them and was
        away may have missed, since reading on after its last message finds only newer ones."""
        return [message for _, message in self._recent if message.changed and message.id <= message_id]

    @property
    def listeners(self) -> int:
        return len(self._listeners)

    def _hold(self, message: Message) -> None:
        """Keep a change for the next emit, in place of an earlier state of the same message."""
        if not self._held:
            self._held_since = asyncio.get_running_loop().time()
        self._held[message.id] = wire(message)
        if self._flushing is None:
            self._flushing = asyncio.get_running_loop().create_task(self._flush())

    def _schedule(self) -> None:
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)
        if self._flushing is None:
            self._flushing = asyncio.get_running_loop().create_task(self._flush())

    async def _flush(self) -> None:
        """Emit what is queued: at once after a quiet spell, else `COALESCE_SECONDS` after the last emit.

        A quiet room's message goes out at once; in a busy one, each emit carries all that
        arrived since the last, so the work per socket grows with the emits, not the messages.
        Held changes go with it, or on their own once the first has waited `CHANGE_HOLD_SECONDS`.
        """
        loop = asyncio.get_running_loop()
        try:
            while self._pending or self._activity_changed or self._held:
                held_due = bool(self._held) and self._held_since + CHANGE_HOLD_SECONDS <= loop.time()
                if not (self._pending or self._activity_changed or held_due):
                    await self._sleep_unless_woken(self._held_since + CHANGE_HOLD_SECONDS - loop.time())
                    continue
                if (wait := self._last_emit + COALESCE_SECONDS - loop.time()) > 0:
                    await asyncio.sleep(wait)
                self._last_emit = loop.time()
                if self._pending or held_due:
                    batch, self._pending = [*self._pending, *self._held.values()], []
                    self._held = {}
                    await room_broadcast.emit(self.room, EVENT, {'room': self.room, 'messages': batch})
                    fresh = [message for message in batch if not CHANGE_KEYS & message.keys()]
                    if self.watchers and fresh:  # an edit or a deletion is nothing new to read
                        await room_broadcast.emit(self.room, WATCH_EVENT, watch_news(self.room, fresh), watch=True)
                if self._activity_changed:
                    self._activity_changed = False
                    await room_broadcast.emit(self.room, ACTIVITY_EVENT, self.activity_wire)
        except Exception:
            log_event(log, logging.ERROR, 'broadcast_failed', room=self.room, exc_info=True)
        finally:
            self._flushing = None

    async def _sleep_unless_woken(self, seconds: float) -> None:
        """Sleep `seconds`, or less if a message or activity is queued meanwhile (`_schedule` wakes it)."""
        loop = asyncio.get_running_loop()
        self._wake = loop.create_future()
        timer = loop.call_later(seconds, _resolve, self._wake)
        try:
            await self._wake
        finally:
            timer.cancel()
            self._wake = None


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Streams:
    """The streams of all rooms that have a tab in this process; a room's stream lives while it has followers
    (tabs that show it) or watchers (tabs that list it)."""

    def __init__(self, rooms: Rooms, keep: int) -> None:
        self.rooms = rooms
        self.keep = keep
        self._streams: dict[str, tuple[RoomStream, Callable[[], None]]] = {}
        self._notice_handlers: list[NoticeHandler] = []

    def on_notice(self, handler: NoticeHandler) -> None:
        """Call `handler` with every notice of every room that has a tab in this process, once per process (not per
        tab), before the notice or anything after it goes out to the room's tabs."""
        self._notice_handlers.append(handler)

    def follow(self, room: str) -> tuple[RoomStream, Callable[[], None]]:
        """The room's stream, started for the room's first tab, and the function the tab calls when it is gone."""
        stream = self._start(room)
        stream.followers += 1
        return stream, self._releaser(stream, watcher=False)

    def watch(self, room: str) -> Callable[[], None]:
        """Have the room's stream tell its watchers of new messages; the tab that lists it calls the returned function
        once it no longer does."""
        stream = self._start(room)
        stream.watchers += 1
        return self._releaser(stream, watcher=True)

    def _start(self, room: str) -> RoomStream:
        if room not in self._streams:
            stream = RoomStream(room, self.keep, self._notice_handlers)
            self._streams[room] = stream, self.rooms.subscribe(room, stream.deliver)
        return self._streams[room][0]

    def _releaser(self, stream: RoomStream, *, watcher: bool) -> Callable[[], None]:
        """What a follower or watcher calls when it is gone, once; the last one ends the stream."""
        released = False

        def release() -> None:
            nonlocal released
            if released:
                return
            released = True
            if watcher:
                stream.watchers -= 1
            else:
                stream.followers -= 1
            room = stream.room
            if stream.followers == stream.watchers == 0 and self._streams.get(room, (None,))[0] is stream:
                _, unsubscribe = self._streams.pop(room)
                unsubscribe()

        return release

    def follower_count(self) -> int:
        """How many tabs follow a room in this process."""
        return sum(stream.followers for stream, _ in self._streams.values())
