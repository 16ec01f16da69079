"""Who is in each room across processes: every process reports its own people to Redis, with expiry.

Each room has one hash, a field per process holding that process's people and typists and
the time the report expires. A process rewrites its reports when they change and every
`refresh` seconds; a process that crashes stops refreshing, and the others drop its people
once the report expires. A publish on one channel tells the others to reread a room at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from contextlib import suppress
from typing import cast

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from chat.domain.model import Activity, Person
from chat.domain.presence import Presence
from chat.logs import log_event
from chat.stores.messages.redis import TIMEOUTS

log = logging.getLogger(__name__)

LISTEN_SECONDS = 1.0


class RedisPresence:
    """Shares this process's `Presence` with the other processes on the same Redis."""

    def __init__(self, url: str, *, prefix: str = 'chat:', ttl: float = 15.0, refresh: float = 5.0) -> None:
        self.url = url
        self.prefix = prefix
        self.ttl = ttl
        self.refresh = refresh
        self.process = uuid.uuid4().hex
        self._presence: Presence | None = None
        self._redis: aioredis.Redis | None = None
        self._own: dict[str, Activity] = {}
        self._dirty: set[str] = set()
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._sources: dict[str, set[str]] = {}
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self, presence: Presence) -> None:
        self._presence = presence
        presence.publish = self.share
        self._redis = aioredis.from_url(self.url, decode_responses=True, **TIMEOUTS)
        self._wake, self._stopping = asyncio.Event(), asyncio.Event()
        self._tasks = [asyncio.create_task(job()) for job in (self._write, self._refresh, self._listen)]

    async def stop(self) -> None:
        await self._halt()
        if self._redis is not None:
            with suppress(RedisError):
                for room in self._own:
                    await self._redis.hdel(self._key(room), self.process)
            await self._redis.aclose()
            self._redis = None

    async def _halt(self) -> None:
        """End the loops by telling them, not by cancelling: redis-py can swallow a cancellation mid-command."""
        self._stopping.set()
        self._wake.set()
        await asyncio.gather(*self._tasks)
        self._tasks = []

    def share(self, room: str, activity: Activity) -> None:
        """Take this process's new activity in `room`; the writer sends it soon, coalesced with others."""
        if activity == Activity():
            self._own.pop(room, None)
        else:
            self._own[room] = activity
        self._dirty.add(room)
        self._wake.set()

    async def _write(self) -> None:
        """Send changed reports; a failed write is retried by the next refresh."""
        while not self._stopping.is_set():
            await self._wake.wait()
            self._wake.clear()
            rooms, self._dirty = self._dirty, set()
            try:
                for room in rooms:
                    await self._report(room)
                    await self._require().publish(self._channel(), room)
            except RedisError as error:
                log_event(log, logging.WARNING, 'presence_share_failed', error=error)

    async def _refresh(self) -> None:
        """Keep this process's reports alive and notice processes whose reports expired."""
        while not await self._stopped_within(self.refresh):
            try:
                for room in list(self._own):
                    await self._report(room)
                for room in self._watched():
                    await self._reread(room)
            except RedisError as error:
                log_event(log, logging.WARNING, 'presence_refresh_failed', error=error)

    async def _listen(self) -> None:
        """Reread a room as soon as another process says it changed; after an outage, reread all."""
        while not self._stopping.is_set():
            try:
                async with self._require().pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self._channel())
                    for room in self._watched():
                        await self._reread(room)
                    while not self._stopping.is_set():
                        message = await pubsub.get_message(timeout=LISTEN_SECONDS)
                        if message is not None and message['data'] in self._watched():
                            await self._reread(message['data'])
            except RedisError as error:
                log_event(log, logging.WARNING, 'presence_follow_failed', error=error)
                await self._stopped_within(1.0)

    async def _stopped_within(self, seconds: float) -> bool:
        with suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
        return self._stopping.is_set()

    async def _report(self, room: str) -> None:
        redis = self._require()
        activity = self._own.get(room)
        if activity is None:
            await redis.hdel(self._key(room), self.process)
            return
        report = {'expires': time.time() + self.ttl, 'people': _pairs(activity.people)}
        report['typing'] = _pairs(activity.typing)
        async with redis.pipeline() as pipe:
            pipe.hset(self._key(room), self.process, json.dumps(report))
            pipe.expire(self._key(room), int(self.ttl) + 1)
            await pipe.execute()

    async def _reread(self, room: str) -> None:
        assert self._presence is not None
        # Each process's report, decoded to str (redis-py's reply types: see chat.stores.messages.redis).
        reports = cast(dict[str, str], await self._require().hgetall(self._key(room)))
        now = time.time()
        live: dict[str, Activity] = {}
        for source, raw in reports.items():
            report = json.loads(raw)
            if source != self.process and report['expires'] > now:
                live[source] = Activity(_people(report['people']), _people(report['typing']))
        for gone in self._sources.get(room, set()) - live.keys():
            self._presence.remote(room, gone, Activity())
        for source, activity in live.items():
            self._presence.remote(room, source, activity)
        self._sources[room] = set(live)

    def _watched(self) -> list[str]:
        assert self._presence is not None
        return self._presence.rooms()

    def _require(self) -> aioredis.Redis:
        if self._redis is None:
            raise RuntimeError('shared presence has not been started')
        return self._redis

    def _key(self, room: str) -> str:
        return f'{self.prefix}presence:{room}'

    def _channel(self) -> str:
        return f'{self.prefix}presence'


def _pairs(people: tuple[Person, ...]) -> list[list[str]]:
    return [[person.id, person.name] for person in people]


def _people(pairs: list[list[str]]) -> tuple[Person, ...]:
    return tuple(Person(person_id, name) for person_id, name in pairs)
