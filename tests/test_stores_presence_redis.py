"""Presence across processes through Redis: all see all, typing crosses, a crashed process's people expire."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from chat.domain.model import Activity, Person
from chat.domain.presence import Presence
from chat.stores.presence.redis import RedisPresence
from tests.support.redis_server import RedisServer
from tests.support.stores import crash

ALICE = Person('browser-a', 'Alice')
BOB = Person('browser-b', 'Bob')


class Process:
    """One app process's presence, shared through Redis, and what a watcher in the lobby saw last."""

    def __init__(self, url: str) -> None:
        self.presence = Presence(notify_delay=0.02, typing_seconds=5)
        self.shared = RedisPresence(url, ttl=1.0, refresh=0.2)
        self.seen: list[Activity] = []

    async def until(self, check: Callable[[Activity], bool]) -> None:
        async with asyncio.timeout(5):
            while not (self.seen and check(self.seen[-1])):
                await asyncio.sleep(0.02)


def names(people: tuple[Person, ...]) -> list[str]:
    return [person.name for person in people]


@pytest.fixture
async def processes(redis_server: RedisServer) -> AsyncIterator[tuple[Process, Process]]:
    pair = Process(redis_server.url), Process(redis_server.url)
    for process in pair:
        await process.shared.start(process.presence)
    yield pair
    for process in pair:
        await process.shared.stop()


async def test_people_on_different_processes_see_each_other_and_who_types(processes: tuple[Process, Process]) -> None:
    a, b = processes
    a.presence.join('lobby', ALICE, a.seen.append)
    bob = b.presence.join('lobby', BOB, b.seen.append)
    await a.until(lambda activity: names(activity.people) == ['Alice', 'Bob'])
    await b.until(lambda activity: names(activity.people) == ['Alice', 'Bob'])

    bob.typing()
    await a.until(lambda activity: names(activity.typing) == ['Bob'])
    bob.leave()
    await a.until(lambda activity: names(activity.people) == ['Alice'] and activity.typing == ())


async def test_the_people_of_a_crashed_process_disappear_when_its_report_expires(
    processes: tuple[Process, Process],
) -> None:
    a, b = processes
    a.presence.join('lobby', ALICE, a.seen.append)
    b.presence.join('lobby', BOB, b.seen.append)
    await a.until(lambda activity: names(activity.people) == ['Alice', 'Bob'])
    await crash(b.shared)
    await a.until(lambda activity: names(activity.people) == ['Alice'])


async def test_a_room_nobody_here_is_in_keeps_no_reports(processes: tuple[Process, Process]) -> None:
    a, b = processes
    b.presence.join('elsewhere', BOB, b.seen.append)
    alice = a.presence.join('lobby', ALICE, a.seen.append)
    await a.until(lambda activity: names(activity.people) == ['Alice'])
    alice.leave()
    assert a.presence.activity('elsewhere') == Activity()
    assert a.presence._remote == {}
