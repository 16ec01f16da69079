"""The owner's Members dialog as simulated users see it, and what a removed member's open tabs show at once."""

from collections.abc import Callable

from nicegui import ElementFilter, ui
from nicegui.testing import User

from chat.domain.private import PRIVATE_REFUSAL
from chat.ui.joined_rooms import JoinedRooms
from chat.ui.message_list import MessageList
from tests.support.simulated_user import create_private_room, eventually, invite_link, sees_message, send


def listed_rooms(user: User) -> list[str]:
    with user:
        (joined,) = ElementFilter(kind=JoinedRooms)
    return [entry['name'] for entry in joined.props['rooms']]


def dialog_texts(user: User, marker: str) -> list[str]:
    with user:
        return [label.text for label in ElementFilter(kind=ui.label).within(marker=marker)]


async def test_the_owner_removes_a_member_whose_open_tabs_lose_the_room_at_once(
    create_user: Callable[[], User],
) -> None:
    owner, guest = create_user(), create_user()
    room = await create_private_room(owner, 'family')
    link = await invite_link(owner)
    await send(owner, 'welcome')
    await guest.open(link[link.index('/invite/') :])
    await sees_message(guest, 'welcome')

    owner.find(marker='members-button').click()
    await owner.should_see(marker='members-list')
    await eventually(lambda: len(dialog_texts(owner, 'members-list')) == 2)
    assert dialog_texts(owner, 'members-list')[0].endswith('(owner)')
    assert len(dialog_texts(owner, 'invites-list')) == 1, 'the invite link made above'
    owner.find(marker='remove-member').click()
    await eventually(lambda: len(dialog_texts(owner, 'members-list')) == 1)

    await guest.should_see(PRIVATE_REFUSAL)
    await guest.should_not_see(kind=MessageList)
    await send(owner, 'said after the removal')
    await sees_message(owner, 'said after the removal')
    await guest.should_not_see('said after the removal')
    await guest.open(f'/room/{room}')
    await guest.should_see(PRIVATE_REFUSAL)
    await guest.open('/')
    assert room not in listed_rooms(guest), 'the side list checks membership as it is built'
    with owner:
        (owners_list,) = ElementFilter(kind=MessageList)
    assert [shown.message.notice is not None for shown in owners_list.shown] == [False, True, False]


async def test_the_owner_revokes_an_invite_link_that_then_makes_no_member(create_user: Callable[[], User]) -> None:
    owner, guest = create_user(), create_user()
    await create_private_room(owner, 'family')
    link = await invite_link(owner)
    owner.find(marker='members-button').click()
    await eventually(lambda: len(dialog_texts(owner, 'invites-list')) == 1)
    assert link.rsplit('/', 1)[-1] not in str(dialog_texts(owner, 'invites-list'))
    owner.find(marker='revoke-invite').click()
    await owner.should_see('None: the Invite button makes one.')
    await guest.open(link[link.index('/invite/') :])
    await guest.should_see('This invite link is not valid')
