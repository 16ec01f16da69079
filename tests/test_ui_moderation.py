"""Moderation as simulated users see it: a moderator link makes the browser that opens it a moderator, once."""

from collections.abc import Callable

from nicegui import app
from nicegui.testing import User

from chat.domain.moderation import LINK_REFUSAL, LOG_PAGE, NOT_A_MODERATOR, REMOVE, LogEntry
from chat.domain.restrictions import MUTE, READ_ONLY
from chat.domain.rooms import Rooms
from chat.ui.message_list import REMOVED, MessageList
from chat.ui.moderation import LOG_REFUSAL, WELCOME, describe
from tests.support.app_process import AppProcess
from tests.support.protocol import Browser, Network, ProtocolClient
from tests.support.simulated_user import bubbles, eventually, make_moderator, message_list, sees_message, send


def model() -> Rooms:
    return app.state.rooms


async def test_a_moderator_link_welcomes_the_browser_that_opens_it_and_no_one_after(
    create_user: Callable[[], User],
) -> None:
    alice, bob = create_user(), create_user()
    token = await model().create_moderator_link()
    await alice.open(f'/moderator/{token}')
    await alice.should_see(WELCOME)
    await alice.should_see(marker='message-list')
    await bob.open(f'/moderator/{token}')
    await bob.should_see(LINK_REFUSAL)
    await bob.should_not_see(marker='message-list')
    await alice.open('/')
    await alice.should_see(marker='message-list')
    assert alice.notify.messages.count(WELCOME) == 1  # said once


async def test_a_hostile_token_gets_the_same_line(user: User) -> None:
    for token in ('x' * 5000, '%00%ff..', 'not-a-token'):
        await user.open(f'/moderator/{token}')
        await user.should_see(LINK_REFUSAL)


async def test_a_moderator_removes_anothers_message_and_every_tab_says_so(create_user: Callable[[], User]) -> None:
    moderator, bob = create_user(), create_user()
    await make_moderator(moderator)
    await bob.open('/')
    await send(bob, 'something rude')
    await sees_message(moderator, 'something rude')
    assert message_list(moderator).props['moderator'] and not message_list(bob).props['moderator']
    (shown,) = bubbles(moderator)
    moderator.find(kind=MessageList).trigger('remove', shown.message.id)
    await sees_message(bob, REMOVED)
    await sees_message(moderator, REMOVED)
    await bob.should_not_see('something rude')
    (entry,) = await model().moderation_log()
    assert (entry.action, entry.room, entry.target) == ('remove', 'lobby', shown.message.author.name)


async def test_a_non_moderators_remove_request_changes_nothing(create_user: Callable[[], User]) -> None:
    alice, bob = create_user(), create_user()
    await alice.open('/')
    await send(alice, 'keep me')
    await bob.open('/')
    await sees_message(bob, 'keep me')
    (shown,) = bubbles(bob)
    bob.find(kind=MessageList).trigger('remove', shown.message.id)
    await eventually(lambda: message_list(bob).refusal == NOT_A_MODERATOR)
    assert [item.text for item in bubbles(alice)] == ['keep me']
    assert await model().moderation_log() == []


async def test_a_raw_client_that_is_no_moderator_cannot_remove_a_message(
    chat_server: AppProcess, network: Network
) -> None:
    """A script speaking the page's protocol sends the request a moderator's tab would: the server refuses it."""
    author = ProtocolClient(Browser(network), f'{chat_server.url}/')
    script = ProtocolClient(Browser(network), f'{chat_server.url}/')
    try:
        await author.open()
        await script.open()
        await author.post('not yours to remove')
        await script.wait_for(lambda: any(b.text == 'not yours to remove' for b in script.bubbles.values()), 10)
        (target,) = script.bubbles
        await script.change('remove', target)
        await script.post('after the request')  # answered after it: the socket keeps the order
        await author.wait_for(lambda: any(b.text == 'after the request' for b in author.bubbles.values()), 10)
        assert author.bubbles[target].text == 'not yours to remove'
        refused = 'event=message_not_removed room=lobby reason=not_yours'
        await script.wait_for(lambda: refused in chat_server.log(), 10)  # the log is read as the app writes it
    finally:
        for tab in (author, script):
            await tab.close()


async def test_the_moderation_log_is_for_moderators_only_newest_first_and_paged(
    create_user: Callable[[], User],
) -> None:
    moderator, bob = create_user(), create_user()
    await make_moderator(moderator)
    for i in range(LOG_PAGE + 2):
        await model().log_action('Mod Ann', REMOVE, 'lobby', f'Person {i:02}', f'message {i}')
    await moderator.open('/')
    await moderator.should_see(marker='moderation-link')
    await moderator.open('/moderation')
    await moderator.should_see(f'Person {LOG_PAGE + 1:02}')
    await moderator.should_not_see('Person 01')
    moderator.find(marker='older-entries').click()
    await moderator.should_see('Person 01')
    await moderator.should_see('Person 00')
    await moderator.should_not_see(f'Person {LOG_PAGE + 1:02}')

    await bob.open('/')
    await bob.should_not_see(marker='moderation-link')
    await bob.open('/moderation')
    await bob.should_see(LOG_REFUSAL)
    await bob.should_not_see('Person 00')
    await bob.should_not_see('Mod Ann')


def test_each_log_line_reads_as_a_sentence() -> None:
    at = 1_764_500_000.0  # 2025-11-30 10:53 UTC
    assert [
        describe(LogEntry(1, at, 'Ann', REMOVE, 'lobby', 'Bob', 'message 12')),
        describe(LogEntry(2, at, 'Ann', MUTE, 'lobby', 'Bob', '1 hour everywhere: spam')),
        describe(LogEntry(3, at, 'Ann', READ_ONLY, 'lobby', '', '')),
    ] == [
        '2025-11-30 10:53 UTC · Ann removed a message by Bob in #lobby (message 12)',
        '2025-11-30 10:53 UTC · Ann muted Bob in #lobby (1 hour everywhere: spam)',
        '2025-11-30 10:53 UTC · Ann made the room read-only in #lobby',
    ]
