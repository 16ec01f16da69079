"""The room page as simulated users see it: several clients at once, own vs others, refusals."""

import asyncio
import time
from collections.abc import Callable

import pytest
from nicegui import ElementFilter, app, ui
from nicegui.testing import User

from chat.domain.rooms import STORE_UNAVAILABLE
from chat.ui.composer import Composer
from chat.ui.message_list import MessageList
from chat.ui.stream import wire
from tests.support.simulated_user import bubble_styles, bubbles, composer_value, eventually, sees_message, send
from tests.support.stores import hold_appends


async def test_a_message_is_own_for_the_sender_and_others_for_everyone_else(create_user: Callable[[], User]) -> None:
    alice, bob, carol = create_user(), create_user(), create_user()
    for user in (alice, bob, carol):
        await user.open('/')
    await send(alice, 'Hello from Alice')
    await sees_message(alice, 'Hello from Alice')
    await eventually(lambda: bubble_styles(bob) == [('Hello from Alice', 'others')])
    assert bubble_styles(alice) == [('Hello from Alice', 'own')]
    assert bubble_styles(carol) == [('Hello from Alice', 'others')]

    await send(bob, 'Hi Alice', press='button')
    await eventually(lambda: len(bubbles(alice)) == 2)
    assert bubble_styles(alice) == [('Hello from Alice', 'own'), ('Hi Alice', 'others')]
    assert bubble_styles(bob) == [('Hello from Alice', 'others'), ('Hi Alice', 'own')]


async def test_a_new_message_costs_no_element_and_no_update_in_any_client(create_user: Callable[[], User]) -> None:
    """The message goes to every tab in one emit of the room's stream; no tab's element tree changes."""
    alice, bob = create_user(), create_user()
    await alice.open('/')
    await bob.open('/')
    await send(alice, 'first')
    await eventually(lambda: len(bubbles(bob)) == 1)
    with bob:
        (message_list,) = ElementFilter(kind=MessageList)
    before = (len(bob.client.elements), dict(message_list.props))
    await send(alice, 'second')
    await eventually(lambda: [b.text for b in bubbles(bob)] == ['first', 'second'])
    assert (len(bob.client.elements), dict(message_list.props)) == before


async def test_each_message_names_its_author_and_time_but_not_the_tab(create_user: Callable[[], User]) -> None:
    """What goes to every tab: the display name, a public token for "own", the time for the browser's clock."""
    alice = create_user()
    await alice.open('/')
    with alice:
        name = alice.find(marker='name-input').elements.pop().value
        (message_list,) = ElementFilter(kind=MessageList)
    await send(alice, 'signed https://example.org/x.')
    await sees_message(alice, 'signed')
    (shown,) = bubbles(alice)
    sent = wire(shown.message)
    assert (sent['name'], sent['parts']) == (name, ['signed ', 'https://example.org/x', '.'])
    assert sent['author'] == message_list.props['me'] != ''
    assert shown.message.author.id not in str(sent), 'the tab id, which decides who posts, stays on the server'
    assert abs(sent['at'] / 1000 - time.time()) < 60


async def test_sending_clears_the_input(user: User) -> None:
    await user.open('/')
    await send(user, 'clear me')
    await sees_message(user, 'clear me')
    assert composer_value(user) == ''


async def test_a_fast_typist_keeps_each_message_whole_and_in_order(user: User) -> None:
    """The next message is typed and sent before the store confirmed the first."""
    await user.open('/')
    held = hold_appends(app.state.rooms)
    await send(user, 'first')
    await eventually(lambda: composer_value(user) == '')
    await send(user, 'second')
    held.release()
    await eventually(lambda: [b.text for b in bubbles(user)] == ['first', 'second'])
    assert composer_value(user) == ''


async def test_rooms_are_isolated(create_user: Callable[[], User]) -> None:
    alice, bob = create_user(), create_user()
    await alice.open('/room/kitchen')
    await bob.open('/room/garden')
    await alice.should_see('# kitchen')
    await send(alice, 'only in the kitchen')
    await sees_message(alice, 'only in the kitchen')
    await send(bob, 'only in the garden')
    await sees_message(bob, 'only in the garden')
    assert bubble_styles(bob) == [('only in the garden', 'own')]
    assert bubble_styles(alice) == [('only in the kitchen', 'own')]


@pytest.mark.parametrize('text', ['', '   '])
async def test_blank_text_is_not_sent(user: User, text: str) -> None:
    await user.open('/')
    await send(user, text)
    await user.should_see('Type a message first.')
    assert bubbles(user) == []
    assert composer_value(user) == text


async def test_too_long_text_is_refused_and_kept(user: User) -> None:
    await user.open('/')
    long_text = 'x' * 2001
    await send(user, long_text)
    await user.should_see('2001 / 2000')
    await user.should_see('Your message has 2001 characters; the limit is 2000.')
    assert bubbles(user) == []
    assert composer_value(user) == long_text
    user.find(marker='composer-input').clear().type('short now')
    user.find(marker='composer-input').trigger('keydown.enter')
    await sees_message(user, 'short now')
    await user.should_not_see('the limit is 2000')


async def test_html_is_shown_literally(create_user: Callable[[], User]) -> None:
    alice, bob = create_user(), create_user()
    await alice.open('/')
    await bob.open('/')
    payloads = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '**not bold**']
    for payload in payloads:
        await send(alice, payload)
        await sees_message(alice, payload)
    await eventually(lambda: len(bubbles(bob)) == 3)
    assert [b.text for b in bubbles(bob)] == payloads
    with bob:
        assert not list(ElementFilter(kind=ui.html))


async def test_own_messages_stay_own_after_a_reload(user: User) -> None:
    await user.open('/')
    await send(user, 'before reload')
    await sees_message(user, 'before reload')
    await user.open('/')
    await sees_message(user, 'before reload')
    assert bubble_styles(user) == [('before reload', 'own')]


async def test_late_joiners_see_the_history(create_user: Callable[[], User]) -> None:
    alice = create_user()
    await alice.open('/')
    for i in range(3):
        await send(alice, f'history {i}')
        await sees_message(alice, f'history {i}')
    bob = create_user()
    await bob.open('/')
    await eventually(lambda: len(bubbles(bob)) == 3)
    assert bubble_styles(bob) == [(f'history {i}', 'others') for i in range(3)]


async def test_renaming_changes_the_author_of_later_messages(create_user: Callable[[], User]) -> None:
    alice, bob = create_user(), create_user()
    await alice.open('/')
    await bob.open('/')
    name_input = alice.find(marker='name-input')
    name_input.clear().type('  Alice  ').trigger('keydown.enter')
    await send(alice, 'as Alice')
    await eventually(lambda: len(bubbles(bob)) == 1)
    assert bubbles(bob)[0].message.author.name == 'Alice'

    await alice.open('/')
    with alice:
        assert alice.find(marker='name-input').elements.pop().value == 'Alice'


async def test_an_invalid_name_is_refused_with_a_reason(user: User) -> None:
    await user.open('/')
    user.find(marker='name-input').clear().type('x' * 40).trigger('blur')
    await user.should_see('Names have at most 32 characters.')
    user.find(marker='name-input').clear().type('\u200b').trigger('keydown.enter')
    await user.should_see('Names cannot contain control or invisible characters.')


async def test_a_closed_page_leaves_no_subscriber(create_user: Callable[[], User]) -> None:
    alice, bob = create_user(), create_user()
    await alice.open('/')
    await bob.open('/room/other')
    assert (await alice.http_client.get('/healthz')).json()['subscribers'] == 2
    alice.client.delete()
    bob.client.delete()
    assert (await alice.http_client.get('/healthz')).json()['subscribers'] == 0


async def test_health_is_200_while_the_store_answers_and_503_when_it_does_not(user: User) -> None:
    await user.open('/')
    await app.state.rooms.listing()  # the store has opened (NiceGUI opens it in the background)
    healthy = await user.http_client.get('/healthz')
    assert (healthy.status_code, healthy.json()['status']) == (200, 'ok')
    for lateness in (healthy.json()['loop_lag_ms'], healthy.json()['loop_busy_ms']):
        assert lateness and all(isinstance(late, float) for late in lateness), 'worst lateness per second'
    await app.state.rooms.backend.stop()  # the database is gone from under the process
    failing = await user.http_client.get('/healthz')
    assert (failing.status_code, failing.json()['status']) == (503, 'unavailable')


async def test_an_invalid_room_name_gets_a_friendly_page(user: User) -> None:
    await user.open('/room/Not A Room!')
    await user.should_see('That is not a room name')
    await user.should_see('Room names use 1 to 40 lowercase letters, digits, "-" or "_".')
    await user.should_see('Open #not-a-room instead')
    user.find(marker='suggested-room').click()
    await user.should_see('# not-a-room')


async def test_a_tab_sending_too_fast_is_told_to_slow_down_and_keeps_its_text(create_user: Callable[[], User]) -> None:
    flooder, reader = create_user(), create_user()
    await flooder.open('/')
    await reader.open('/')
    burst = [f'quick {index}' for index in range(5)]
    for text in burst:
        await send(flooder, text)
        await eventually(lambda: composer_value(flooder) == '')
    await send(flooder, 'one too many')
    await flooder.should_see('You are sending too fast. Wait 1 second and try again.')
    assert composer_value(flooder) == 'one too many'
    await eventually(lambda: [bubble.text for bubble in bubbles(reader)] == burst)
    assert [bubble.text for bubble in bubbles(flooder)] == burst, 'the excess is neither stored nor shown'

    async def press_enter_until_sent() -> bool:
        flooder.find(marker='composer-input').trigger('keydown.enter')
        await asyncio.sleep(0.1)
        return composer_value(flooder) == ''

    for _ in range(30):  # a person presses Enter again now and then; after a second it goes
        if await press_enter_until_sent():
            break
    await eventually(lambda: [bubble.text for bubble in bubbles(reader)] == [*burst, 'one too many'])


@pytest.mark.settings(tabs_per_ip=2)
async def test_an_address_with_too_many_tabs_gets_a_notice_instead_of_the_room(
    create_user: Callable[[], User],
) -> None:
    first, second, third = create_user(), create_user(), create_user()
    await first.open('/')
    await second.open('/room/elsewhere')
    await third.open('/')
    await third.should_see('Your network address already has 2 chat tabs open, the most allowed.')
    await third.should_not_see(marker='composer-input')
    await send(first, 'the open tabs still work')
    await sees_message(first, 'the open tabs still work')


async def test_a_double_enter_sends_once_and_says_nothing(user: User) -> None:
    await user.open('/')
    user.find(marker='composer-input').type('hello')
    with user:
        (composer,) = ElementFilter(kind=Composer)
    await composer.submit('hello')
    await composer.submit('hello')  # the second press, before the browser showed the input cleared
    await composer.submit('')  # the second press, after it did
    await sees_message(user, 'hello')
    assert [bubble.text for bubble in bubbles(user)] == ['hello']
    await user.should_not_see('Type a message first.')
    await send(user, 'hello')
    await eventually(lambda: [bubble.text for bubble in bubbles(user)] == ['hello', 'hello'])


@pytest.mark.settings(rooms_per_minute=1)
async def test_starting_too_many_rooms_is_refused_with_the_wait(user: User) -> None:
    await user.open('/room/first')
    await send(user, 'a new room')
    await sees_message(user, 'a new room')
    await user.open('/room/second')
    await send(user, 'another new room')
    await user.should_see('You started 1 room within a minute. Wait')
    assert composer_value(user) == 'another new room'
    await user.open('/room/first')
    await send(user, 'existing rooms are fine')
    await sees_message(user, 'existing rooms are fine')


async def test_while_the_store_is_not_open_the_room_says_so_keeps_the_text_and_so_do_the_rooms(user: User) -> None:
    await user.open('/room/open')
    await app.state.rooms.listing()  # the store has opened (NiceGUI opens it in the background)
    await user.should_not_see(marker='store-unavailable')
    await app.state.rooms.stop()  # as if it had never opened
    await user.open('/room/closed')
    await user.should_see(marker='store-unavailable')
    await send(user, 'kept while the store is closed')
    await user.should_see(STORE_UNAVAILABLE)
    assert composer_value(user) == 'kept while the store is closed'
    await user.open('/rooms')
    await user.should_see(STORE_UNAVAILABLE)
