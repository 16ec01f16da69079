"""The rooms at hand as simulated users see them: joining, leaving, counts from the store, no work per tab."""

from collections.abc import Callable
from typing import Any

import pytest
from nicegui import Client, ElementFilter, app
from nicegui.testing import User

from chat.domain.model import Author
from chat.internals import room_broadcast
from chat.ui import joined_rooms
from chat.ui.joined_rooms import MAX_JOINED, JoinedRooms, join_room, leave_room, mark_seen
from chat.ui.message_list import MessageList
from chat.ui.stream import EVENT, WATCH_EVENT
from tests.support.simulated_user import edit, eventually, sees_message, send


def side_list(user: User) -> JoinedRooms:
    with user:
        (element,) = ElementFilter(kind=JoinedRooms)
    return element


def entries(user: User) -> list[str]:
    """What the side list says for each room, e.g. "# kitchen, 3 unread", in its order."""
    return side_list(user).findable_text()


async def visit(user: User, room: str) -> Client:
    """Go to the room as a browser does, leaving the page it showed (its socket drops), and wait until it shows the
    room's latest messages, as a reader does before going elsewhere."""
    if user.client is not None:
        for socket_id in list(user.client._socket_to_document_id):
            user.client.handle_disconnect(socket_id)
    client = await user.open(f'/room/{room}')
    with user:
        (messages,) = ElementFilter(kind=MessageList)
    await eventually(lambda: messages.props['ready'])
    return client


async def post(user: User, room: str, *texts: str) -> None:
    await visit(user, room)
    for text in texts:
        await send(user, text)
        await sees_message(user, text)


async def test_opening_rooms_joins_them_and_the_open_one_is_marked(user: User) -> None:
    for room in ('kitchen', 'garden'):
        await user.open(f'/room/{room}')
    await user.open('/')
    await eventually(lambda: entries(user) == ['# garden', '# kitchen', '# lobby'])
    assert side_list(user).props['current'] == 'lobby'
    assert [entry['href'] for entry in side_list(user).props['rooms']] == ['/room/garden', '/room/kitchen', '/']


async def test_leaving_a_room_takes_it_off_the_list_for_good(user: User) -> None:
    kitchen = await visit(user, 'kitchen')
    await visit(user, 'garden')
    kitchen.delete()  # the kitchen's page goes once the tab left it; then only the garden's side list follows it
    assert app.state.rooms.subscriber_count('kitchen') == 1
    user.find(kind=JoinedRooms).trigger('leave', 'kitchen')
    await eventually(lambda: entries(user) == ['# garden'])
    assert app.state.rooms.subscriber_count('kitchen') == 0, 'nothing follows the room for this tab any more'
    await visit(user, 'garden')
    assert entries(user) == ['# garden']


async def test_leaving_the_open_room_goes_to_the_rooms_overview(user: User) -> None:
    await visit(user, 'kitchen')
    user.find(kind=JoinedRooms).trigger('leave', 'kitchen')
    await user.should_see('Open or create a room')
    await visit(user, 'garden')
    assert entries(user) == ['# garden']


async def test_a_name_not_in_the_list_leaves_nothing(user: User) -> None:
    await visit(user, 'kitchen')
    for name in ('garden', ['kitchen'], None, 42):
        user.find(kind=JoinedRooms).trigger('leave', name)
    await visit(user, 'kitchen')
    assert entries(user) == ['# kitchen']


async def test_unread_counts_come_from_the_store_and_reset_once_the_room_is_opened(
    create_user: Callable[[], User],
) -> None:
    alice, bob = create_user(), create_user()
    await post(alice, 'kitchen', 'mine, so seen')
    await visit(alice, 'garden')
    await post(bob, 'kitchen', 'one', 'two', 'three')
    await visit(alice, 'garden')
    await alice.should_see('# kitchen, 3 unread', retries=40)
    await visit(alice, 'kitchen')
    await eventually(lambda: entries(alice) == ['# garden', '# kitchen'])
    await visit(alice, 'garden')
    await eventually(lambda: entries(alice) == ['# garden', '# kitchen'])


async def test_a_count_past_99_says_99_plus(user: User) -> None:
    await visit(user, 'kitchen')
    await visit(user, 'garden')
    for number in range(101):
        await app.state.rooms.post('kitchen', Author('bob-tab', 'Bob'), f'message {number}')
    await visit(user, 'garden')
    await user.should_see('# kitchen, 99+ unread', retries=40)


async def test_a_message_in_a_listed_room_costs_one_emit_to_its_watchers_and_no_update_in_any_tab(
    create_user: Callable[[], User], monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob = create_user(), create_user()
    await visit(alice, 'kitchen')
    await visit(alice, 'garden')
    await post(bob, 'kitchen', 'first')
    await visit(alice, 'garden')
    await alice.should_see('# kitchen, 1 unread', retries=40)
    emits: list[tuple[str, str, Any, bool]] = []
    original = room_broadcast.emit

    async def recorded(room: str, event: str, data: Any, *, watch: bool = False) -> None:
        emits.append((room, event, data, watch))
        await original(room, event, data, watch=watch)

    monkeypatch.setattr(room_broadcast, 'emit', recorded)
    element = side_list(alice)
    before = (len(alice.client.elements), dict(element.props))
    await send(bob, 'second')
    await sees_message(bob, 'second')
    await eventually(lambda: any(event == WATCH_EVENT for _, event, _, _ in emits))
    (news,) = [(room, data, watch) for room, event, data, watch in emits if event == WATCH_EVENT]
    assert news == ('kitchen', {'room': 'kitchen', 'ids': [news[1]['ids'][0]]}, True)
    assert (len(alice.client.elements), dict(element.props)) == before, 'the browser counts; the tab is untouched'

    edit(bob, news[1]['ids'][0], 'second, edited')
    await eventually(lambda: any(event == EVENT and 'edited' in data['messages'][0] for _, event, data, _ in emits))
    assert [event for _, event, _, _ in emits].count(WATCH_EVENT) == 1, 'an edit is nothing new to read'


def test_a_browser_keeps_its_most_recently_opened_rooms_with_what_it_saw() -> None:
    storage: dict[str, Any] = {}
    for number in range(MAX_JOINED + 1):
        join_room(storage, f'room-{number}')
    rooms = joined_rooms.joined_rooms(storage)
    assert len(rooms) == MAX_JOINED and 'room-0' not in rooms
    mark_seen(storage, 'room-1', 7)
    join_room(storage, 'room-1')
    assert list(joined_rooms.joined_rooms(storage))[-1] == 'room-1'
    assert joined_rooms.joined_rooms(storage)['room-1'] == 7
    leave_room(storage, 'room-1')
    mark_seen(storage, 'room-1', 8)
    assert 'room-1' not in joined_rooms.joined_rooms(storage), 'a tab closing on a room it left does not rejoin it'
