"""Private rooms in the room model: names that reveal nothing, owners who invite, invites that make members."""

import pytest

from chat.domain.model import ChatError, validate_room
from chat.domain.private import Access, is_private, private_room_name, token_hash
from chat.domain.rooms import Rooms


def test_a_private_name_is_a_room_name_no_public_room_can_have() -> None:
    first, second = private_room_name('Book-Club '), private_room_name('book-club')
    assert first.startswith('~book-club-') and first != second
    assert validate_room(first) == first and is_private(first) and not is_private('book-club')
    with pytest.raises(ChatError):
        private_room_name('no spaces')


async def test_the_creator_owns_the_room_and_everyone_else_is_outside(rooms: Rooms) -> None:
    room = await rooms.create_private('club', 'alice')
    assert await rooms.access(room, 'alice') is Access.OWNER
    assert await rooms.access(room, 'bob') is Access.NONE
    assert await rooms.access('lobby', 'bob') is Access.MEMBER


async def test_only_the_owner_invites_and_an_invite_makes_a_member(rooms: Rooms) -> None:
    room = await rooms.create_private('club', 'alice')
    with pytest.raises(ChatError):
        await rooms.invite(room, 'bob')
    invite = await rooms.invite(room, 'alice', uses=1, days=1)
    assert token_hash(invite.token) != invite.token and len(invite.token) >= 32
    assert await rooms.redeem(invite.token, 'bob') == room
    assert await rooms.access(room, 'bob') is Access.MEMBER
    assert await rooms.redeem(invite.token, 'carol') is None
    assert await rooms.redeem('guessed', 'carol') is None


async def test_invite_limits_out_of_range_are_refused(rooms: Rooms) -> None:
    room = await rooms.create_private('club', 'alice')
    for uses, days in ((0, None), (None, 0), (None, 10_000)):
        with pytest.raises(ChatError):
            await rooms.invite(room, 'alice', uses=uses, days=days)
