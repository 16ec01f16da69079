"""Read-only rooms and mutes in the room model: who may post where, said with the reason and until when, in every
process, and over by itself."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chat.domain.model import Author, ChatError, ErrorKind, Message, Person
from chat.domain.notices import Notice, NoticeKind
from chat.domain.restrictions import EVERYWHERE, READ_ONLY_REFUSAL, Mute, clean_reason
from chat.domain.rooms import Rooms
from chat.stores.messages.redis import RedisBackend
from chat.stores.messages.sqlite import SQLiteBackend

MOD = Person('mod', 'Mo')
BOB = Person('bob', 'Bob')
CAROL = Person('carol', 'Carol')
NOON = 1_900_000_000.0  # 2030-03-17 17:46:40 UTC


class Clock:
    def __init__(self) -> None:
        self.now = NOON

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def rooms(tmp_path: Path, clock: Clock) -> AsyncIterator[Rooms]:
    """Anonymous (mutes follow addresses), with `mod` a moderator named by the operator."""
    model = Rooms(SQLiteBackend(tmp_path / 'chat.db'), moderators=frozenset({'mod'}), clock=clock)
    await model.start()
    yield model
    await model.stop()


async def post_as(rooms: Rooms, person: Person, text: str, *, room: str = 'lobby', ip: str = '10.0.0.2') -> Message:
    return await rooms.post(room, Author(f'tab-of-{person.id}', person.name), text, ip=ip, person=person.id)


async def refusal(rooms: Rooms, person: Person, *, room: str = 'lobby', ip: str = '10.0.0.2') -> ChatError:
    with pytest.raises(ChatError) as refused:
        await post_as(rooms, person, 'let me say this', room=room, ip=ip)
    return refused.value


def present(rooms: Rooms, room: str, person: Person, address: str) -> None:
    rooms.join(room, person, lambda activity: None, address=address)


@pytest.fixture
async def two_processes(redis_server) -> AsyncIterator[tuple[Rooms, Rooms]]:
    """Two room models on one Redis, as two app processes are, with `mod` a moderator; Bob is in the first's lobby."""
    here, there = (Rooms(RedisBackend(redis_server.url), moderators=frozenset({'mod'})) for _ in range(2))
    await here.start()
    await there.start()
    present(here, 'lobby', BOB, '10.0.0.2')
    yield here, there
    await here.stop()
    await there.stop()


async def test_a_moderator_makes_a_room_read_only_and_only_moderators_post_until_it_is_writable_again(
    rooms: Rooms,
) -> None:
    seen: list[Message] = []
    rooms.subscribe('lobby', seen.append)
    assert await rooms.set_read_only('lobby', MOD, True) is True
    assert rooms.is_read_only('lobby') and not rooms.is_read_only('other')
    refused = await refusal(rooms, BOB)
    assert (refused.kind, refused.message) == (ErrorKind.READ_ONLY, READ_ONLY_REFUSAL)
    await post_as(rooms, MOD, 'a moderator still speaks', ip='10.0.0.1')
    await post_as(rooms, BOB, 'another room is open', room='other')
    assert await rooms.set_read_only('lobby', MOD, True) is False, 'no second notice'
    assert await rooms.set_read_only('lobby', MOD, False) is True
    await post_as(rooms, BOB, 'writable again')
    assert [m.notice.kind if m.notice else m.text for m in seen] == [
        NoticeKind.READ_ONLY,
        'a moderator still speaks',
        NoticeKind.WRITABLE,
        'writable again',
    ]
    log = await rooms.moderation_log()
    assert [(entry.moderator, entry.action, entry.room) for entry in log] == [
        ('Mo', 'made the room writable', 'lobby'),
        ('Mo', 'made the room read-only', 'lobby'),
    ]


async def test_no_one_but_a_moderator_makes_a_room_read_only_or_mutes(rooms: Rooms) -> None:
    seen: list[Message] = []
    rooms.subscribe('lobby', seen.append)
    with pytest.raises(ChatError) as refused:
        await rooms.set_read_only('lobby', BOB, True)
    assert refused.value.kind is ErrorKind.NOT_YOURS
    with pytest.raises(ChatError):
        await rooms.mute('lobby', BOB, CAROL, everywhere=True, seconds=600, reason='spam')
    assert not rooms.is_read_only('lobby') and rooms.mute_of('lobby', 'carol') is None
    await post_as(rooms, CAROL, 'still here')
    assert [message.text for message in seen] == ['still here'] and await rooms.moderation_log() == []


async def test_a_muted_person_is_refused_with_why_and_until_when_and_the_room_is_told(
    rooms: Rooms, clock: Clock
) -> None:
    seen: list[Message] = []
    rooms.subscribe('lobby', seen.append)
    mute = await rooms.mute('lobby', MOD, BOB, everywhere=False, seconds=600, reason='  spam  ')
    assert mute == Mute('bob', '', 'lobby', NOON + 600, 'spam', 'Bob')
    refused = await refusal(rooms, BOB)
    assert refused.kind is ErrorKind.MUTED
    assert refused.message == 'You are muted in this room until 17:56 UTC (17 Mar): spam'
    await post_as(rooms, BOB, 'elsewhere I may speak', room='other')
    await post_as(rooms, CAROL, 'others may speak')
    (notice,) = [message.notice for message in seen if message.notice]
    assert notice == Notice(NoticeKind.MUTED, target='bob', target_name='Bob', until=NOON + 600, reason='spam')
    (entry,) = await rooms.moderation_log()
    assert (entry.moderator, entry.action, entry.room, entry.target) == ('Mo', 'muted', 'lobby', 'Bob')
    assert 'spam' in entry.detail and '10 minutes' in entry.detail
    clock.now = NOON + 599
    await refusal(rooms, BOB)
    clock.now = NOON + 600
    await post_as(rooms, BOB, 'the mute ended by itself')
    assert rooms.mute_of('lobby', 'bob') is None


async def test_a_mute_everywhere_holds_in_every_room(rooms: Rooms) -> None:
    await rooms.mute('lobby', MOD, BOB, everywhere=True, seconds=3_600, reason='insults')
    refused = await refusal(rooms, BOB, room='other')
    assert refused.message == 'You are muted everywhere until 18:46 UTC (17 Mar): insults'
    notices = [message.notice for message in await rooms.history('lobby') if message.notice]
    assert [notice.kind for notice in notices] == [NoticeKind.MUTED_EVERYWHERE]
    assert await rooms.history('other') == [], 'told where it was given only'


async def test_anonymously_a_mute_follows_the_address_the_person_had(rooms: Rooms) -> None:
    present(rooms, 'lobby', BOB, '10.0.0.2')
    await rooms.mute('lobby', MOD, BOB, everywhere=False, seconds=600, reason='spam')
    assert rooms.mute_of('lobby', 'bob').address == '10.0.0.2'
    refused = await refusal(rooms, Person('new-browser', 'Bob again'), ip='10.0.0.2')
    assert refused.kind is ErrorKind.MUTED, 'a new browser on the same address'
    await refusal(rooms, BOB, ip='10.0.0.3')  # the browser on another address
    await post_as(rooms, CAROL, 'another address', ip='10.0.0.3')


async def test_signed_in_a_mute_follows_the_person_only(tmp_path: Path) -> None:
    rooms = Rooms(SQLiteBackend(tmp_path / 'chat.db'), moderators=frozenset({'mod'}), follow_addresses=False)
    await rooms.start()
    try:
        present(rooms, 'lobby', BOB, '10.0.0.2')
        await rooms.mute('lobby', MOD, BOB, everywhere=False, seconds=600, reason='spam')
        await refusal(rooms, BOB, ip='10.0.0.9')
        await post_as(rooms, CAROL, 'same proxy address, another person', ip='10.0.0.2')
    finally:
        await rooms.stop()


async def test_moderators_cannot_be_muted_and_a_mute_needs_a_reason_and_a_listed_duration(rooms: Rooms) -> None:
    other_moderator = Person('mod-2', 'Mia')
    await rooms.backend.add_moderator_link('hash', NOON * 2)
    await rooms.backend.redeem_moderator_link('hash', 'mod-2', 0)
    for target, seconds, reason in ((other_moderator, 600, 'spam'), (BOB, 600, '   '), (BOB, 5, 'spam')):
        with pytest.raises(ChatError):
            await rooms.mute('lobby', MOD, target, everywhere=False, seconds=seconds, reason=reason)
    assert await rooms.history('lobby') == [] and await rooms.moderation_log() == []
    for bad in ('', 'x' * 101, 'tab\there'):
        with pytest.raises(ChatError):
            clean_reason(bad)


async def test_read_only_rooms_and_mutes_outlive_a_restart(tmp_path: Path, clock: Clock) -> None:
    first = Rooms(SQLiteBackend(tmp_path / 'chat.db'), moderators=frozenset({'mod'}), clock=clock)
    await first.start()
    present(first, 'lobby', BOB, '10.0.0.2')
    await first.set_read_only('other', MOD, True)
    await first.mute('lobby', MOD, BOB, everywhere=False, seconds=600, reason='spam')
    await first.stop()
    second = Rooms(SQLiteBackend(tmp_path / 'chat.db'), moderators=frozenset({'mod'}), clock=clock)
    await second.start()
    try:
        assert second.is_read_only('other')
        assert (await refusal(second, Person('new-browser', 'B'), ip='10.0.0.2')).kind is ErrorKind.MUTED
    finally:
        await second.stop()


async def test_another_process_learns_of_a_mute_and_a_read_only_room_through_redis(
    two_processes: tuple[Rooms, Rooms],
) -> None:
    here, there = two_processes
    await here.mute('lobby', MOD, BOB, everywhere=True, seconds=600, reason='spam')
    await here.set_read_only('quiet', MOD, True)
    async with asyncio.timeout(5):
        while not (there.is_read_only('quiet') and there.mute_of('x', 'other', '10.0.0.2')):
            await asyncio.sleep(0.01)
    assert (await refusal(there, BOB, room='other')).kind is ErrorKind.MUTED
    assert (await refusal(there, Person('new-browser', 'B'), room='other', ip='10.0.0.2')).kind is ErrorKind.MUTED
    assert (await refusal(there, CAROL, room='quiet', ip='10.0.0.3')).kind is ErrorKind.READ_ONLY
    assert there.mute_of(EVERYWHERE, 'bob').reason == 'spam'


async def test_a_muted_person_can_neither_edit_nor_react_but_may_still_delete(rooms: Rooms) -> None:
    tab = Author('tab-of-bob', 'Bob')
    old = await post_as(rooms, BOB, 'an old message')
    carols = await post_as(rooms, CAROL, 'a message of Carol', ip='10.0.0.3')
    present(rooms, 'lobby', BOB, '10.0.0.2')
    await rooms.mute('lobby', MOD, BOB, everywhere=False, seconds=600, reason='spam')
    why = 'You are muted in this room until 17:56 UTC (17 Mar): spam'
    attempts = [
        lambda: rooms.edit('lobby', old.id, tab.id, 'BUY CHEAP WATCHES', ip='10.0.0.2', person='bob'),
        lambda: rooms.react('lobby', carols.id, tab, '👍', on=True, ip='10.0.0.2', person='bob'),
        lambda: rooms.react('lobby', carols.id, Author('t2', 'B'), '👍', on=True, ip='10.0.0.2', person='new-browser'),
    ]
    for attempt in attempts:
        with pytest.raises(ChatError) as refused:
            await attempt()
        assert (refused.value.kind, refused.value.message) == (ErrorKind.MUTED, why)
    assert [(m.text, m.reactions) for m in await rooms.history('lobby') if not m.notice] == [
        ('an old message', ()),
        ('a message of Carol', ()),
    ]
    elsewhere = await post_as(rooms, CAROL, 'elsewhere', room='other', ip='10.0.0.3')
    await rooms.react('other', elsewhere.id, tab, '👍', on=True, ip='10.0.0.2', person='bob')
    assert (await rooms.delete('lobby', old.id, tab.id, ip='10.0.0.2')).deleted, 'deleting stays allowed'
    await rooms.react('lobby', carols.id, Author('t3', 'Mo'), '👍', on=True, ip='10.0.0.2', person='mod')


async def test_a_moderator_lifts_a_mute_early_and_the_room_is_told(rooms: Rooms) -> None:
    seen: list[Message] = []
    rooms.subscribe('lobby', seen.append)
    present(rooms, 'lobby', BOB, '10.0.0.2')
    await rooms.mute('lobby', MOD, BOB, everywhere=False, seconds=600, reason='spam')
    await rooms.mute('lobby', MOD, BOB, everywhere=True, seconds=3_600, reason='insults')
    await rooms.mute('third', MOD, BOB, everywhere=False, seconds=600, reason='flood')
    with pytest.raises(ChatError):
        await rooms.unmute('lobby', CAROL, BOB)
    assert await rooms.unmute('lobby', MOD, Person('bob', 'Bobby')) is True
    await post_as(rooms, BOB, 'free again')
    await post_as(rooms, Person('new-browser', 'B'), 'the address too')
    await refusal(rooms, BOB, room='third')  # a mute in another room holds there
    assert await rooms.unmute('lobby', MOD, BOB) is False, 'nothing left to lift: no second notice'
    notices = [message.notice for message in seen if message.notice]
    assert notices[-1] == Notice(NoticeKind.UNMUTED, target='bob', target_name='Bobby')
    assert [message.text for message in seen if not message.notice] == ['free again', 'the address too']
    entry = (await rooms.moderation_log())[0]
    assert (entry.moderator, entry.action, entry.room, entry.target) == ('Mo', 'unmuted', 'lobby', 'Bobby')


async def test_another_process_lifts_a_mute_from_its_notice_through_redis(two_processes: tuple[Rooms, Rooms]) -> None:
    here, there = two_processes
    await here.mute('lobby', MOD, BOB, everywhere=True, seconds=600, reason='spam')
    async with asyncio.timeout(5):
        while there.mute_of('lobby', 'bob') is None:
            await asyncio.sleep(0.01)
    await here.unmute('lobby', MOD, BOB)
    async with asyncio.timeout(5):
        while there.mute_of('lobby', 'bob', '10.0.0.2') is not None:
            await asyncio.sleep(0.01)
    await post_as(there, BOB, 'free in every process')
