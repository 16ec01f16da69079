"""How much one tab and one network address may do: messages and reactions per second, new rooms and invite
links tried per minute, open tabs, bytes of text stored per day.

Each refusal is a `ChatError` with a specific message, raised before anything is stored,
so a flood costs the server a dictionary lookup per attempt and reaches nobody. The
counters are per process: behind a load balancer with sticky sessions (see README,
"Scaling out") one address always reaches the same process.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from chat.domain.model import ChatError, ErrorKind

Clock = Callable[[], float]
DAY = 86_400.0
# searches as one types (a page each few keystrokes, "More results"), not a script reading every room in a loop
SEARCH_BURST, SEARCHES_PER_SECOND = 10, 2.0
IP_SEARCH_BURST, IP_SEARCHES_PER_SECOND = 30, 5.0
# opening moderator links: an operator opens one; an address guessing tokens gets 5 tries, then one a minute
MODERATOR_LINK_BURST, MODERATOR_LINKS_PER_SECOND = 5, 1 / 60


@dataclass(frozen=True, slots=True)
class LimitSettings:
    """The limits an operator can set; 0 switches a limit off."""

    message_burst: int = 5
    messages_per_second: float = 1.0
    ip_message_burst: int = 20
    ip_messages_per_second: float = 5.0
    rooms_per_minute: int = 10
    tabs_per_ip: int = 20
    ip_storage_per_day: int = 5_000_000
    reaction_burst: int = 10
    reactions_per_second: float = 2.0
    ip_reaction_burst: int = 30
    ip_reactions_per_second: float = 10.0
    invites_per_minute: int = 10


@dataclass(slots=True)
class TokenBucket:
    """Holds up to `capacity` tokens and regains `rate` per second; each action spends its cost (a message one,
    a stored text its bytes)."""

    capacity: float
    rate: float
    tokens: float
    updated: float

    def wait(self, now: float, cost: float = 1) -> float:
        """Seconds until `cost` tokens are available (0 if they are now)."""
        self._refill(now)
        return 0.0 if self.tokens >= cost else (cost - self.tokens) / self.rate

    def take(self, now: float, cost: float = 1) -> None:
        self._refill(now)
        self.tokens -= cost

    def full(self, now: float) -> bool:
        self._refill(now)
        return self.tokens >= self.capacity

    def _refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now


class RateLimiter:
    """One token bucket per key, created full on first use; buckets that refilled are forgotten."""

    PRUNE_EVERY = 1000

    def __init__(self, burst: float, per_second: float, clock: Clock = time.monotonic) -> None:
        self.burst = burst
        self.per_second = per_second
        self.clock = clock
        self._buckets: dict[str, TokenBucket] = {}
        self._uses = 0

    @property
    def enabled(self) -> bool:
        return self.burst > 0 and self.per_second > 0

    def wait(self, key: str, cost: float = 1) -> float:
        """Seconds until `key` may spend `cost` again; 0 means now (and always, if the limit is off)."""
        if not self.enabled:
            return 0.0
        bucket = self._buckets.get(key)
        if bucket is None:  # as a full bucket
            return max(0.0, cost - self.burst) / self.per_second
        return bucket.wait(self.clock(), cost)

    def take(self, key: str, cost: float = 1) -> None:
        """Spend `cost` of `key`'s tokens; call only after `wait` returned 0."""
        if not self.enabled:
            return
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self.burst, self.per_second, self.burst, now)
        bucket.take(now, cost)
        self._uses += 1
        if self._uses % self.PRUNE_EVERY == 0:
            self._prune(now)

    def __len__(self) -> int:
        return len(self._buckets)

    def _prune(self, now: float) -> None:
        """A full bucket is the same as no bucket, so memory follows the active senders, not all ever seen."""
        for key in [key for key, bucket in self._buckets.items() if bucket.full(now)]:
            del self._buckets[key]


class Limits:
    """The limits of this process, checked by the room model for every post that comes from a client."""

    def __init__(self, settings: LimitSettings | None = None, clock: Clock = time.monotonic) -> None:
        self.settings = settings = settings or LimitSettings()
        self._tab_messages = RateLimiter(settings.message_burst, settings.messages_per_second, clock)
        self._ip_messages = RateLimiter(settings.ip_message_burst, settings.ip_messages_per_second, clock)
        self._ip_rooms = RateLimiter(settings.rooms_per_minute, settings.rooms_per_minute / 60, clock)
        self._ip_bytes = RateLimiter(settings.ip_storage_per_day, settings.ip_storage_per_day / DAY, clock)
        self._tab_searches = RateLimiter(SEARCH_BURST, SEARCHES_PER_SECOND, clock)
        self._ip_searches = RateLimiter(IP_SEARCH_BURST, IP_SEARCHES_PER_SECOND, clock)
        self._tab_reactions = RateLimiter(settings.reaction_burst, settings.reactions_per_second, clock)
        self._ip_reactions = RateLimiter(settings.ip_reaction_burst, settings.ip_reactions_per_second, clock)
        self._ip_invites = RateLimiter(settings.invites_per_minute, settings.invites_per_minute / 60, clock)
        self._tabs: dict[str, int] = {}
        self._ip_moderator_links = RateLimiter(MODERATOR_LINK_BURST, MODERATOR_LINKS_PER_SECOND, clock)

    def admit_message(self, tab: str, ip: str, *, new_room: bool, size: int) -> None:
        """Count one message of `size` bytes from `tab` at `ip` (starting a room if `new_room`), or raise
        `ChatError` saying why not.

        Every limit is checked before any is counted, so a refused message costs nothing. The daily budget
        of bytes bounds the disk one address can fill, which the message rates alone put at gigabytes a day.
        """
        if wait := self._tab_messages.wait(tab):
            raise ChatError(ErrorKind.RATE_LIMITED, f'You are sending too fast. Wait {_seconds(wait)} and try again.')
        if wait := self._ip_messages.wait(ip):
            raise ChatError(
                ErrorKind.RATE_LIMITED,
                f'Too many messages from your network address. Wait {_seconds(wait)} and try again.',
            )
        if new_room and (wait := self._ip_rooms.wait(ip)):
            raise ChatError(
                ErrorKind.TOO_MANY_ROOMS,
                f'You started {_count(self.settings.rooms_per_minute, "room")} within a minute. '
                f'Wait {_seconds(wait)} before starting another, or post in an existing room.',
            )
        if wait := self._ip_bytes.wait(ip, size):
            raise ChatError(
                ErrorKind.OVER_BUDGET,
                f'Your network address may store {_bytes(self.settings.ip_storage_per_day)} of messages a day, '
                f'and this one would pass that. Wait {_duration(wait)} and try again.',
            )
        self._tab_messages.take(tab)
        self._ip_messages.take(ip)
        if new_room:
            self._ip_rooms.take(ip)
        self._ip_bytes.take(ip, size)

    def admit_search(self, tab: str, ip: str) -> None:
        """Count one search from `tab` at `ip`, or raise `ChatError`: each reads up to a room's kept messages."""
        for limiter, key in ((self._tab_searches, tab), (self._ip_searches, ip)):
            if wait := limiter.wait(key):
                raise ChatError(
                    ErrorKind.RATE_LIMITED, f'You are searching too fast. Wait {_seconds(wait)} and try again.'
                )
        self._tab_searches.take(tab)
        self._ip_searches.take(ip)

    def admit_reaction(self, tab: str, ip: str) -> None:
        """Count one reaction (added or taken back) from `tab` at `ip`, or raise `ChatError` saying why not.

        Reactions have buckets of their own: a click costs less than a message, so a tab may react faster than
        it may post, yet a script toggling in a loop still reaches every tab of the room only at this rate.
        """
        if wait := self._tab_reactions.wait(tab):
            raise ChatError(ErrorKind.RATE_LIMITED, f'You are reacting too fast. Wait {_seconds(wait)} and try again.')
        if wait := self._ip_reactions.wait(ip):
            raise ChatError(
                ErrorKind.RATE_LIMITED,
                f'Too many reactions from your network address. Wait {_seconds(wait)} and try again.',
            )
        self._tab_reactions.take(tab)
        self._ip_reactions.take(ip)

    def admit_moderator_link(self, ip: str) -> None:
        """Count one attempt to open a moderator link from `ip`, or raise `ChatError`: the tokens cannot be guessed,
        and this keeps a script from trying, or from making the store look up, more than a few a minute."""
        _admit_link(self._ip_moderator_links, ip, 'moderator')

    def admit_invite(self, ip: str) -> None:
        """Count one invite link opened from `ip`, or raise `ChatError` saying why not.

        Every try, good or bad, counts: a link is opened once by a person, while a script guessing tokens would
        take the store's write lock for each guess.
        """
        _admit_link(self._ip_invites, ip, 'invite')

    def open_tab(self, ip: str) -> Callable[[], None]:
        """Count one more open tab from `ip` and return the function that counts it closed again.

        Raises `ChatError` when `ip` already has `tabs_per_ip` tabs open.
        """
        limit = self.settings.tabs_per_ip
        if limit and self._tabs.get(ip, 0) >= limit:
            raise ChatError(
                ErrorKind.TOO_MANY_TABS,
                f'Your network address already has {_count(limit, "chat tab")} open, the most allowed. '
                'Close one, then reload this page.',
            )
        self._tabs[ip] = self._tabs.get(ip, 0) + 1
        closed = False

        def close() -> None:
            nonlocal closed
            if not closed:
                closed = True
                self._tabs[ip] -= 1
                if not self._tabs[ip]:
                    del self._tabs[ip]

        return close

    def open_tabs(self, ip: str) -> int:
        return self._tabs.get(ip, 0)


def _admit_link(limiter: RateLimiter, ip: str, kind: str) -> None:
    """Take one of `ip`'s tries at opening a `kind` link, or raise `ChatError` with how long to wait."""
    if wait := limiter.wait(ip):
        raise ChatError(
            ErrorKind.RATE_LIMITED,
            f'Too many {kind} links opened from your network address. Wait {_duration(wait)} and try again.',
        )
    limiter.take(ip)


def _seconds(wait: float) -> str:
    return _count(max(1, math.ceil(wait)), 'second')


def _duration(wait: float) -> str:
    """A wait of up to a day in the unit a person would say it in."""
    if wait < 90:
        return _seconds(wait)
    if wait < 90 * 60:
        return _count(math.ceil(wait / 60), 'minute')
    return _count(math.ceil(wait / 3600), 'hour')


def _bytes(size: int) -> str:
    if size >= 1_000_000:
        return f'{size / 1_000_000:.3g} MB'
    return f'{size / 1000:.3g} kB' if size >= 1000 else _count(size, 'byte')


def _count(number: int, noun: str) -> str:
    return f'{number} {noun}' + ('' if number == 1 else 's')
