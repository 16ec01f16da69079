"""The rooms at hand: the rooms this browser joined, each with its unread count, beside the room (a drawer on a phone).

Opening a room joins it; "Leave" takes it off the list. The list lives in the browser's storage with,
for each room, the id of the newest message the browser was shown there; it keeps the `MAX_JOINED` rooms
opened most recently, so a browser's storage stays small.

A message in a listed room costs this tab no Python work: when the tab (re)connects it joins the listed
rooms' watchers (`chat.ui.stream` tells them, once per batch, the ids of the new messages) and counts in
the store, off the event loop, what each room got since the browser last saw it; the browser adds the ids
it hears, merged by id, so a message the count and the news both name counts once.

An entry is marked when a message there mentions this browser's person (`mention`): from the same count when the
tab connects, then from the news, which carry the tokens of the people the new messages mention.

Tabs of one browser share the list. A tab that joins or leaves a room tells the browser's other tabs (a
`BroadcastChannel`, no server work), and each asks its server to list again what the browser's storage
holds; a tab that shows a room tells them the newest message it shows there, so what one tab read does not
count as unread (nor as a mention) in another.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

from nicegui import ui
from nicegui.events import GenericEventArguments

from chat.domain.limits import RateLimiter
from chat.domain.model import DEFAULT_ROOM, ChatError
from chat.domain.private import Access, is_private
from chat.domain.rooms import Rooms
from chat.internals import room_broadcast
from chat.internals.findable import FindableText
from chat.ui.activity import SOCKET_MODULE
from chat.ui.identity import browser_id, browser_storage, public_token
from chat.ui.removals import Removals
from chat.ui.stream import EVENT, WATCH_EVENT, Streams

MAX_JOINED = 50
MOST_UNREAD = 99  # more shows as "99+"
STORAGE_KEY = 'joined_rooms'
# every (re)connect counts in the store; a script reconnecting in a loop would make it count for it
RECOUNTS = RateLimiter(burst=5, per_second=0.2)
# another tab of the browser joined or left a room; a script could say so in a loop
RELISTS = RateLimiter(burst=10, per_second=1)

Seen = dict[str, int | None]


def joined_rooms(storage: MutableMapping[str, Any]) -> Seen:
    """The browser's rooms, least recently opened first, each with the newest message id it was shown (None: none)."""
    return dict(storage.get(STORAGE_KEY, {}))


def join_room(storage: MutableMapping[str, Any], room: str) -> None:
    """Add `room` as the most recently opened, keeping what was seen there; the least recently opened beyond
    `MAX_JOINED` leave."""
    rooms = joined_rooms(storage)
    seen = rooms.pop(room, None)
    rooms[room] = seen
    storage[STORAGE_KEY] = dict(list(rooms.items())[-MAX_JOINED:])


def leave_room(storage: MutableMapping[str, Any], room: str) -> None:
    rooms = joined_rooms(storage)
    rooms.pop(room, None)
    storage[STORAGE_KEY] = rooms


def mark_seen(storage: MutableMapping[str, Any], room: str, message_id: int) -> None:
    """Remember the newest message the browser was shown in `room`, unless it left the room meanwhile."""
    rooms = joined_rooms(storage)
    if room in rooms:
        rooms[room] = message_id
        storage[STORAGE_KEY] = rooms


def room_href(room: str) -> str:
    return '/' if room == DEFAULT_ROOM else f'/room/{room}'


def entry_label(name: str, unread: int, *, mention: bool = False) -> str:
    """ "# kitchen, 3 unread": what a screen reader says for an entry, and what simulated users find."""
    label = f'# {name}'
    if unread:
        label += f', {f"{MOST_UNREAD}+" if unread > MOST_UNREAD else unread} unread'
    return label + (', mentioned' if mention else '')


class JoinedRooms(FindableText, component='joined_rooms.js', esm=SOCKET_MODULE):
    """The side list of one tab: a link per joined room, the open one marked, with unread counts and a Leave button."""

    def __init__(self, rooms: Rooms, streams: Streams, removals: Removals, current: str) -> None:
        super().__init__()
        self._rooms = rooms
        self._streams = streams
        self._storage = browser_storage()
        self.current = current
        join_room(self._storage, current)
        self.listed = list(joined_rooms(self._storage))
        self._watching = {room: streams.watch(room) for room in self.listed if room != current}
        self._counts: dict[str, tuple[int, int, bool]] = {}
        self._me = public_token(browser_id())
        self._props.update(event=WATCH_EVENT, stream=EVENT, current=current, seen=0, me=self._me)
        self._show()
        self.classes('chat-joined').mark('joined-rooms')
        self.on('leave', self._leave)
        self.on('relist', self._relist)
        self.client.on_connect(self._connected)
        self.client.on_delete(self._stop_watching)
        self.client.on_delete(removals.side_list(browser_id(), self.drop))

    def drop(self, room: str) -> None:
        """The person was removed from `room`: stop hearing of it at once and take it off the list (and the
        browser's). The open room's own tab closes its page (`chat.ui.removals`)."""
        leave_room(self._storage, room)
        if room in self._watching:
            room_broadcast.evict(self.client.id, room, watch=True)
            self._watching.pop(room)()
            self._counts.pop(room, None)
            self.listed.remove(room)
            self._show()

    def close(self) -> None:
        """The tab lost its room: the list goes with the page, and hears of no room any more."""
        for room in self._watching:
            room_broadcast.evict(self.client.id, room, watch=True)
        self._stop_watching()

    def findable_text(self) -> list[str]:
        return [entry_label(entry['name'], entry['unread'], mention=entry['mention']) for entry in self._props['rooms']]

    def remember_seen(self, newest: Callable[[], int | None]) -> None:
        """Remember `newest()`, the newest message the tab shows of the open room, now and whenever its socket drops
        (the tab closes, goes elsewhere or loses its network); None is a tab that could not show the room."""

        def remember() -> None:
            if (seen := newest()) is not None:
                mark_seen(self._storage, self.current, seen)
                self._props['seen'] = seen

        remember()
        self.update()
        self.client.on_disconnect(remember)

    async def _connected(self) -> None:
        """Join the listed rooms' watchers first, then count: a message posted meanwhile is named by the count,
        the news, or both, and counts once."""
        for room in self._watching:
            await room_broadcast.join(self.client.id, room, watch=True)
        if RECOUNTS.wait(self.client.id):
            return
        RECOUNTS.take(self.client.id)
        await self._count(tuple(self._watching))
        self._show()

    async def _count(self, rooms: tuple[str, ...]) -> None:
        """Count in the store what each of `rooms` got since the browser last saw it there."""
        seen = joined_rooms(self._storage)
        for room in rooms:
            if (after := seen.get(room)) is not None:
                try:
                    missed = await self._rooms.since(room, after=after, limit=MOST_UNREAD + 1)
                except ChatError:
                    continue  # the store cannot count now; the news still does
                mentioned = any(self._me in message.mentions for message in missed)
                self._counts[room] = len(missed), missed[-1].id if missed else after, mentioned

    async def _relist(self) -> None:
        """Another tab of this browser joined or left a room: list what the browser's storage holds now.

        The open room stays listed here while this tab shows it, even if another tab left it.
        """
        if RELISTS.wait(self.client.id):
            return
        RELISTS.take(self.client.id)
        await prune_private(self._rooms, self._storage, browser_id(), keep=self.current)
        stored = [room for room in joined_rooms(self._storage) if room != self.current]
        gone = [room for room in self._watching if room not in stored]
        new = tuple(room for room in stored if room not in self._watching)
        if not gone and not new:
            return
        for room in gone:
            self._watching.pop(room)()
            self._counts.pop(room, None)
        self._watching.update((room, self._streams.watch(room)) for room in new)
        self.listed = [*stored, self.current]
        for room in gone:
            await room_broadcast.leave(self.client.id, room, watch=True)
        for room in new:
            await room_broadcast.join(self.client.id, room, watch=True)
        await self._count(new)
        self._show()

    def _show(self) -> None:
        self._props['rooms'] = [self._entry(room) for room in sorted(self.listed)]
        self.update()

    def _entry(self, room: str) -> dict[str, Any]:
        unread, after, mention = self._counts.get(room, (0, 0, False))
        return {'name': room, 'href': room_href(room), 'unread': unread, 'after': after, 'mention': mention}

    async def _leave(self, event: GenericEventArguments) -> None:
        """Take the room off the list; leaving the open room goes to the rooms overview, where nothing joins one."""
        room = event.args
        if room not in self.listed:
            return
        leave_room(self._storage, room)
        self.listed.remove(room)
        if room == self.current:
            ui.navigate.to('/rooms')
            return
        self._watching.pop(room)()
        await room_broadcast.leave(self.client.id, room, watch=True)
        self._show()

    def _stop_watching(self) -> None:
        for release in self._watching.values():
            release()
        self._watching.clear()


async def prune_private(rooms: Rooms, storage: MutableMapping[str, Any], person: str, *, keep: str) -> None:
    """Take off the browser's list the private rooms `person` is no longer a member of (all but `keep`, the room
    being opened, whose page checked it); a store that cannot tell leaves them, and their tabs check again."""
    for room in [room for room in joined_rooms(storage) if is_private(room) and room != keep]:
        try:
            if await rooms.access(room, person) is Access.NONE:
                leave_room(storage, room)
        except ChatError:
            continue


async def rooms_drawer(
    rooms: Rooms, streams: Streams, removals: Removals, current: str
) -> tuple[ui.left_drawer, JoinedRooms]:
    """The side list in a drawer: beside the room from 1024 px on, opened by the header's button below that.

    The drawer starts closed and Quasar's `show-if-above` opens it on a wide screen. Left open (`None`), NiceGUI
    would ask every new page's browser whether it is open, and log an error with a traceback for each page whose
    client never answers, as a script's does: a log one address could fill.
    """
    await prune_private(rooms, browser_storage(), browser_id(), keep=current)
    drawer = ui.left_drawer(value=False).props('show-if-above width=260 aria-label="Your rooms"')
    with drawer.classes('chat-drawer'):
        joined = JoinedRooms(rooms, streams, removals, current)
        ui.link('All rooms', '/rooms').classes('chat-all-rooms').mark('drawer-rooms-link')
    return drawer, joined
