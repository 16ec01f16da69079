"""The shared room model: validate, store through the backend, fan out to this process's subscribers.

Every client page of every room subscribes here, so a message is validated and
stored once and then handed to each subscriber as a ready `Message`: the work per
client is only what that client must show.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable

from chat.domain.limits import Limits
from chat.domain.model import (
    Author,
    ChatError,
    Message,
    Person,
    RoomCursor,
    RoomListing,
    clean_display_name,
    clean_message,
    clean_search,
    validate_room,
)
from chat.domain.presence import Presence, Visit, Watcher
from chat.logs import log_event
from chat.stores.messages import Backend
from chat.stores.presence import SharedPresence

log = logging.getLogger(__name__)

Subscriber = Callable[[Message], None]
Unsubscribe = Callable[[], None]


class Rooms:
    """All rooms of this process; a room exists in memory only while someone is subscribed to it."""

    def __init__(
        self, backend: Backend, shared_presence: SharedPresence | None = None, limits: Limits | None = None
    ) -> None:
        self.backend = backend
        self.shared_presence = shared_presence
        self.limits = limits or Limits()
        self._started_rooms: set[str] = set()
        self._subscribers: dict[str, dict[int, Subscriber]] = {}
        self._tokens = itertools.count()
        self._started = asyncio.Event()
        self._start_lock = asyncio.Lock()
        self.presence = Presence()

    async def start(self) -> None:
        """Open the backend; posts and reads that arrive earlier wait for it.

        NiceGUI runs async startup handlers as background tasks, so the first page can
        be requested before the backend is open; a second start (one more lifespan, as in
        NiceGUI's `create_user` fixture) finds it open and does nothing.
        """
        async with self._start_lock:
            if not self._started.is_set():
                await self.backend.start(self._deliver)
                if self.shared_presence is not None:
                    await self.shared_presence.start(self.presence)
                self._started.set()
                log_event(log, logging.INFO, 'rooms_started', store=type(self.backend).__name__)

    async def stop(self) -> None:
        async with self._start_lock:
            if self._started.is_set():
                self._started.clear()
                if self.shared_presence is not None:
                    await self.shared_presence.stop()
                await self.backend.stop()
                log_event(log, logging.INFO, 'rooms_stopped', store=type(self.backend).__name__)
        self._subscribers.clear()

    async def post(self, room: str, author: Author, text: str, *, ip: str | None = None) -> Message:
        """Validate and store a message; every subscriber of the room, the sender's page included, gets it.

        A post from a client passes its network address as `ip` and is held to `limits`
        (the author's id is its tab); the server's own posts (imports, tests) pass none.
        Raises `ChatError` for anything the user must change, before anything is stored.
        """
        try:
            message = await self._store(room, author, text, ip)
        except ChatError as error:
            log_event(log, logging.INFO, 'message_not_posted', room=room, reason=error.kind, ip=ip)
            raise
        log_event(log, logging.DEBUG, 'message_posted', room=room, message_id=message.id, characters=len(message.text))
        return message

    async def _store(self, room: str, author: Author, text: str, ip: str | None) -> Message:
        room = validate_room(room)
        author = Author(author.id, clean_display_name(author.name))
        text = clean_message(text)
        await self._started.wait()
        if ip is not None:
            new_room = await self._is_new(room)
            self.limits.admit_message(author.id, ip, new_room=new_room, size=len(text.encode('utf-8')))
            self._started_rooms.add(room)  # of several first posts arriving together, one starts the room
        return await self.backend.append(room, author, text)

    async def _is_new(self, room: str) -> bool:
        """Whether `room` never had a message; the store is asked once per room and process.

        A store that cannot answer counts the room as started, so the post goes on to fail
        with the store's own message ("Reconnecting…") rather than one about history.
        """
        if room in self._started_rooms:
            return False
        try:
            if await self.backend.history(room, limit=1):
                self._started_rooms.add(room)
        except ChatError:
            return False
        return room not in self._started_rooms

    async def history(self, room: str, *, before: int | None = None, limit: int = 50) -> list[Message]:
        """Return up to `limit` stored messages of `room` older than id `before`, oldest first."""
        room = validate_room(room)
        await self._started.wait()
        return await self.backend.history(room, before=before, limit=limit)

    async def since(self, room: str, *, after: int, limit: int) -> list[Message]:
        """Return up to `limit` stored messages of `room` newer than id `after`, oldest first."""
        room = validate_room(room)
        await self._started.wait()
        return await self.backend.since(room, after=after, limit=limit)

    async def listing(self, *, search: str = '', after: RoomCursor | None = None, size: int = 50) -> RoomListing:
        """A page of `size` rooms with messages whose names start with `search`, most recently active first,
        after `after`; raises `ChatError` for a search no room name could match, or a store that cannot answer."""
        search = clean_search(search)
        await self._started.wait()
        rooms = await self.backend.rooms(prefix=search, after=after, limit=size + 1)
        last = rooms[size - 1] if len(rooms) > size else None
        return RoomListing(tuple(rooms[:size]), RoomCursor(last.last_activity, last.name) if last else None)

    async def trim(self) -> None:
        """Remove the messages the store's retention no longer keeps; the app runs this every `TRIM_EVERY` s.

        A store that fails has logged why; the next pass tries again.
        """
        await self._started.wait()
        try:
            removed = await self.backend.trim(time.time())
        except ChatError:
            return
        if removed:
            log_event(log, logging.INFO, 'messages_trimmed', count=removed)

    async def healthy(self) -> bool:
        """Whether this process can serve rooms now: started, and its store answers."""
        return self._started.is_set() and await self.backend.reachable()

    def open_tab(self, ip: str) -> Callable[[], None]:
        """Count a tab opened from `ip` and return what counts it closed; raise `ChatError` past the tab limit."""
        return self.limits.open_tab(ip)

    def join(self, room: str, person: Person, watcher: Watcher) -> Visit:
        """Show `person` as present in `room` until the visit is left; `watcher` gets the room's activity."""
        return self.presence.join(room, person, watcher)

    def subscribe(self, room: str, callback: Subscriber) -> Unsubscribe:
        """Call `callback` with every new message of `room` until the returned function is called."""
        subscribers = self._subscribers.setdefault(validate_room(room), {})
        token = next(self._tokens)
        subscribers[token] = callback

        def unsubscribe() -> None:
            subscribers.pop(token, None)
            if not subscribers and self._subscribers.get(room) is subscribers:
                del self._subscribers[room]

        return unsubscribe

    def subscriber_count(self, room: str | None = None) -> int:
        """How many subscribers one room (or, without a name, all rooms) has in this process."""
        if room is not None:
            return len(self._subscribers.get(room, {}))
        return sum(len(subscribers) for subscribers in self._subscribers.values())

    def _deliver(self, message: Message) -> None:
        for callback in tuple(self._subscribers.get(message.room, {}).values()):
            try:
                callback(message)
            except Exception:
                log_event(
                    log, logging.ERROR, 'subscriber_failed', room=message.room, message_id=message.id, exc_info=True
                )
