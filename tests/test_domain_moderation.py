"""Moderators in the room model: named by the operator or made by a one-time link, and the log of their actions."""

import pytest

from chat.domain.limits import MODERATOR_LINK_BURST, Limits
from chat.domain.model import Author, ChatError, ErrorKind, Message
from chat.domain.moderation import REMOVE, LogEntry, moderator_names, plausible_token
from chat.domain.private import new_token
from chat.domain.rooms import Rooms
from chat.stores.messages.sqlite import SQLiteBackend


async def test_the_configured_people_are_moderators_and_no_one_else(tmp_path) -> None:
    rooms = Rooms(SQLiteBackend(tmp_path / 'chat.db'), moderators=frozenset({'person-a'}))
    await rooms.start()
    try:
        assert await rooms.is_moderator('person-a')
        assert not await rooms.is_moderator('person-b')
    finally:
        await rooms.stop()


async def test_a_moderator_link_makes_the_person_who_opens_it_a_moderator_once(rooms: Rooms) -> None:
    token = await rooms.create_moderator_link()
    assert plausible_token(token) and len(token) >= 32
    assert not await rooms.is_moderator('alice')
    assert await rooms.make_moderator(token, 'alice', ip='10.0.0.1') is True
    assert await rooms.make_moderator(token, 'bob', ip='10.0.0.2') is False
    assert await rooms.is_moderator('alice') and not await rooms.is_moderator('bob')


HOSTILE = ['', 'x' * 100_000, '../../etc/passwd-aaaaaaaaaaaa', 'a b c d e f g h i j k l', '☃' * 32]


@pytest.mark.parametrize('token', HOSTILE)
async def test_hostile_tokens_make_no_moderator(rooms: Rooms, token: str) -> None:
    assert await rooms.make_moderator(token, 'mallory', ip='10.0.0.9') is False
    assert not await rooms.is_moderator('mallory')


async def test_an_address_guessing_links_is_held_back(rooms: Rooms) -> None:
    refusals = []
    for _ in range(20):
        try:
            await rooms.make_moderator(new_token(), 'mallory', ip='10.0.0.9')
        except ChatError as error:
            refusals.append(error.kind)
    assert refusals and set(refusals) == {ErrorKind.RATE_LIMITED}
    token = await rooms.create_moderator_link()
    assert await rooms.make_moderator(token, 'alice', ip='10.0.0.1') is True  # another address is not held back


def test_the_limit_on_moderator_links_is_per_address_and_refills() -> None:
    now = [0.0]
    limits = Limits(clock=lambda: now[0])
    for _ in range(MODERATOR_LINK_BURST):
        limits.admit_moderator_link('10.0.0.9')
    with pytest.raises(ChatError):
        limits.admit_moderator_link('10.0.0.9')
    limits.admit_moderator_link('10.0.0.1')
    now[0] = 600.0
    limits.admit_moderator_link('10.0.0.9')


async def test_the_log_lists_actions_newest_first_page_by_page(rooms: Rooms) -> None:
    for i in range(3):
        await rooms.log_action('Alice', 'remove', 'lobby', f'Bob {i}', f'message {i}')
    newest = await rooms.moderation_log(None, 2)
    assert [(entry.moderator, entry.target) for entry in newest] == [('Alice', 'Bob 2'), ('Alice', 'Bob 1')]
    assert all(isinstance(entry, LogEntry) for entry in newest)
    older = await rooms.moderation_log(newest[-1].id, 2)
    assert [entry.target for entry in older] == ['Bob 0']


def test_moderator_names_are_comma_separated_and_none_empty() -> None:
    assert moderator_names('alice, bob@example.com') == ('alice', 'bob@example.com')
    with pytest.raises(ValueError):
        moderator_names('alice,,bob')


async def test_a_moderator_removes_anyones_message_and_the_log_says_so(tmp_path) -> None:
    rooms = Rooms(SQLiteBackend(tmp_path / 'chat.db'), moderators=frozenset({'mod-person'}))
    await rooms.start()
    try:
        seen: list[Message] = []
        rooms.subscribe('lobby', seen.append)
        message = await rooms.post('lobby', Author('tab-b', 'Bob'), 'something rude')
        removed = await rooms.remove('lobby', message.id, 'mod-person', 'Mod Alice')
        assert removed.removed and removed.text == '' and seen[-1] == removed
        (entry,) = await rooms.moderation_log()
        assert (entry.moderator, entry.action, entry.room, entry.target) == ('Mod Alice', REMOVE, 'lobby', 'Bob')
        assert 'rude' not in entry.detail
    finally:
        await rooms.stop()


async def test_anyone_else_is_refused_and_nothing_changes(rooms: Rooms) -> None:
    message = await rooms.post('lobby', Author('tab-b', 'Bob'), 'mine to keep')
    with pytest.raises(ChatError) as refused:
        await rooms.remove('lobby', message.id, 'some-person', 'Mallory')
    assert refused.value.kind is ErrorKind.NOT_YOURS
    assert await rooms.history('lobby') == [message]
    assert await rooms.moderation_log() == []


async def test_a_moderator_removes_in_a_private_room_only_as_a_member(rooms: Rooms) -> None:
    token = await rooms.create_moderator_link()
    await rooms.make_moderator(token, 'mod-person', ip='10.0.0.1')
    room = await rooms.create_private('club', 'owner')
    message = await rooms.post(room, Author('tab-o', 'Owner'), 'private words')
    with pytest.raises(ChatError):
        await rooms.remove(room, message.id, 'mod-person', 'Mod')
    invite = await rooms.invite(room, 'owner')
    await rooms.redeem(invite.token, 'mod-person')
    assert (await rooms.remove(room, message.id, 'mod-person', 'Mod')).removed
