"""Who may not post where: rooms a moderator made read-only, and people a moderator muted for a while.

Every post (and edit and reaction) is checked against them, so every process keeps them in memory (`Restrictions`)
instead of asking the store each time: it loads them when the room model starts, and each change is a notice of the
room it concerns (`chat.domain.notices`), which every process hears in the store's order and applies before it hands
the notice on.
A mute ends by itself: it is an end time that posts compare with the clock, so nothing runs when it passes; a
moderator may also lift it earlier (an UNMUTED notice).

Anonymously, a mute follows the browser and the address it had when it was muted, so a new browser (or cleared
cookies) on that address stays muted; signed in, it follows the person only, who is the same everywhere.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from chat.domain.model import ChatError, ErrorKind, Message
from chat.domain.notices import Notice, NoticeKind

EVERYWHERE = ''  # the room of a mute that holds in every room
MUTE_DURATIONS = {'10 minutes': 600, '1 hour': 3_600, '1 day': 86_400, '1 week': 604_800}  # what a moderator picks
MAX_REASON_LENGTH = 100
READ_ONLY_REFUSAL = 'This room is read-only: only moderators can post here.'
MODERATOR_NOT_MUTED = 'Moderators cannot be muted.'
READ_ONLY = 'made the room read-only'  # actions in the moderation log
WRITABLE = 'made the room writable'
MUTE = 'muted'
UNMUTE = 'unmuted'
MUTES = frozenset({NoticeKind.MUTED, NoticeKind.MUTED_EVERYWHERE})


@dataclass(frozen=True, slots=True)
class Mute:
    """`person` (and, anonymously, anyone at `address`; '' for none) may not post in `room` (`EVERYWHERE`: in any)
    until `until`, for `reason`; `name` is the display name they had when a moderator muted them."""

    person: str
    address: str
    room: str
    until: float
    reason: str
    name: str

    def notice(self) -> Notice:
        """The notice that tells the room where it was given; the address stays out of it."""
        kind = NoticeKind.MUTED_EVERYWHERE if self.room == EVERYWHERE else NoticeKind.MUTED
        return Notice(kind, target=self.person, target_name=self.name, until=self.until, reason=self.reason)


def clean_reason(text: str) -> str:
    """The reason a moderator gives for a mute, trimmed; raises `ChatError` if it is empty, long or not printable."""
    text = text.strip()
    if not text:
        raise ChatError(ErrorKind.EMPTY, 'Say why, in a few words.')
    if len(text) > MAX_REASON_LENGTH:
        raise ChatError(ErrorKind.TOO_LONG, f'A reason has at most {MAX_REASON_LENGTH} characters.')
    if not text.isprintable():
        raise ChatError(ErrorKind.BAD_TEXT, 'A reason cannot contain control or invisible characters.')
    return text


def mute_duration(seconds: float) -> float:
    """`seconds` if it is one of the durations a moderator picks from; else `ChatError`."""
    if seconds not in MUTE_DURATIONS.values():
        raise ChatError(ErrorKind.BAD_TEXT, 'Pick how long the mute lasts from the list.')
    return seconds


def muted_refusal(mute: Mute) -> ChatError:
    """Why a muted person's post is refused, e.g. "You are muted in this room until 21:30 UTC (3 Mar): spam"."""
    where = 'everywhere' if mute.room == EVERYWHERE else 'in this room'
    until = time.strftime('%H:%M UTC (%d %b)', time.gmtime(mute.until))
    return ChatError(ErrorKind.MUTED, f'You are muted {where} until {until}: {mute.reason}')


class Restrictions:
    """The read-only rooms and the mutes in force, as this process knows them."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._read_only: set[str] = set()
        self._mutes: dict[tuple[str, str, float], Mute] = {}  # by person, room and end: one notice, one mute
        self._heard_while_loading: list[Message] | None = None

    def loading(self) -> None:
        """A load from the store begins: notices heard until it ends are applied again on top of what it read."""
        self._heard_while_loading = []

    def load(self, read_only: Iterable[str], mutes: Iterable[Mute]) -> None:
        """Take what the store holds as the whole state, with the notices heard while it was read on top."""
        self._read_only = set(read_only)
        self._mutes = {}
        self.add(mutes)
        heard, self._heard_while_loading = self._heard_while_loading or [], None
        for message in heard:
            self.heard(message)

    def heard(self, message: Message) -> None:
        """Apply the change a notice announces: read-only, writable again, a mute (its address comes from the
        store, `learn`, since a notice never carries one) or a mute lifted."""
        notice, room = message.notice, message.room
        if notice is None or message.changed:
            return
        if self._heard_while_loading is not None:
            self._heard_while_loading.append(message)
        if notice.kind is NoticeKind.READ_ONLY:
            self._read_only.add(room)
        elif notice.kind is NoticeKind.WRITABLE:
            self._read_only.discard(room)
        elif notice.kind in MUTES and notice.until is not None:
            where = EVERYWHERE if notice.kind is NoticeKind.MUTED_EVERYWHERE else room
            self.add([Mute(notice.target, '', where, notice.until, notice.reason, notice.target_name)])
        elif notice.kind is NoticeKind.UNMUTED:
            self.lift(notice.target, room)

    def add(self, mutes: Iterable[Mute]) -> None:
        """Know of `mutes`; the store's copy of a mute this process heard of by its notice brings its address."""
        for mute in mutes:
            key = (mute.person, mute.room, mute.until)
            if key not in self._mutes or mute.address:
                self._mutes[key] = mute

    def learn(self, mutes: Iterable[Mute]) -> None:
        """Take the addresses of the mutes this process knows from the store's copies; a mute lifted meanwhile stays
        lifted, however late the store's answer comes."""
        self.add(mute for mute in mutes if (mute.person, mute.room, mute.until) in self._mutes)

    def lift(self, person: str, room: str) -> None:
        """Forget the mutes on `person` that hold in `room`: its own and those everywhere."""
        for key in [
            key for key, mute in self._mutes.items() if mute.person == person and mute.room in (room, EVERYWHERE)
        ]:
            del self._mutes[key]

    def is_read_only(self, room: str) -> bool:
        return room in self._read_only

    def mute_of(self, room: str, person: str, address: str | None = None) -> Mute | None:
        """The mute in force on `person` (or on `address`) in `room`, the one that ends last; ended ones are dropped."""
        now = self.clock()
        for key in [key for key, mute in self._mutes.items() if mute.until <= now]:
            del self._mutes[key]
        holding = [
            mute
            for mute in self._mutes.values()
            if mute.room in (room, EVERYWHERE) and (mute.person == person or (address and mute.address == address))
        ]
        return max(holding, key=lambda mute: mute.until, default=None)
