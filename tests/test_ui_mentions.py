"""Mentions as simulated users see them: who is highlighted, what the sender is told of a shared name, the
suggestions' answer, picks and forged picks, and the side list's marker."""

from collections.abc import Callable
from typing import Any

import pytest
from nicegui import ElementFilter, app
from nicegui.testing import User

from chat.domain.model import Person, public_token
from chat.ui.joined_rooms import JoinedRooms
from chat.ui.mentions import MAX_SUGGESTED, MentionPicker
from chat.ui.message_list import MessageList
from tests.support.simulated_user import bubbles, eventually, sees_message, send


async def rename(user: User, name: str) -> None:
    user.find(marker='name-input').clear().type(name).trigger('keydown.enter')


def picker(user: User) -> MentionPicker:
    with user:
        (element,) = ElementFilter(kind=MentionPicker)
    return element


def highlighted(user: User) -> list[str]:
    return [shown.text for shown in bubbles(user) if shown.mentions_me]


def names_here(user: User) -> list[str]:
    return [person.name for person in picker(user)._stream.activity.people]


def entries(user: User) -> list[str]:
    with user:
        (side,) = ElementFilter(kind=JoinedRooms)
    return side.findable_text()


async def visit(user: User, room: str) -> None:
    """Go to the room as a browser does, leaving the page it showed (its socket drops), and wait for its messages."""
    if user.client is not None:
        for socket_id in list(user.client._socket_to_document_id):
            user.client.handle_disconnect(socket_id)
    await user.open(f'/room/{room}')
    with user:
        (messages,) = ElementFilter(kind=MessageList)
    await eventually(lambda: messages.props['ready'])


async def room_of(create_user: Callable[[], User], *names: str) -> list[User]:
    users = []
    for name in names:
        user = create_user()
        await user.open('/')
        await rename(user, name)
        users.append(user)
    await eventually(lambda: all(names_here(user) == sorted(names) for user in users), tries=80)
    return users


def suggestions(user: User, prefix: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """What the picker answers when `@prefix` is typed: the event the browser sends, the reply it gets."""
    element = picker(user)
    replies: list[Any] = []
    with monkeypatch.context() as patched:
        patched.setattr(element, 'run_method', lambda name, reply: replies.append(reply))
        user.find(kind=MentionPicker).trigger('people', prefix)
    (reply,) = replies
    return reply


async def test_a_mention_is_highlighted_only_for_the_person_mentioned(create_user: Callable[[], User]) -> None:
    sam, alex, carol = await room_of(create_user, 'Sam', 'Alex', 'Carol')
    await send(sam, 'hey @alex, lunch?')
    for user in (sam, alex, carol):
        await sees_message(user, 'hey @alex, lunch?')
    assert highlighted(alex) == ['hey @alex, lunch?']
    assert highlighted(sam) == highlighted(carol) == []
    late = create_user()
    await late.open('/')
    await sees_message(late, 'hey @alex, lunch?')
    assert highlighted(late) == []


async def test_a_shared_name_reaches_everyone_of_that_name_and_the_sender_is_told(
    create_user: Callable[[], User],
) -> None:
    sam, alex, other_alex = await room_of(create_user, 'Sam', 'Alex', 'Alex')
    await send(sam, '@Alex the build is green')
    await sam.should_see(
        '@Alex reached 2 people named Alex; to reach one, type @ and pick them from the list.', retries=40
    )
    for user in (alex, other_alex):
        await eventually(lambda user=user: highlighted(user) == ['@Alex the build is green'])


async def test_a_picked_person_alone_is_mentioned_and_a_forged_pick_reaches_nobody(
    create_user: Callable[[], User], monkeypatch: pytest.MonkeyPatch
) -> None:
    sam, alex, other_alex = await room_of(create_user, 'Sam', 'Alex', 'Alex')
    reply = suggestions(sam, 'al', monkeypatch)
    assert sorted(reply['people']) == sorted([['Alex', *token_and_tag(alex)], ['Alex', *token_and_tag(other_alex)]])
    assert token_and_tag(alex)[1] != token_and_tag(other_alex)[1], 'same-named people are told apart'
    sam.find(kind=MentionPicker).trigger('pick', token(other_alex))
    await send(sam, '@Alex only you')
    await eventually(lambda: highlighted(other_alex) == ['@Alex only you'])
    await sees_message(alex, '@Alex only you')
    assert highlighted(alex) == []
    await sam.should_not_see('reached 2 people')

    sam.find(kind=MentionPicker).trigger('pick', token(alex))
    await send(sam, 'no name typed here')
    await sees_message(alex, 'no name typed here')
    assert highlighted(alex) == [], 'a pick the text does not name mentions nobody'


def token(user: User) -> str:
    """The public token mentions name this simulated user's browser by."""
    return public_token(picker(user)._browser_id)


def token_and_tag(user: User) -> list[str]:
    return [token(user), token(user)[:4]]


async def test_suggestions_name_the_people_here_but_the_asker_and_start_with_what_is_typed(
    create_user: Callable[[], User], monkeypatch: pytest.MonkeyPatch
) -> None:
    sam, alex = await room_of(create_user, 'Sam', 'Alex')
    assert suggestions(sam, '', monkeypatch) == {
        'prefix': '',
        'people': [['Alex', *token_and_tag(alex)]],
        'complete': True,
    }
    assert suggestions(sam, 'AL', monkeypatch)['people'] == [['Alex', *token_and_tag(alex)]]
    assert suggestions(sam, 'x', monkeypatch)['people'] == []


async def test_suggestions_are_bounded(create_user: Callable[[], User], monkeypatch: pytest.MonkeyPatch) -> None:
    (sam,) = await room_of(create_user, 'Sam')
    for number in range(MAX_SUGGESTED + 5):
        app.state.rooms.join('lobby', Person(f'browser-{number}', f'Person {number:02}'), lambda activity: None)
    await eventually(lambda: len(names_here(sam)) == MAX_SUGGESTED + 6, tries=80)
    reply = suggestions(sam, 'person', monkeypatch)
    assert (len(reply['people']), reply['complete']) == (MAX_SUGGESTED, False)
    assert len(suggestions(sam, 'person 5', monkeypatch)['people']) == 5


async def test_the_side_list_marks_a_room_where_the_browser_was_mentioned(create_user: Callable[[], User]) -> None:
    alice, bob = create_user(), create_user()
    await visit(alice, 'kitchen')
    await visit(alice, 'garden')
    app.state.rooms.join('kitchen', Person(picker(alice)._browser_id, 'Alice'), lambda activity: None)
    await visit(bob, 'kitchen')
    for text in ('not for you', 'hey @Alice'):
        await send(bob, text)
        await sees_message(bob, text)
    await visit(alice, 'garden')
    await alice.should_see('# kitchen, 2 unread, mentioned', retries=40)
    await visit(alice, 'kitchen')
    await visit(alice, 'garden')
    await eventually(lambda: entries(alice) == ['# garden', '# kitchen'])
