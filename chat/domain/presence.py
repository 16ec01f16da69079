"""Who is in each room and who is typing; watchers get coalesced snapshots.

Changes are batched for `notify_delay` seconds before watchers hear of them, so a burst
of joins (a hundred tabs reconnecting) costs each watcher one update, not a hundred.
Visits are this process's own; when processes share rooms, each publishes its own
activity through `publish` and hears the others' through `remote`, and a room's
activity is the union of all of them.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from chat.domain.model import Activity, Person
from chat.logs import log_event

log = logging.getLogger(__name__)

Watcher = Callable[[Activity], None]
Publish = Callable[[str, Activity], None]

NOTIFY_DELAY = 0.2
TYPING_SECONDS = 5.0


@dataclass
class _Visitor:
    """A tab in the room: who it shows, and where the room's activity goes."""

    person: Person
    watcher: Watcher
    address: str = ''  # the tab's network address, for a mute to follow (`chat.domain.restrictions`); never sent


@dataclass
class _Typist:
    """Someone typing, until `expiry` fires or they send or stop."""

    person: Person
    expiry: asyncio.TimerHandle


@dataclass
class _Room:
    visits: dict[int, _Visitor] = field(default_factory=dict)
    typing: dict[str, _Typist] = field(default_factory=dict)
    flush: asyncio.TimerHandle | None = None
    last_sent: Activity | None = None
    last_published: Activity = field(default_factory=Activity)


class Visit:
    """One tab's stay in a room: it can rename its person, signal typing, and leave."""

    def __init__(self, presence: Presence, room: str, token: int) -> None:
        self._presence = presence
        self._room = room
        self._token = token

    def rename(self, name: str) -> None:
        self._presence._rename(self._room, self._token, name)

    def typing(self) -> None:
        """Mark the person as typing for the next `TYPING_SECONDS`; call again while they keep typing."""
        self._presence._typing(self._room, self._token, typing=True)

    def stopped_typing(self) -> None:
        self._presence._typing(self._room, self._token, typing=False)

    def leave(self) -> None:
        self._presence._leave(self._room, self._token)


class Presence:
    """Visits per room; a room with no visit here holds no state, not even other processes' reports."""

    def __init__(
        self, notify_delay: float = NOTIFY_DELAY, typing_seconds: float = TYPING_SECONDS, publish: Publish | None = None
    ) -> None:
        self.notify_delay = notify_delay
        self.typing_seconds = typing_seconds
        self.publish = publish
        self._rooms: dict[str, _Room] = {}
        self._remote: dict[str, dict[str, Activity]] = {}
        self._tokens = itertools.count()

    def join(self, room: str, person: Person, watcher: Watcher, address: str = '') -> Visit:
        """Enter `room` as `person` from `address`; `watcher` gets the room's `Activity` whenever it changes."""
        token = next(self._tokens)
        state = self._rooms.setdefault(room, _Room())
        state.visits[token] = _Visitor(person, watcher, address)
        watcher(self.activity(room))  # the newcomer's first picture; the others hear with the next batch
        self._changed(room)
        return Visit(self, room, token)

    def activity(self, room: str) -> Activity:
        """Everyone in `room`, on this process and on every other that reported."""
        return _union([self.local_activity(room), *self._remote.get(room, {}).values()])

    def local_activity(self, room: str) -> Activity:
        state = self._rooms.get(room)
        if state is None:
            return Activity()
        return _union([Activity(
            people=tuple(visitor.person for visitor in state.visits.values()),
            typing=tuple(typist.person for typist in state.typing.values()),
        )])  # fmt: skip

    def address_of(self, room: str, person_id: str) -> str:
        """The address of a tab of `person_id` in `room` on this process; '' if they have none here."""
        state = self._rooms.get(room)
        visits = state.visits.values() if state is not None else ()
        return next((visitor.address for visitor in visits if visitor.person.id == person_id and visitor.address), '')

    def rooms(self) -> list[str]:
        """The rooms someone on this process is in: the ones whose remote activity matters here."""
        return list(self._rooms)

    def remote(self, room: str, source: str, activity: Activity) -> None:
        """Take another process's (`source`) activity in `room`; an empty one means it has nobody there.

        Only rooms someone here is in keep other processes' reports; the rest are not shown to anyone.
        """
        if room not in self._rooms:
            return
        reports = self._remote.setdefault(room, {})
        if reports.get(source, Activity()) == activity:
            return
        if activity == Activity():
            reports.pop(source, None)
        else:
            reports[source] = activity
        self._changed(room)

    def _rename(self, room: str, token: int, name: str) -> None:
        state = self._rooms.get(room)
        if state is None or token not in state.visits:
            return
        person_id = state.visits[token].person.id
        for visitor in state.visits.values():
            if visitor.person.id == person_id:
                visitor.person = replace(visitor.person, name=name)
        if typist := state.typing.get(person_id):
            typist.person = replace(typist.person, name=name)
        self._changed(room)

    def _typing(self, room: str, token: int, *, typing: bool) -> None:
        state = self._rooms.get(room)
        if state is None or token not in state.visits:
            return
        person = state.visits[token].person
        was_typing = state.typing.pop(person.id, None)
        if was_typing is not None:
            was_typing.expiry.cancel()
        if typing:
            expire = functools.partial(self._typing, room, token, typing=False)
            timer = asyncio.get_running_loop().call_later(self.typing_seconds, expire)
            state.typing[person.id] = _Typist(person, timer)
        if (was_typing is None) == typing:
            self._changed(room)

    def _leave(self, room: str, token: int) -> None:
        state = self._rooms.get(room)
        if state is None or state.visits.pop(token, None) is None:
            return
        remaining = {visitor.person.id for visitor in state.visits.values()}
        for person_id in [person_id for person_id in state.typing if person_id not in remaining]:
            state.typing.pop(person_id).expiry.cancel()
        if state.visits:
            self._changed(room)
        else:
            if state.flush is not None:
                state.flush.cancel()
            del self._rooms[room]
            self._remote.pop(room, None)
            self._publish(room, Activity(), state)

    def _changed(self, room: str) -> None:
        state = self._rooms[room]
        if state.flush is None:
            state.flush = asyncio.get_running_loop().call_later(self.notify_delay, self._notify, room)

    def _notify(self, room: str) -> None:
        state = self._rooms.get(room)
        if state is None:
            return
        state.flush = None
        self._publish(room, self.local_activity(room), state)
        activity = self.activity(room)
        if activity == state.last_sent:
            return
        state.last_sent = activity
        for visitor in list(state.visits.values()):
            try:
                visitor.watcher(activity)
            except Exception:
                log_event(log, logging.ERROR, 'presence_watcher_failed', room=room, exc_info=True)

    def _publish(self, room: str, activity: Activity, state: _Room) -> None:
        if self.publish is None or activity == state.last_published:
            return
        state.last_published = activity
        try:
            self.publish(room, activity)
        except Exception:
            log_event(log, logging.ERROR, 'presence_publish_failed', room=room, exc_info=True)


def _union(activities: list[Activity]) -> Activity:
    """One entry per person (several tabs or processes are one person), sorted by name."""
    people = {person.id: person for activity in activities for person in activity.people}
    typing = {person.id: person for activity in activities for person in activity.typing}
    return Activity(tuple(sorted(people.values(), key=_by_name)), tuple(sorted(typing.values(), key=_by_name)))


def _by_name(person: Person) -> tuple[str, str]:
    return person.name.casefold(), person.id
