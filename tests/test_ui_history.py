"""History as simulated users see it: latest page on join, "Load older", a bounded page, one order."""

from collections.abc import Callable

import pytest
from nicegui import ElementFilter, app
from nicegui.testing import User

from chat.domain.model import Author
from chat.domain.rooms import Rooms
from chat.ui.message_list import MAX_SHOWN, PAGE_SIZE, MessageList
from tests.support.simulated_user import bubbles, composer_value, eventually, send
from tests.support.stores import sqlite_connection

SEEDER = Author('seed-tab', 'Seeder')


def model() -> Rooms:
    return app.state.rooms


async def seed(room: str, count: int) -> list[int]:
    """Post `count` messages through the room model, as other people would have earlier."""
    return [(await model().post(room, SEEDER, f'old {i}')).id for i in range(count)]


def shown_ids(user: User) -> list[int]:
    return [bubble.message.id for bubble in bubbles(user)]


async def test_joining_shows_the_latest_page_and_offers_older_ones(user: User) -> None:
    ids = await seed('lobby', PAGE_SIZE + 20)
    await user.open('/')
    await eventually(lambda: shown_ids(user) == ids[-PAGE_SIZE:])
    assert first_page(user) == (ids[-PAGE_SIZE:], True)


async def test_an_empty_room_offers_no_older_messages(user: User) -> None:
    await user.open('/room/empty')
    await user.should_see('# empty')
    await eventually(lambda: first_page(user) == ([], False))


async def test_a_page_holds_a_bounded_number_of_messages(user: User) -> None:
    await user.open('/room/busy')
    await user.should_see('# busy')
    ids = await seed('busy', MAX_SHOWN + 10)
    await eventually(lambda: shown_ids(user) == ids[-MAX_SHOWN:], tries=100)
    assert len(await model().history('busy', limit=MAX_SHOWN + 10)) == MAX_SHOWN + 10, 'dropped from the page only'


def first_page(user: User) -> tuple[list[int], bool]:
    """The ids of the page the list element was handed once connected, and whether it offers "Load older"."""
    with user:
        (message_list,) = ElementFilter(kind=MessageList)
    return [message['id'] for message in message_list.props['messages']], message_list.props['more']


async def test_a_failing_store_keeps_the_text_and_shows_nothing(
    create_user: Callable[[], User], caplog: pytest.LogCaptureFixture
) -> None:
    alice, bob = create_user(), create_user()
    await alice.open('/')
    await bob.open('/')
    await model().listing()  # the store is open
    database = sqlite_connection(model().backend)
    await database.execute('PRAGMA query_only = ON')  # writes now fail as on a read-only file
    await send(alice, 'will this be saved?')
    await alice.should_see('Your message could not be saved. Please try again.')
    assert composer_value(alice) == 'will this be saved?'
    assert bubbles(alice) == bubbles(bob) == []
    assert 'event=store_failed' in caplog.text
    caplog.clear()

    await database.execute('PRAGMA query_only = OFF')  # the disk is back
    alice.find(marker='composer-input').trigger('keydown.enter')
    await eventually(lambda: [b.text for b in bubbles(bob)] == ['will this be saved?'])
    assert composer_value(alice) == ''
    await alice.should_not_see('could not be saved')


@pytest.mark.settings(ip_message_burst=0)  # twelve tabs of one address, posting at once
async def test_concurrent_posts_appear_in_one_order_everywhere(create_user: Callable[[], User]) -> None:
    users = [create_user() for _ in range(12)]
    for user in users:
        await user.open('/room/race')
    for round_ in range(3):
        for index, user in enumerate(users):
            user.find(marker='composer-input').clear().type(f'{index}.{round_}')
        for user in users:  # every Enter starts its send at once; none waits for another
            user.find(marker='composer-input').trigger('keydown.enter')
        await eventually(lambda: all(composer_value(user) == '' for user in users))
    for user in users:  # an input is cleared when its send starts; wait for the sends to be stored and shown
        await eventually(lambda user=user: len(shown_ids(user)) >= 3 * len(users), tries=400)
    stored = [message.id for message in await model().history('race', limit=100)]
    assert len(stored) == 3 * len(users)
    for user in users:
        await eventually(lambda user=user: shown_ids(user) == stored)


async def test_the_header_leads_to_the_rooms_page(user: User) -> None:
    await user.open('/room/somewhere')
    user.find(marker='rooms-link').click()
    await user.should_see('Open or create a room')


async def test_a_jump_far_back_shows_the_messages_around_it_and_the_live_ones_wait_below(user: User) -> None:
    ids = await seed('deep', MAX_SHOWN + 100)
    await user.open('/room/deep')
    await eventually(lambda: shown_ids(user) == ids[-PAGE_SIZE:])
    message_list = user.find(kind=MessageList)
    for forged in ('10', -1, True, None, {'id': 10}):
        message_list.trigger('around', forged)
    message_list.trigger('around', ids[10])
    await eventually(lambda: shown_ids(user) == ids[:36])  # the ten before it, and 25 after
    (later,) = await seed('deep', 1)
    assert shown_ids(user) == ids[:36], 'what is posted meanwhile waits for "Jump to latest"'

    message_list.trigger('resume', ids[35])
    await eventually(lambda: shown_ids(user) == [*ids, later][-PAGE_SIZE:])


async def test_a_jump_to_a_message_the_room_no_longer_keeps_says_so(user: User) -> None:
    ids = await seed('deep', 3)
    await user.open('/room/deep')
    await eventually(lambda: shown_ids(user) == ids)
    user.find(kind=MessageList).trigger('around', ids[-1] + 1000)
    await user.should_see('That message is no longer kept.')
    assert shown_ids(user) == ids
