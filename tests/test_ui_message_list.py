"""Editing and deleting one's own messages, reacting and replying to any, as several simulated tabs of a room see it."""

from collections.abc import Callable

import pytest
from nicegui import ElementFilter, app
from nicegui.testing import User

from chat.domain.model import Quote
from chat.domain.rooms import Rooms
from chat.ui.message_list import MessageList
from tests.support.simulated_user import (
    bubbles,
    composer_value,
    delete,
    edit,
    eventually,
    react,
    reply,
    sees_message,
    send,
)


def texts(user: User) -> list[tuple[str, bool, bool]]:
    """(text, edited, deleted) of each message the tab shows."""
    return [(b.text, b.message.edited_at is not None, b.message.deleted) for b in bubbles(user)]


async def two_tabs(create_user: Callable[[], User]) -> tuple[User, User]:
    alice, bob = create_user(), create_user()
    for user in (alice, bob):
        await user.open('/')
    await send(alice, 'helo wrld')
    await send(bob, 'hi')
    await eventually(lambda: len(bubbles(alice)) == len(bubbles(bob)) == 2)
    return alice, bob


async def test_an_edit_reaches_every_tab_of_the_room_in_place(create_user: Callable[[], User]) -> None:
    alice, bob = await two_tabs(create_user)
    mine = bubbles(alice)[0].message
    edit(alice, mine.id, 'hello world')
    for user in (alice, bob):
        await eventually(lambda user=user: texts(user) == [('hello world', True, False), ('hi', False, False)])
    assert bubbles(alice)[0].own and not bubbles(bob)[0].own

    late = create_user()
    await late.open('/')
    await eventually(lambda: texts(late) == [('hello world', True, False), ('hi', False, False)])


async def test_a_deletion_leaves_a_line_in_every_tab_and_in_the_history(create_user: Callable[[], User]) -> None:
    alice, bob = await two_tabs(create_user)
    delete(alice, bubbles(alice)[0].message.id)
    for user in (alice, bob):
        await eventually(lambda user=user: texts(user) == [('', True, True), ('hi', False, False)])
    await bob.should_see('message deleted')
    late = create_user()
    await late.open('/')
    await eventually(lambda: texts(late) == [('', True, True), ('hi', False, False)])


async def test_nobody_else_may_change_a_message_and_they_are_told_why(create_user: Callable[[], User]) -> None:
    """Bob's page has no menu on Alice's bubble; a forged request names her message and is refused."""
    alice, bob = await two_tabs(create_user)
    hers = bubbles(bob)[0].message
    edit(bob, hers.id, 'forged')
    await bob.should_see('You can only edit your own messages.')
    delete(bob, hers.id)
    await bob.should_see('You can only delete your own messages.')
    edit(alice, hers.id, '  ')
    await alice.should_see('Type a message first.')
    assert texts(alice) == texts(bob) == [('helo wrld', False, False), ('hi', False, False)]
    for forged in ({'id': hers.id}, {'id': 'x', 'text': 'y'}, {'id': True, 'text': 'y'}, ['x'], None):
        bob.find(kind=MessageList).trigger('edit', forged)
    bob.find(kind=MessageList).trigger('delete', {'id': hers.id})
    await send(alice, 'still here')
    await eventually(lambda: [b.text for b in bubbles(bob)] == ['helo wrld', 'hi', 'still here'])


@pytest.mark.settings(message_burst=3)
async def test_edits_are_held_to_the_tabs_message_rate(create_user: Callable[[], User]) -> None:
    alice = create_user()
    await alice.open('/')
    await send(alice, 'one')
    await sees_message(alice, 'one')
    mine = bubbles(alice)[0].message
    edit(alice, mine.id, 'two')
    await sees_message(alice, 'two')
    edit(alice, mine.id, 'three')
    await sees_message(alice, 'three')
    edit(alice, mine.id, 'four')
    await alice.should_see('You are sending too fast.')
    assert [b.text for b in bubbles(alice)] == ['three']


async def test_a_tab_back_from_a_drop_gets_the_changes_it_missed(create_user: Callable[[], User]) -> None:
    """A change to a message the tab already shows is not "after its last message": the resume brings it."""
    alice, bob = await two_tabs(create_user)
    with bob:
        (bob_list,) = ElementFilter(kind=MessageList)
    last = bubbles(bob)[-1].message.id
    rooms: Rooms = app.state.rooms
    edited = await rooms.edit('lobby', bubbles(alice)[0].message.id, bubbles(alice)[0].message.author.id, 'fixed')
    sent: list[tuple[str, dict]] = []
    bob_list.run_method = lambda name, *args, **_: sent.append((name, *args))  # type: ignore[method-assign]
    bob.find(kind=MessageList).trigger('resume', last)
    await eventually(lambda: bool(sent))
    ((name, reply),) = sent
    assert name == 'receive' and [(m['id'], m['parts']) for m in reply['messages']] == [(edited.id, ['fixed'])]


def reactions(user: User) -> list[list[tuple[str, list[str]]]]:
    """Each shown message's reactions: (emoji, names of who chose it)."""
    return [[(r.emoji, [author.name for author in r.authors]) for r in b.message.reactions] for b in bubbles(user)]


async def test_reactions_reach_every_tab_live_and_a_chip_toggles_ones_own(create_user: Callable[[], User]) -> None:
    alice, bob = await two_tabs(create_user)
    hers, his = (b.message for b in bubbles(bob))
    a, b = hers.author.name, his.author.name
    react(bob, hers.id, '🎉')
    react(alice, hers.id, '🎉')
    react(alice, hers.id, '👍')
    for user in (alice, bob):
        await eventually(lambda user=user: reactions(user) == [[('👍', [a]), ('🎉', [b, a])], []])
    react(bob, hers.id, '🎉', on=False)
    for user in (alice, bob):
        await eventually(lambda user=user: reactions(user) == [[('👍', [a]), ('🎉', [a])], []])
    late = create_user()
    await late.open('/')
    await eventually(lambda: reactions(late) == [[('👍', [a]), ('🎉', [a])], []])
    assert [b.text for b in bubbles(late)] == ['helo wrld', 'hi'], 'a reaction leaves the text as it was'


async def test_forged_reactions_are_refused_and_change_nothing(create_user: Callable[[], User]) -> None:
    alice, bob = await two_tabs(create_user)
    hers = bubbles(bob)[0].message
    react(bob, hers.id, '<img src=x onerror=alert(1)>')
    await bob.should_see('Pick one of 👍 ❤️ 😂 🎉 😮 😢.')
    for forged in ({'id': hers.id, 'emoji': '👍'}, {'id': hers.id, 'emoji': '👍', 'on': 'yes'}, ['👍'], None):
        bob.find(kind=MessageList).trigger('react', forged)
    await send(alice, 'still here')
    await eventually(lambda: [b.text for b in bubbles(bob)] == ['helo wrld', 'hi', 'still here'])
    assert reactions(alice) == reactions(bob) == [[], [], []]


@pytest.mark.settings(reaction_burst=3, reactions_per_second=0.01)
async def test_a_burst_of_reactions_from_one_tab_is_refused_past_the_limit(create_user: Callable[[], User]) -> None:
    alice, bob = await two_tabs(create_user)
    theirs = bubbles(alice)[1].message
    for emoji in ('👍', '❤️', '😂'):
        react(alice, theirs.id, emoji)
    await eventually(lambda: len(reactions(bob)[1]) == 3)
    react(alice, theirs.id, '🎉')
    await alice.should_see('You are reacting too fast.')
    react(bob, theirs.id, '😢')
    await eventually(lambda: [r for r, _ in reactions(alice)[1]] == ['👍', '❤️', '😂', '😢'])


def quotes(user: User) -> list[tuple[str, Quote | None]]:
    """(text, quote) of each message the tab shows."""
    return [(b.text, b.message.quote) for b in bubbles(user)]


async def test_a_reply_shows_its_quote_in_every_tab_and_to_a_late_joiner(create_user: Callable[[], User]) -> None:
    alice, bob = await two_tabs(create_user)
    hers = bubbles(bob)[0].message
    reply(bob, hers.id)
    await bob.should_see(marker='reply-bar')
    await bob.should_see('Replying to ' + hers.author.name)
    await send(bob, 'hello to you')
    quote = Quote(hers.id, hers.author.name, 'helo wrld', False)
    for user in (alice, bob):
        await eventually(lambda user=user: quotes(user)[-1] == ('hello to you', quote))
    await bob.should_not_see(marker='reply-bar')
    await send(bob, 'not a reply')
    await eventually(lambda: quotes(alice)[-1] == ('not a reply', None))
    late = create_user()
    await late.open('/')
    await eventually(lambda: quotes(late)[2:] == [('hello to you', quote), ('not a reply', None)])


async def test_quotes_follow_their_original_edited_then_deleted(create_user: Callable[[], User]) -> None:
    alice, bob = await two_tabs(create_user)
    hers = bubbles(alice)[0].message
    reply(bob, hers.id)
    await bob.should_see(marker='reply-bar')
    await send(bob, 'what?')
    await eventually(lambda: len(bubbles(alice)) == 3)
    edit(alice, hers.id, 'hello world, ' + 'and more ' * 10)
    words = 'hello world, and more and more and more and more and more and more and more and…'
    edited = Quote(hers.id, hers.author.name, words, False)
    for user in (alice, bob):
        await eventually(lambda user=user: quotes(user)[-1] == ('what?', edited))
    delete(alice, hers.id)
    gone = Quote(hers.id, hers.author.name, '', True)
    for user in (alice, bob):
        await eventually(lambda user=user: quotes(user)[-1] == ('what?', gone))
    late = create_user()
    await late.open('/')
    await eventually(lambda: quotes(late)[-1:] == [('what?', gone)])
    assert not any('hello world' in text for text in late.find(kind=MessageList).elements.pop().findable_text())


@pytest.mark.settings(keep_messages=3)
async def test_a_reply_to_a_message_not_in_the_room_is_refused_and_the_text_kept(
    create_user: Callable[[], User],
) -> None:
    alice, bob = await two_tabs(create_user)
    await bob.open('/room/elsewhere')
    await send(bob, 'in another room')
    await eventually(lambda: len(bubbles(bob)) == 1)
    elsewhere = bubbles(bob)[0].message
    refusal = 'The message you reply to is no longer in this room; cancel the reply to send.'
    for forged in (elsewhere.id, 10**30, -1, 'x', None, {'id': 1}):
        alice.find(kind=MessageList).trigger('reply', forged)
    await alice.should_see(refusal)
    await alice.should_not_see(marker='reply-bar')

    first = bubbles(alice)[0].message
    reply(alice, first.id)
    await alice.should_see(marker='reply-bar')
    carol = create_user()
    await carol.open('/')
    for text in ('the room keeps 3:', 'the first message leaves it'):
        await send(carol, text)
        await eventually(lambda: composer_value(carol) == '')
    await eventually(lambda: len(bubbles(alice)) == 4)  # the tab still shows it; the store no longer has it
    await send(alice, 'too late')
    await alice.should_see(refusal)
    assert composer_value(alice) == 'too late'
    await alice.should_see(marker='reply-bar')
    alice.find(marker='composer-input').trigger('keydown.escape')
    await alice.should_not_see(marker='reply-bar')
    alice.find(marker='composer-input').trigger('keydown.enter')
    await eventually(lambda: quotes(alice)[-1] == ('too late', None))


async def test_the_cross_cancels_a_reply(create_user: Callable[[], User]) -> None:
    alice, _ = await two_tabs(create_user)
    reply(alice, bubbles(alice)[1].message.id)
    await alice.should_see(marker='reply-bar')
    alice.find(marker='reply-cancel').click()
    await alice.should_not_see(marker='reply-bar')
    await send(alice, 'plain')
    await eventually(lambda: quotes(alice)[-1] == ('plain', None))
