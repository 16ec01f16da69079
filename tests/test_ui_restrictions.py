"""Read-only rooms and mutes as simulated users see them: a moderator's controls, the line under the input, refused
sends that keep their text; and a script that is no moderator getting nowhere."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from nicegui import ElementFilter, app
from nicegui.testing import User

from chat.domain.notices import NoticeKind
from chat.domain.private import new_token, token_hash
from chat.domain.restrictions import READ_ONLY_REFUSAL
from chat.domain.rooms import Rooms
from chat.stores.messages.sqlite import SQLiteBackend
from chat.ui.activity import PeopleButton
from chat.ui.restrictions import READ_ONLY_MODERATOR
from tests.support.app_process import AppProcess
from tests.support.protocol import Browser, Network, ProtocolClient, listeners
from tests.support.simulated_user import (
    bubbles,
    composer_value,
    delete,
    edit,
    eventually,
    make_moderator,
    message_list,
    react,
    sees_message,
    send,
)


def model() -> Rooms:
    return app.state.rooms


def line(user: User) -> str:
    with user:
        (element,) = ElementFilter(marker='restriction-line')
    return element.text  # type: ignore[attr-defined,no-any-return]


def composer_error(user: User) -> str | None:
    with user:
        (element,) = ElementFilter(marker='composer-input')
    return element.props.get('error-message')  # type: ignore[no-any-return]


async def open_people_menu(user: User) -> None:
    with user:
        (people,) = ElementFilter(kind=PeopleButton)
    assert isinstance(people, PeopleButton)
    people.menu.value = True


async def open_mute_dialog(moderator: User) -> None:
    """From the moderator's people menu, where the one other person present has "Mute…"."""
    await open_people_menu(moderator)
    await moderator.should_see(marker='mute-person')  # one: the moderator's own name has none
    moderator.find(marker='mute-person').click()


async def mute(moderator: User, reason: str) -> None:
    await open_mute_dialog(moderator)
    moderator.find(marker='mute-reason').type(reason)
    moderator.find(marker='mute-confirm').click()


async def test_a_moderator_mutes_someone_whose_tab_says_why_and_refuses_their_text(
    create_user: Callable[[], User],
) -> None:
    moderator, bob, carol = create_user(), create_user(), create_user()
    await make_moderator(moderator)
    await bob.open('/')
    await send(bob, 'spam spam spam')
    await sees_message(moderator, 'spam spam spam')
    bobs_name = bubbles(moderator)[0].message.author.name
    await open_mute_dialog(moderator)
    await moderator.should_see(f'Mute {bobs_name}')
    moderator.find(marker='mute-reason').type('spamming the lobby')
    moderator.find(marker='mute-confirm').click()
    await eventually(lambda: line(bob).startswith('You are muted in this room until'))
    assert line(bob).endswith(': spamming the lobby') and line(moderator) == ''
    await send(bob, 'let me speak')
    await eventually(lambda: (composer_error(bob) or '').startswith('You are muted in this room until'))
    assert composer_value(bob) == 'let me speak'
    await carol.open('/')
    assert line(carol).startswith('You are muted'), "simulated users share one address: anonymously, it is Bob's too"
    await eventually(lambda: any(shown.message.notice for shown in bubbles(carol)))
    (notice,) = [shown.message.notice for shown in bubbles(carol) if shown.message.notice]
    assert (notice.kind, notice.target_name, notice.reason) == (NoticeKind.MUTED, bobs_name, 'spamming the lobby')
    await bob.open('/')
    assert line(bob).startswith('You are muted in this room'), 'a page opened while muted says so from the start'
    (entry,) = await model().moderation_log()
    assert (entry.action, entry.target) == ('muted', bobs_name)


async def test_a_moderator_cannot_mute_without_a_reason_and_the_dialog_says_so(create_user: Callable[[], User]) -> None:
    moderator, bob = create_user(), create_user()
    await make_moderator(moderator)
    await bob.open('/')
    await open_mute_dialog(moderator)
    moderator.find(marker='mute-confirm').click()
    await moderator.should_see('Say why, in a few words.')
    assert line(bob) == '' and await model().moderation_log() == []


async def test_a_moderator_makes_the_room_read_only_and_writable_again(create_user: Callable[[], User]) -> None:
    moderator, bob = create_user(), create_user()
    await make_moderator(moderator)
    await bob.open('/')
    moderator.find(marker='read-only-toggle').trigger('toggle', True)
    await eventually(lambda: line(bob) == READ_ONLY_REFUSAL)
    assert line(moderator) == READ_ONLY_MODERATOR
    await send(bob, 'may I?')
    await eventually(lambda: composer_error(bob) == READ_ONLY_REFUSAL)
    assert composer_value(bob) == 'may I?'
    await send(moderator, 'moderators still speak')
    await sees_message(bob, 'moderators still speak')
    await bob.open('/room/lobby')
    assert line(bob) == READ_ONLY_REFUSAL, 'a page opened later says so from the start'
    moderator.find(marker='read-only-toggle').trigger('toggle', False)
    await eventually(lambda: line(bob) == '')
    await send(bob, 'writable again')
    await sees_message(moderator, 'writable again')


async def test_no_one_else_gets_the_controls(create_user: Callable[[], User]) -> None:
    alice, bob = create_user(), create_user()
    await alice.open('/')
    await bob.open('/')
    await open_people_menu(alice)
    await alice.should_see(marker='people-names')
    await alice.should_not_see(marker='mute-person')
    await alice.should_not_see(marker='read-only-toggle')


async def test_a_raw_client_that_is_no_moderator_cannot_mute_or_make_the_room_read_only(
    chat_server: AppProcess, chat_env: Path, network: Network
) -> None:
    """A script speaking the page's protocol sends the clicks a moderator's tab sends (read-only toggle, Mute…): its
    own page has no such controls, so the server has nothing to run and nothing changes."""
    token = new_token()
    store = SQLiteBackend(chat_env / 'chat.db')  # a moderator link, written beside the running app
    await store.start(lambda message: None)
    await store.add_moderator_link(token_hash(token), time.time() + 600)
    await store.stop()
    moderators_browser = Browser(network)
    assert (await moderators_browser.http.get(f'{chat_server.url}/moderator/{token}')).status_code == 303
    moderator = ProtocolClient(moderators_browser, f'{chat_server.url}/')
    script = ProtocolClient(Browser(network), f'{chat_server.url}/')
    try:
        await moderator.open()
        await script.open()
        (lock,) = [element_id for element_id in moderator.elements if 'toggle' in listeners(moderator, element_id)]
        await script._emit_event(lock, listeners(moderator, lock)['toggle'], 'true')
        await script.post('after the clicks')  # answered after them: the socket keeps the order
        await moderator.wait_for(lambda: any(b.text == 'after the clicks' for b in moderator.bubbles.values()), 10)
        assert 'notice_announced' not in chat_server.log()
        assert [b.text for b in moderator.bubbles.values()] == ['after the clicks']
    finally:
        await moderator.close()
        await script.close()


async def test_a_muted_person_can_neither_edit_nor_react_and_their_tab_says_why(
    create_user: Callable[[], User],
) -> None:
    moderator, bob = create_user(), create_user()
    await make_moderator(moderator)
    await bob.open('/')
    await send(bob, 'an innocent message')
    await sees_message(moderator, 'an innocent message')
    (shown,) = bubbles(bob)
    await mute(moderator, 'spam')
    await eventually(lambda: line(bob).startswith('You are muted'))
    edit(bob, shown.message.id, 'BUY CHEAP WATCHES')
    await eventually(lambda: (message_list(bob).refusal or '').startswith('You are muted in this room until'))
    message_list(bob).refusal = None
    react(bob, shown.message.id, '👍')
    await eventually(lambda: (message_list(bob).refusal or '').startswith('You are muted in this room until'))
    seen, _notice = bubbles(moderator)
    assert (seen.text, seen.message.edited_at, seen.message.reactions) == ('an innocent message', None, ())
    delete(bob, shown.message.id)
    await eventually(lambda: bubbles(moderator)[0].message.deleted)
    assert message_list(bob).refusal is None, 'deleting stays allowed'


async def test_a_moderator_lifts_a_mute_from_the_people_menu_and_the_person_can_post_again(
    create_user: Callable[[], User],
) -> None:
    moderator, bob = create_user(), create_user()
    await make_moderator(moderator)
    await bob.open('/')
    await mute(moderator, 'spam')
    await eventually(lambda: line(bob).startswith('You are muted'))
    await moderator.should_see(marker='unmute-person')
    await moderator.should_not_see(marker='mute-person')
    moderator.find(marker='unmute-person').click()
    await eventually(lambda: line(bob) == '')
    await moderator.should_see(marker='mute-person')
    await send(bob, 'thank you')
    await sees_message(moderator, 'thank you')
    kinds = [shown.message.notice.kind for shown in bubbles(bob) if shown.message.notice]
    assert kinds == [NoticeKind.MUTED, NoticeKind.UNMUTED]
    entry = (await model().moderation_log())[0]
    assert entry.action == 'unmuted'
