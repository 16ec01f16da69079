"""Private rooms as simulated users see them: create one, invite, join by the link; everyone else is refused."""

from collections.abc import Callable

from nicegui import ElementFilter, ui
from nicegui.testing import User

from chat.domain.private import INVITE_REFUSAL, PRIVATE_REFUSAL
from chat.ui.room_list import RoomList
from tests.support.simulated_user import bubbles, eventually, sees_message, send


async def create_private_room(user: User, name: str) -> str:
    """Create a private room from the rooms page and return its full name, as the owner's header shows it."""
    await user.open('/rooms')
    user.find(marker='private-room-input').type(name)
    user.find(marker='create-private').click()
    await user.should_see(marker='invite-button')
    with user:
        (heading,) = ElementFilter(marker='room-name')
    assert isinstance(heading, ui.label)
    return heading.text.removeprefix('# ')


async def invite_link(user: User) -> str:
    with user:
        (field,) = ElementFilter(marker='invite-link')
    assert isinstance(field, ui.input)
    shown = field.value
    user.find(marker='invite-button').click()
    await eventually(lambda: field.value != shown)  # each press makes a new link
    return str(field.value)


def page_texts(user: User) -> list[str]:
    with user:
        return [element.text for element in ElementFilter(kind=ui.label)]


async def test_a_non_member_gets_the_same_refusal_for_a_private_room_and_for_no_room(
    create_user: Callable[[], User],
) -> None:
    alice, bob = create_user(), create_user()
    room = await create_private_room(alice, 'family')
    assert room.startswith('~family-')
    await send(alice, 'the secret recipe')
    await sees_message(alice, 'the secret recipe')

    await bob.open(f'/room/{room}')
    await bob.should_see(PRIVATE_REFUSAL)
    refused = page_texts(bob)
    await bob.should_not_see(marker='message-list')
    await bob.should_not_see(marker='composer-input')
    await bob.open('/room/~family-zzzzzz')
    await bob.should_see(PRIVATE_REFUSAL)
    assert page_texts(bob) == refused


async def test_private_rooms_are_not_listed_on_the_rooms_page(create_user: Callable[[], User]) -> None:
    alice, bob = create_user(), create_user()
    room = await create_private_room(alice, 'family')
    await send(alice, 'hello')
    await sees_message(alice, 'hello')
    for user in (alice, bob):
        await user.open('/rooms')
        await user.should_see('No room has messages yet')
        await user.should_not_see(kind=RoomList)
    await bob.open(f'/rooms?q={room[:3]}')
    await bob.should_not_see(kind=RoomList)


async def test_the_owners_invite_link_makes_a_member_who_sees_the_room(create_user: Callable[[], User]) -> None:
    alice, bob = create_user(), create_user()
    room = await create_private_room(alice, 'family')
    await send(alice, 'welcome, Bob')
    await sees_message(alice, 'welcome, Bob')
    link = await invite_link(alice)
    assert '/invite/' in link

    await bob.open(link[link.index('/invite/') :])
    await sees_message(bob, 'welcome, Bob')
    await bob.should_not_see(marker='invite-button')  # a member, not the owner
    await send(alice, 'glad you came')
    await eventually(lambda: [shown.text for shown in bubbles(bob)] == ['welcome, Bob', 'glad you came'])
    await bob.open(f'/room/{room}')
    await sees_message(bob, 'glad you came')


async def test_a_bad_or_used_up_invite_gets_one_and_the_same_line(create_user: Callable[[], User]) -> None:
    alice, bob = create_user(), create_user()
    await create_private_room(alice, 'family')
    link = await invite_link(alice)
    path = link[link.index('/invite/') :]
    await bob.open('/invite/not-a-real-token')
    await bob.should_see(INVITE_REFUSAL)
    refused = page_texts(bob)
    await bob.open(path)
    await bob.should_see(marker='message-list')
    assert refused == [INVITE_REFUSAL]


async def test_a_room_name_that_cannot_be_private_is_refused_on_the_rooms_page(user: User) -> None:
    await user.open('/rooms')
    user.find(marker='private-room-input').type('Not Valid').trigger('keydown.enter')
    await user.should_see('Private room names use 1 to 33 lowercase letters')
