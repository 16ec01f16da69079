"""The shared room model: validate, store through the backend, fan out to this process's subscribers.

Every client page of every room subscribes here, so a message is validated and
stored once and then handed to each subscriber as a ready `Message`: the work per
client is only what that client must show.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Callable, Iterable

from chat.domain.limits import Limits
from chat.domain.mentions import resolve
from chat.domain.model import (
    Author,
    ChatError,
    ErrorKind,
    Message,
    Person,
    Quote,
    RoomCursor,
    RoomListing,
    clean_display_name,
    clean_message,
    clean_search,
    no_original,
    validate_message_id,
    validate_reaction,
    validate_room,
)
from chat.domain.moderation import LINK_DAYS, LOG_PAGE, NOT_A_MODERATOR, REMOVE, LogEntry, plausible_token
from chat.domain.notices import NOTICE_AUTHOR, Notice, NoticeKind
from chat.domain.presence import Presence, Visit, Watcher
from chat.domain.private import (
    INVITE_ID_PATTERN,
    Access,
    Invite,
    Member,
    OpenInvite,
    check_invite_limits,
    is_private,
    is_token_shaped,
    new_token,
    private_refusal,
    private_room_name,
    token_hash,
)
from chat.domain.restrictions import (
    EVERYWHERE,
    MODERATOR_NOT_MUTED,
    MUTE,
    MUTE_DURATIONS,
    MUTES,
    READ_ONLY,
    READ_ONLY_REFUSAL,
    UNMUTE,
    WRITABLE,
    Mute,
    Restrictions,
    clean_reason,
    mute_duration,
    muted_refusal,
)
from chat.domain.search import SearchResults, clean_search_words
from chat.logs import log_event
from chat.stores.messages import Backend
from chat.stores.presence import SharedPresence

log = logging.getLogger(__name__)

Subscriber = Callable[[Message], None]
Unsubscribe = Callable[[], None]

STORE_UNAVAILABLE = 'The chat store is unavailable… your message was not sent yet. Please try again in a moment.'
FIRST_START_WAIT = 5.0  # seconds a post or read arriving during the store's first start waits for it
SEARCH_PAGE = 20  # search results per page
RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0)  # pauses between attempts to open a store that did not open; the last repeats


class Rooms:
    """All rooms of this process; a room exists in memory only while someone is subscribed to it."""

    def __init__(
        self,
        backend: Backend,
        shared_presence: SharedPresence | None = None,
        limits: Limits | None = None,
        *,
        moderators: frozenset[str] = frozenset(),
        clock: Callable[[], float] = time.time,
        follow_addresses: bool = True,
    ) -> None:
        self.backend = backend
        self.moderators = moderators  # person ids the operator named (`--moderators`)
        self.restrictions = Restrictions(clock)  # read-only rooms and mutes, kept here for every post to check
        self.follow_addresses = follow_addresses  # anonymous: a mute holds the muted person's address too
        self._known_moderators: set[str] = set()  # nobody stops being one, so a yes is kept
        self._learning: set[asyncio.Task[None]] = set()
        self.shared_presence = shared_presence
        self.limits = limits or Limits()
        self._started_rooms: set[str] = set()
        self._subscribers: dict[str, dict[int, Subscriber]] = {}
        self._tokens = itertools.count()
        self._started = asyncio.Event()
        self._tried = asyncio.Event()  # the first start finished, whether or not the store opened
        self._stopping = asyncio.Event()
        self._start_lock = asyncio.Lock()
        self._retrying: asyncio.Task[None] | None = None
        self._store_watchers: dict[int, Callable[[], None]] = {}
        self.presence = Presence()

    async def start(self) -> None:
        """Open the store; if it cannot be opened, keep serving and try again in the background.

        NiceGUI runs async startup handlers as background tasks, so the first page can be
        requested before the store is open: posts and reads wait for the first attempt (at most
        `FIRST_START_WAIT`), and while the store is not open they are refused with
        `STORE_UNAVAILABLE`, so the composer keeps the text. A store that is down at start (Redis
        not up yet) opens when it comes back, and `when_store_opens` callbacks hear of it. A second
        start (one more lifespan, as in NiceGUI's `create_user` fixture) finds it open and does nothing.
        """
        async with self._start_lock:
            if self._started.is_set() or self._retrying is not None:
                return
            self._stopping.clear()
            if not await self._open():
                self._retrying = asyncio.create_task(self._retry())
            self._tried.set()

    async def stop(self) -> None:
        self._stopping.set()
        if self._retrying is not None:
            await self._retrying  # told to stop, it ends after the attempt it may be making
            self._retrying = None
        async with self._start_lock:
            if self._started.is_set():
                self._started.clear()
                if self.shared_presence is not None:
                    await self.shared_presence.stop()
                await self.backend.stop()
                log_event(log, logging.INFO, 'rooms_stopped', store=type(self.backend).__name__)
        self._subscribers.clear()
        for task in tuple(self._learning):
            task.cancel()

    @property
    def store_open(self) -> bool:
        """Whether the store opened: until it does, posts and reads are refused with `STORE_UNAVAILABLE`."""
        return self._started.is_set()

    def when_store_opens(self, callback: Callable[[], None]) -> Unsubscribe:
        """Call `callback` whenever the store opens (after an unavailable start, when it comes back)."""
        token = next(self._tokens)
        self._store_watchers[token] = callback

        def unwatch() -> None:
            self._store_watchers.pop(token, None)

        return unwatch

    async def _open(self) -> bool:
        """Open the store and the shared presence; on failure, log why and release what was opened.

        Whatever fails here may heal (a Redis not up yet, a database locked a moment); the faults that
        cannot were refused before serving (`chat.application.check_before_serving`).
        """
        store = type(self.backend).__name__
        try:
            await self.backend.start(self._deliver)
            await self._load_restrictions()
            if self.shared_presence is not None:
                await self.shared_presence.start(self.presence)
        except Exception as error:
            log_event(log, logging.WARNING, 'store_unavailable', store=store, error=error)
            with contextlib.suppress(Exception):  # a store that did not open may fail to close too; nothing to do
                await self.backend.stop()
            return False
        self._started.set()
        log_event(log, logging.INFO, 'rooms_started', store=store)
        for callback in tuple(self._store_watchers.values()):
            try:
                callback()
            except Exception:
                log_event(log, logging.ERROR, 'store_watcher_failed', exc_info=True)
        return True

    async def _retry(self) -> None:
        """Try to open the store again, with growing pauses, until it opens or the app stops."""
        for attempt in itertools.count():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)])
            async with self._start_lock:
                if self._stopping.is_set() or await self._open():
                    return

    async def _ready(self) -> None:
        """Return once the store is open; refuse with `STORE_UNAVAILABLE` while it is not, never wait for ever."""
        if not self._started.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._tried.wait(), FIRST_START_WAIT)
        if not self._started.is_set():
            raise ChatError(ErrorKind.UNAVAILABLE, STORE_UNAVAILABLE)

    async def post(
        self,
        room: str,
        author: Author,
        text: str,
        *,
        ip: str | None = None,
        reply_to: int | None = None,
        picked: Iterable[object] = (),
        person: str | None = None,
    ) -> Message:
        """Validate and store a message; every subscriber of the room, the sender's page included, gets it.

        A post from a client passes its network address as `ip` and is held to `limits`
        (the author's id is its tab); the server's own posts (imports, tests) pass none.
        A reply names the message it answers (`reply_to`), which must be in `room`; it arrives with its `Quote`.
        The message mentions the people in the room its `@Name`s name, narrowed by the tokens the sender
        `picked` from the suggestions (see `chat.domain.mentions`). A post from a person (`person`, the browser's or
        signed-in person's id) is refused in a read-only room unless they moderate, and while they are muted.
        Raises `ChatError` for anything the user must change, before anything is stored.
        """
        try:
            message = await self._store(room, author, text, ip, reply_to, picked, person)
        except ChatError as error:
            log_event(log, logging.INFO, 'message_not_posted', room=room, reason=error.kind, ip=ip)
            raise
        log_event(log, logging.DEBUG, 'message_posted', room=room, message_id=message.id, characters=len(message.text))
        return message

    async def _store(
        self,
        room: str,
        author: Author,
        text: str,
        ip: str | None,
        reply_to: int | None,
        picked: Iterable[object],
        person: str | None,
    ) -> Message:
        room = validate_room(room)
        author = Author(author.id, clean_display_name(author.name))
        text = clean_message(text)
        if reply_to is not None:
            validate_message_id(reply_to)
        await self._ready()
        if ip is not None or person is not None:
            await self._admit_poster(room, person or '', ip)
        if ip is not None:
            new_room = await self._is_new(room)
            self.limits.admit_message(author.id, ip, new_room=new_room, size=len(text.encode('utf-8')))
            self._started_rooms.add(room)  # of several first posts arriving together, one starts the room
        mentions = resolve(text, self.presence.activity(room).people, picked)
        return await self.backend.append(room, author, text, reply_to=reply_to, mentions=mentions)

    async def quote(self, room: str, message_id: int) -> Quote:
        """The quote of message `message_id` of `room` as it is now, for a reply being written; raises `ChatError`
        if the message is not in `room` (any more) or the store cannot answer."""
        room = validate_room(room)
        validate_message_id(message_id)
        await self._ready()
        found = await self.backend.quotes(room, [message_id])
        if message_id not in found:
            raise no_original()
        return found[message_id]

    async def edit(
        self,
        room: str,
        message_id: int,
        author_id: str,
        text: str,
        *,
        ip: str | None = None,
        person: str | None = None,
    ) -> Message:
        """Replace the text of `author_id`'s message; every subscriber of the room gets the edited message.

        The text is cleaned and limited as a post's is (the edit counts as a message, its bytes against the
        storage budget); the store checks the author. A muted person (or address) is refused as their posts are, so a
        mute cannot be dodged by rewriting old messages. Raises `ChatError` before anything is stored.
        """
        try:
            text = clean_message(text)
            await self._admit_change(room, author_id, len(text.encode('utf-8')), ip)
            await self._admit_unmuted(room, person, ip)
            message = await self.backend.edit(room, message_id, author_id, text)
        except ChatError as error:
            log_event(log, logging.INFO, 'message_not_edited', room=room, reason=error.kind, ip=ip)
            raise
        log_event(log, logging.DEBUG, 'message_edited', room=room, message_id=message_id, characters=len(text))
        return message

    async def delete(self, room: str, message_id: int, author_id: str, *, ip: str | None = None) -> Message:
        """Delete `author_id`'s message, which stays in its place without its text; every subscriber gets it.

        Held to the message rates like a post, so a script cannot churn the store faster than it could post.
        """
        try:
            await self._admit_change(room, author_id, 0, ip)
            message = await self.backend.delete(room, message_id, author_id)
        except ChatError as error:
            log_event(log, logging.INFO, 'message_not_deleted', room=room, reason=error.kind, ip=ip)
            raise
        log_event(log, logging.DEBUG, 'message_deleted', room=room, message_id=message_id)
        return message

    async def react(
        self,
        room: str,
        message_id: int,
        author: Author,
        emoji: str,
        *,
        on: bool,
        ip: str | None = None,
        person: str | None = None,
    ) -> Message:
        """Add (`on`) or take back `author`'s `emoji` on a message of `room`; every subscriber gets the message.

        Anyone may react to any message that exists, but a muted person (or address) may not, as they may not post;
        a client's reactions are held to their own rate.
        Raises `ChatError` for an emoji outside `REACTIONS` or a message that is gone, before anything is stored.
        """
        try:
            validate_room(room)
            validate_reaction(emoji)
            author = Author(author.id, clean_display_name(author.name))
            await self._ready()
            await self._admit_unmuted(room, person, ip)
            if ip is not None:
                self.limits.admit_reaction(author.id, ip)
            message = await self.backend.react(room, message_id, author, emoji, on=on)
        except ChatError as error:
            log_event(log, logging.INFO, 'reaction_refused', room=room, reason=error.kind, ip=ip)
            raise
        log_event(log, logging.DEBUG, 'reacted', room=room, message_id=message_id, on=on)
        return message

    async def _admit_change(self, room: str, author_id: str, size: int, ip: str | None) -> None:
        validate_room(room)
        await self._ready()
        if ip is not None:
            self.limits.admit_message(author_id, ip, new_room=False, size=size)

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
        await self._ready()
        return await self.backend.history(room, before=before, limit=limit)

    async def since(self, room: str, *, after: int, limit: int) -> list[Message]:
        """Return up to `limit` stored messages of `room` newer than id `after`, oldest first."""
        room = validate_room(room)
        await self._ready()
        return await self.backend.since(room, after=after, limit=limit)

    async def search(
        self, room: str, text: str, *, tab: str, ip: str, before: int | None = None, size: int = SEARCH_PAGE
    ) -> SearchResults:
        """A page of `size` messages of `room` that the search `text` finds, newest first, older than id `before`.

        Raises `ChatError` for a search that cannot run (no word, too long), one past the limits of `tab` or
        `ip`, or a store that cannot answer.
        """
        room = validate_room(room)
        search = clean_search_words(text)
        await self._ready()
        self.limits.admit_search(tab, ip)
        found = await self.backend.search(room, search, before=before, limit=size + 1)
        return SearchResults(search, tuple(found[:size]), more=len(found) > size)

    async def listing(self, *, search: str = '', after: RoomCursor | None = None, size: int = 50) -> RoomListing:
        """A page of `size` rooms with messages whose names start with `search`, most recently active first,
        after `after`; raises `ChatError` for a search no room name could match, or a store that cannot answer."""
        search = clean_search(search)
        await self._ready()
        rooms = await self.backend.rooms(prefix=search, after=after, limit=size + 1)
        last = rooms[size - 1] if len(rooms) > size else None
        return RoomListing(tuple(rooms[:size]), RoomCursor(last.last_activity, last.name) if last else None)

    async def create_private(self, name: str, owner: str) -> str:
        """Create a private room from the `name` its creator typed, owned by the person `owner`; return its full name
        (`chat.domain.private`). Raises `ChatError` for a name it cannot take, or a store that cannot answer."""
        room = private_room_name(name)
        await self._ready()
        await self.backend.create_private(room, owner, time.time())
        log_event(log, logging.INFO, 'private_room_created', room=room)
        return room

    async def access(self, room: str, person: str) -> Access:
        """What `person` may do in `room`: everyone is a member of a public room; a private one asks the store."""
        room = validate_room(room)
        if not is_private(room):
            return Access.MEMBER
        await self._ready()
        return await self.backend.access(room, person)

    async def invite(self, room: str, person: str, *, uses: int | None = None, days: float | None = None) -> Invite:
        """A new invite link's token to `room`, good for `uses` redemptions within `days` (None: no limit); only the
        owner invites. Raises `ChatError` for anyone else, limits out of range, or a store that cannot answer."""
        check_invite_limits(uses, days)
        if await self.access(room, person) is not Access.OWNER:
            raise private_refusal()
        token = new_token()
        expires_at = None if days is None else time.time() + days * 86_400
        await self.backend.add_invite(token_hash(token), room, uses, expires_at)
        log_event(log, logging.INFO, 'invite_created', room=room, uses=uses, days=days)
        return Invite(token, room, uses, expires_at)

    async def redeem(self, token: str, person: str, *, ip: str | None = None) -> str | None:
        """Make `person` a member of the room invite `token` is for and return the room; None for a token that is
        not (or no longer) valid. A try from a client passes its address as `ip` and is held to `limits` first.
        Raises `ChatError` for a try past the limits, or a store that cannot answer."""
        if ip is not None:
            self.limits.admit_invite(ip)
        if not is_token_shaped(token):
            return None
        await self._ready()
        room = await self.backend.redeem(token_hash(token), person, time.time())
        log_event(log, logging.INFO, 'invite_redeemed' if room else 'invite_refused', room=room)
        return room

    async def is_moderator(self, person: str) -> bool:
        """Whether `person` moderates: named by the operator, or made one by a moderator link (in the store).
        Raises `ChatError` only for a store that cannot answer."""
        if person in self.moderators:
            return True
        await self._ready()
        return await self.backend.is_moderator(person)

    async def create_moderator_link(self) -> str:
        """A new moderator link's token, good once within `LINK_DAYS`; the store keeps only its hash."""
        await self._ready()
        token = new_token()
        await self.backend.add_moderator_link(token_hash(token), time.time() + LINK_DAYS * 86_400)
        log_event(log, logging.INFO, 'moderator_link_created', days=LINK_DAYS)
        return token

    async def make_moderator(self, token: str, person: str, *, ip: str) -> bool:
        """Make `person` a moderator by the link `token`, which is then used up; False for a token that is not (or no
        longer) valid. Raises `ChatError` for an address that tried too many, or a store that cannot answer."""
        self.limits.admit_moderator_link(ip)
        made = plausible_token(token)
        if made:
            await self._ready()
            made = await self.backend.redeem_moderator_link(token_hash(token), person, time.time())
        log_event(log, logging.INFO, 'moderator_made' if made else 'moderator_link_refused', ip=ip)
        return made

    async def log_action(self, moderator_name: str, action: str, room: str, target_name: str, detail: str) -> LogEntry:
        """Write what a moderator did to the moderation log and return the entry."""
        await self._ready()
        return await self.backend.add_log_entry(time.time(), moderator_name, action, room, target_name, detail)

    async def moderation_log(self, before: int | None = None, limit: int = LOG_PAGE) -> list[LogEntry]:
        """Up to `limit` entries of the moderation log older than id `before` (or the newest), newest first."""
        await self._ready()
        return await self.backend.moderation_log(before, limit)

    async def remove(
        self, room: str, message_id: int, moderator_person: str, moderator_name: str, *, ip: str | None = None
    ) -> Message:
        """Remove any message of `room` as the moderator `moderator_person`: its text leaves the store as in a
        deletion, every subscriber gets it marked `removed`, and the moderation log names who removed whose message.

        The server decides: anyone who is no moderator, or cannot see the (private) room, is refused with nothing
        changed. Held to the message rates like a deletion.
        """
        try:
            room = validate_room(room)
            await self._ready()
            moderates = await self.is_moderator(moderator_person)
            if not moderates or await self.access(room, moderator_person) is Access.NONE:
                raise ChatError(ErrorKind.NOT_YOURS, NOT_A_MODERATOR)
            await self._admit_change(room, moderator_person, 0, ip)
            message = await self.backend.remove(room, message_id)
        except ChatError as error:
            log_event(log, logging.INFO, 'message_not_removed', room=room, reason=error.kind, ip=ip)
            raise
        await self.log_action(moderator_name, REMOVE, room, message.author.name, f'message {message_id}')
        log_event(log, logging.INFO, 'message_removed', room=room, message_id=message_id)
        return message

    async def announce(self, room: str, notice: Notice) -> Message:
        """Write `notice` into `room` as the server, not a person: stored and delivered as any message is, so every
        process sees it in order with the room's messages. Not rate-limited: only the server calls it. Raises
        `ChatError` if the store cannot take it."""
        room = validate_room(room)
        await self._ready()
        message = await self.backend.append(room, NOTICE_AUTHOR, '', notice=notice)
        log_event(log, logging.INFO, 'notice_announced', room=room, kind=notice.kind)
        return message

    async def members(self, room: str, owner: str) -> list[Member]:
        """The members of `room` for its owner `owner`; raises `ChatError` for anyone else."""
        await self._owned(room, owner)
        return await self.backend.members(room)

    async def remove_member(self, room: str, owner: str, member: str) -> bool:
        """Take `member` out of `room` and tell the room (a REMOVED notice, on which every process closes the
        member's tabs of it); whether they were a member. Only the owner removes, and not themself."""
        await self._owned(room, owner)
        if member == owner:
            raise ChatError(ErrorKind.NOT_YOURS, 'The owner stays a member of their room.')
        name = next((known.name for known in await self.backend.members(room) if known.person == member), '')
        if not await self.backend.remove_member(room, member):
            return False
        await self.announce(room, Notice(NoticeKind.REMOVED, target=member, target_name=name))
        log_event(log, logging.INFO, 'member_removed', room=room)
        return True

    async def invites(self, room: str, owner: str) -> list[OpenInvite]:
        """The open invites of `room` for its owner `owner`; raises `ChatError` for anyone else."""
        await self._owned(room, owner)
        return await self.backend.invites(room)

    async def revoke_invite(self, room: str, owner: str, invite_id: str) -> bool:
        """Revoke the invite named `invite_id`: its link makes no member any more. Only the owner revokes."""
        await self._owned(room, owner)
        if not INVITE_ID_PATTERN.fullmatch(invite_id):
            return False
        revoked = await self.backend.revoke_invite(room, invite_id)
        log_event(log, logging.INFO, 'invite_revoked' if revoked else 'invite_not_revoked', room=room)
        return revoked

    async def remember_name(self, room: str, person: str, name: str) -> None:
        """Keep the display name a member of private room `room` has now, for the owner's list of members."""
        if is_private(room):
            await self._ready()
            await self.backend.remember_name(room, person, name)

    async def _owned(self, room: str, person: str) -> None:
        if await self.access(room, person) is not Access.OWNER:
            raise private_refusal()

    async def trim(self) -> None:
        """Remove the messages the store's retention no longer keeps; the app runs this every `TRIM_EVERY` s.

        A pass holds the start lock, so stopping waits for it (its batches are short) rather than closing
        the store under it. A store that is not open, or fails, has logged why; the next pass tries again.
        """
        await self._tried.wait()
        async with self._start_lock:
            if not self._started.is_set():
                return
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

    def join(self, room: str, person: Person, watcher: Watcher, *, address: str = '') -> Visit:
        """Show `person` as present in `room` until the visit is left; `watcher` gets the room's activity. The tab's
        `address` stays in this process, for a mute to follow."""
        return self.presence.join(room, person, watcher, address)

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
        self._apply_notice(message)
        for callback in tuple(self._subscribers.get(message.room, {}).values()):
            try:
                callback(message)
            except Exception:
                log_event(
                    log, logging.ERROR, 'subscriber_failed', room=message.room, message_id=message.id, exc_info=True
                )

    async def set_read_only(self, room: str, moderator: Person, read_only: bool) -> bool:
        """Make `room` read-only (or writable again) as `moderator`; whether it changed. A change is stored, written
        to the moderation log and announced (READ_ONLY or WRITABLE), and every process applies the notice. Raises
        `ChatError` for anyone who is no moderator (nothing changes) or a store that cannot."""
        room = validate_room(room)
        await self._check_moderator(room, moderator.id)
        if not await self.backend.set_read_only(room, read_only):
            return False
        await self.log_action(moderator.name, READ_ONLY if read_only else WRITABLE, room, '', '')
        await self.announce(room, Notice(NoticeKind.READ_ONLY if read_only else NoticeKind.WRITABLE))
        return True

    def is_read_only(self, room: str) -> bool:
        """Whether only moderators may post in `room`, as this process knows (no store read)."""
        return self.restrictions.is_read_only(room)

    async def mute(
        self, room: str, moderator: Person, target: Person, *, everywhere: bool, seconds: float, reason: str
    ) -> Mute:
        """Mute `target` in `room` (or `everywhere`) for `seconds` (one of `MUTE_DURATIONS`) as `moderator`, for
        `reason`; anonymously, the address of their tab here too. Stored, logged and announced (MUTED) in `room`.
        Raises `ChatError` for anyone who is no moderator, a target who is one, a reason or duration it cannot take,
        or a store that cannot; nothing changes then."""
        room = validate_room(room)
        reason = clean_reason(reason)
        seconds = mute_duration(seconds)
        await self._check_moderator(room, moderator.id)
        if await self._moderates(target.id):
            raise ChatError(ErrorKind.NOT_YOURS, MODERATOR_NOT_MUTED)
        address = self.presence.address_of(room, target.id) if self.follow_addresses else ''
        where = EVERYWHERE if everywhere else room
        mute = Mute(target.id, address, where, self.restrictions.clock() + seconds, reason, target.name)
        await self.backend.add_mute(mute)
        self.restrictions.add([mute])
        length = next(label for label, value in MUTE_DURATIONS.items() if value == seconds)
        detail = f'{length} {"everywhere" if everywhere else "in this room"}: {reason}'
        await self.log_action(moderator.name, MUTE, room, target.name, detail)
        await self.announce(room, mute.notice())
        return mute

    async def unmute(self, room: str, moderator: Person, target: Person) -> bool:
        """Lift, as `moderator`, the mutes on `target` that hold in `room` (its own and those everywhere; their
        addresses with them) before they end; whether there was one. Stored, logged and announced (UNMUTED) in `room`,
        and every process applies the notice. Raises `ChatError` for anyone who is no moderator or a store that
        cannot; nothing changes then."""
        room = validate_room(room)
        await self._check_moderator(room, moderator.id)
        lifted = await self.backend.lift_mutes(target.id, room, self.restrictions.clock())
        self.restrictions.lift(target.id, room)
        if not lifted:
            return False
        detail = '; '.join(
            f'{"everywhere" if mute.room == EVERYWHERE else "in this room"}: {mute.reason}' for mute in lifted
        )
        await self.log_action(moderator.name, UNMUTE, room, target.name, f'was muted {detail}')
        await self.announce(room, Notice(NoticeKind.UNMUTED, target=target.id, target_name=target.name))
        return True

    def mute_of(self, room: str, person: str, ip: str | None = None) -> Mute | None:
        """The mute in force on `person` (or on address `ip`) in `room`, as this process knows (no store read)."""
        return self.restrictions.mute_of(room, person, ip)

    async def _admit_poster(self, room: str, person: str, ip: str | None) -> None:
        """Refuse a post from a muted person or address, or from anyone but a moderator in a read-only room. The store
        is asked only when one of these holds, and then only whether the person moderates."""
        await self._admit_unmuted(room, person, ip)
        if self.restrictions.is_read_only(room) and not await self._moderates(person):
            raise ChatError(ErrorKind.READ_ONLY, READ_ONLY_REFUSAL)

    async def _admit_unmuted(self, room: str, person: str | None, ip: str | None) -> None:
        """Refuse a muted person or address (a client's request; the server's own pass neither), from memory."""
        if person is None and ip is None:
            return
        mute = self.restrictions.mute_of(room, person or '', ip)
        if mute is not None and not await self._moderates(person or ''):
            raise muted_refusal(mute)

    async def _moderates(self, person: str) -> bool:
        if person in self._known_moderators:
            return True
        if person and await self.is_moderator(person):
            self._known_moderators.add(person)
            return True
        return False

    async def _check_moderator(self, room: str, person: str) -> None:
        """Refuse anyone who is no moderator, or cannot see the (private) room."""
        await self._ready()
        if not await self._moderates(person) or await self.access(room, person) is Access.NONE:
            log_event(log, logging.INFO, 'moderation_refused', room=room)
            raise ChatError(ErrorKind.NOT_YOURS, NOT_A_MODERATOR)

    async def _load_restrictions(self) -> None:
        """Read the read-only rooms and mutes as the store opens; notices heard meanwhile are applied on top."""
        self.restrictions.loading()
        rooms = await self.backend.read_only_rooms()
        mutes = await self.backend.mutes(self.restrictions.clock())
        self.restrictions.load(rooms, mutes)

    def _apply_notice(self, message: Message) -> None:
        """Every process hears every notice: apply its change before anyone sees it, or anything after it. A mute's
        notice names no address: another process reads the mutes to learn it (one read per mute, not per post)."""
        self.restrictions.heard(message)
        notice = message.notice
        if notice is not None and notice.kind in MUTES and self.follow_addresses and not message.changed:
            task = asyncio.get_running_loop().create_task(self._learn_addresses())
            self._learning.add(task)
            task.add_done_callback(self._learning.discard)

    async def _learn_addresses(self) -> None:
        try:
            self.restrictions.learn(await self.backend.mutes(self.restrictions.clock()))
        except ChatError:
            return  # the store logged why; the person stays muted, their address from the next start
