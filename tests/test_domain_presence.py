"""Who is here and who is typing: one entry per browser, coalesced updates, expiry, nothing left behind."""

import asyncio
from collections.abc import Callable

from chat.domain.model import Activity, Person
from chat.domain.presence import Presence

ALICE = Person('browser-a', 'Alice')
BOB = Person('browser-b', 'Bob')


def names(people: tuple[Person, ...]) -> list[str]:
    return [person.name for person in people]


async def until(check: Callable[[], bool], timeout: float = 2.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.01)


def presence() -> Presence:
    return Presence(notify_delay=0.02, typing_seconds=0.3)


async def test_joining_and_leaving_updates_everyone_in_the_room() -> None:
    model = presence()
    seen_by_alice: list[Activity] = []
    seen_by_bob: list[Activity] = []
    alice = model.join('lobby', ALICE, seen_by_alice.append)
    assert names(seen_by_alice[-1].people) == ['Alice'], 'a newcomer gets the picture at once'
    bob = model.join('lobby', BOB, seen_by_bob.append)
    assert names(seen_by_bob[-1].people) == ['Alice', 'Bob']
    await until(lambda: names(seen_by_alice[-1].people) == ['Alice', 'Bob'])
    bob.leave()
    await until(lambda: names(seen_by_alice[-1].people) == ['Alice'])
    alice.leave()
    assert model.activity('lobby') == Activity()
    assert model.rooms() == [], 'an empty room keeps no state'


async def test_several_tabs_of_one_browser_are_one_person() -> None:
    model = presence()
    seen: list[Activity] = []
    first = model.join('lobby', ALICE, seen.append)
    second = model.join('lobby', ALICE, lambda activity: None)
    assert names(model.activity('lobby').people) == ['Alice']
    first.leave()
    assert names(model.activity('lobby').people) == ['Alice'], 'still here in the other tab'
    second.leave()
    assert model.activity('lobby').people == ()


async def test_a_burst_of_joins_is_one_update() -> None:
    model = presence()
    seen: list[Activity] = []
    model.join('lobby', ALICE, seen.append)
    await until(lambda: len(seen) == 1)
    for i in range(50):
        model.join('lobby', Person(f'browser-{i}', f'Guest {i}'), lambda activity: None)
    await until(lambda: len(seen[-1].people) == 51)
    await asyncio.sleep(0.1)
    assert len(seen) == 2


async def test_renaming_shows_the_new_name_for_every_tab_of_the_browser() -> None:
    model = presence()
    seen: list[Activity] = []
    model.join('lobby', BOB, seen.append)
    first = model.join('lobby', ALICE, lambda activity: None)
    model.join('lobby', ALICE, lambda activity: None)
    first.rename('Alicia')
    await until(lambda: names(seen[-1].people) == ['Alicia', 'Bob'])


async def test_typing_shows_until_it_expires_or_stops() -> None:
    model = presence()
    seen: list[Activity] = []
    model.join('lobby', BOB, seen.append)
    alice = model.join('lobby', ALICE, lambda activity: None)
    alice.typing()
    await until(lambda: names(seen[-1].typing) == ['Alice'])
    await until(lambda: seen[-1].typing == (), timeout=2)
    alice.typing()
    await until(lambda: names(seen[-1].typing) == ['Alice'])
    alice.stopped_typing()
    await until(lambda: seen[-1].typing == ())


async def test_typing_ends_when_the_typist_leaves_and_rooms_are_isolated() -> None:
    model = presence()
    lobby: list[Activity] = []
    other: list[Activity] = []
    model.join('lobby', BOB, lobby.append)
    model.join('other', BOB, other.append)
    alice = model.join('lobby', ALICE, lambda activity: None)
    alice.typing()
    await until(lambda: names(lobby[-1].typing) == ['Alice'])
    assert names(other[-1].people) == ['Bob'] and other[-1].typing == ()
    alice.leave()
    await until(lambda: lobby[-1].typing == () and names(lobby[-1].people) == ['Bob'])


async def test_other_processes_people_join_the_room_and_only_local_visits_are_published() -> None:
    published: list[tuple[str, Activity]] = []
    model = Presence(notify_delay=0.02, publish=lambda room, activity: published.append((room, activity)))
    seen: list[Activity] = []
    model.remote('lobby', 'process-b', Activity((BOB,)))
    assert model.activity('lobby') == Activity(), 'a room nobody here is in keeps no reports'
    alice = model.join('lobby', ALICE, seen.append)
    model.remote('lobby', 'process-b', Activity((BOB,), typing=(BOB,)))
    await until(lambda: seen[-1] == Activity((ALICE, BOB), typing=(BOB,)))
    await until(lambda: published == [('lobby', Activity((ALICE,)))])
    model.remote('lobby', 'process-b', Activity())
    await until(lambda: seen[-1] == Activity((ALICE,)))
    alice.leave()
    assert published[-1] == ('lobby', Activity()), 'leaving tells the other processes'
