"""Private rooms as simulated users see them: create one, invite, join by the link; everyone else is refused."""

import re
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import httpx
import pytest
from nicegui import ElementFilter, app, ui
from nicegui.testing import User

from chat.domain.model import Author
from chat.domain.private import INVITE_REFUSAL, PRIVATE_REFUSAL, new_token, private_room_name, token_hash
from chat.stores.messages.sqlite import SQLiteBackend
from chat.ui.room_list import RoomList
from tests.support.app_process import AppProcess
from tests.support.protocol import MESSAGE_LIST, Browser, Network, ProtocolClient, hear_everything, parse_page
from tests.support.simulated_user import bubbles, create_private_room, eventually, invite_link, sees_message, send


def invite_path(link: str) -> str:
    return link[link.index('/invite/') :]


def terms(user: User) -> str:
    with user:
        (label,) = ElementFilter(marker='invite-terms')
    assert isinstance(label, ui.label)
    return label.text


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

    await bob.open(invite_path(link))
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


async def test_a_one_use_link_admits_one_browser_and_says_so_to_the_next(create_user: Callable[[], User]) -> None:
    alice, bob, carol = create_user(), create_user(), create_user()
    await create_private_room(alice, 'family')
    link = await invite_link(alice, uses='1 use', lifetime='Never')
    assert terms(alice) == 'Good for 1 use, with no time limit.'

    await bob.open(invite_path(link))
    await bob.should_see(marker='message-list')
    await carol.open(invite_path(link))
    await carol.should_see(INVITE_REFUSAL)
    assert page_texts(carol) == [INVITE_REFUSAL]
    await carol.should_not_see(marker='message-list')


async def test_a_link_past_its_lifetime_is_refused_and_its_end_is_shown_in_words(
    create_user: Callable[[], User], monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob = create_user(), create_user()
    await create_private_room(alice, 'family')
    made = time.time()
    link = await invite_link(alice, uses='5 uses', lifetime='1 hour')
    ends = [datetime.fromtimestamp(made + 3600 + extra, UTC).strftime('%-d %b, %H:%M') for extra in (0, 60)]
    assert terms(alice) in {f'Good for 5 uses, until {end}.' for end in ends}

    rooms_module = sys.modules[type(app.state.rooms).__module__]
    monkeypatch.setattr(rooms_module, 'time', SimpleNamespace(time=lambda: made + 3601 + 60))
    await bob.open(invite_path(link))
    await bob.should_see(INVITE_REFUSAL)
    await bob.should_not_see(marker='message-list')


async def test_the_default_link_lasts_a_week_for_any_number_of_uses(create_user: Callable[[], User]) -> None:
    alice = create_user()
    await create_private_room(alice, 'family')
    await invite_link(alice)
    assert terms(alice).startswith('Good for any number of uses, until ')


async def test_a_room_name_that_cannot_be_private_is_refused_on_the_rooms_page(user: User) -> None:
    await user.open('/rooms')
    user.find(marker='private-room-input').type('Not Valid').trigger('keydown.enter')
    await user.should_see('Private room names use 1 to 33 lowercase letters')


async def seed_private_room(data_dir: Path, token: str) -> tuple[str, int]:
    """A private room owned by a browser that is not in the test, with an invite `token` and one message, written
    before the app starts; its name and that message's id."""
    backend = SQLiteBackend(data_dir / 'chat.db')
    await backend.start(lambda message: None)
    room = private_room_name('vault')
    await backend.create_private(room, 'the-owner', time.time())
    await backend.add_invite(token_hash(token), room, None, None)
    message = await backend.append(room, Author('owner-tab', 'Owner'), 'secret from before')
    await backend.stop()
    return room, message.id


async def test_a_non_members_socket_gets_nothing_of_a_private_room(
    start_server: Callable[..., AppProcess], chat_env: Path, network: Network
) -> None:
    """Raw protocol clients, as a script would be: the outsider's page of the room, its socket while a member posts
    there, and its own room's requests naming the private message's id, carry none of the private messages."""
    token = new_token()
    room, old_id = await seed_private_room(chat_env, token)
    server = start_server()
    member_browser, outsider_browser = Browser(network), Browser(network)
    joined = await member_browser.http.get(f'{server.url}/invite/{token}')
    assert (joined.status_code, joined.headers['location']) == (303, f'/room/{room}')
    member = ProtocolClient(member_browser, f'{server.url}/room/{room}')
    outsider = ProtocolClient(outsider_browser, f'{server.url}/room/{room}')
    lobby = ProtocolClient(outsider_browser, f'{server.url}/')
    refused = await outsider_browser.http.get(f'{server.url}/invite/{new_token()}')
    assert INVITE_REFUSAL in refused.text and room not in refused.text
    try:
        await member.open()
        await member.wait_for(lambda: list(member.bubbles) == [old_id], 10)
        await outsider.open()
        assert PRIVATE_REFUSAL in str(outsider.elements) and 'secret' not in str(outsider.elements)
        assert not any(element['tag'] == MESSAGE_LIST for element in outsider.elements.values())
        await lobby.open()
        heard_by_outsider, heard_by_lobby = hear_everything(outsider), hear_everything(lobby)
        await member.post('secret said live')
        await member.wait_for(lambda: any(b.text == 'secret said live' for b in member.bubbles.values()), 10)
        for request, value in (('resume', 0), ('older', old_id + 1_000_000), ('around', old_id)):
            await lobby.change(request, value)
        await lobby.post('lobby message after the requests')  # answered after them: the socket keeps the order
        await lobby.wait_for(lambda: any('after the requests' in b.text for b in lobby.bubbles.values()), 10)
        everything = b''.join([*heard_by_outsider, *heard_by_lobby])
        assert b'after the requests' in everything, 'the recorder hears the socket'
        assert b'secret' not in everything and room.encode() not in everything
    finally:
        for tab in (member, outsider, lobby):
            await tab.close()


HOSTILE_TOKENS = {
    'long': 'a' * 10_000,
    'nul': '\x00',
    'dots': '..',
    'unicode': 'ü€😀\u202e',
    'markup': '<script>alert(1)<script>',
}


def get_from(server: AppProcess, source: str, path: str) -> httpx.Response:
    """One GET of a browser without cookies on the loopback address `source` (another address to the server)."""
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport, trust_env=False, timeout=30) as client:
        return client.get(server.url + path)


@pytest.mark.settings(invites_per_minute=5)
async def test_an_address_guessing_invite_links_is_refused_after_its_tries_and_others_still_join(
    start_server: Callable[..., AppProcess], chat_env: Path
) -> None:
    """Each guess past the limit gets a 429 and one line, and costs the store nothing; other addresses are not
    affected, and hostile tokens get the one refusal and are not echoed."""
    token = new_token()
    room, _ = await seed_private_room(chat_env, token)
    server = start_server()
    answers = [get_from(server, '127.0.0.2', f'/invite/{new_token()}') for _ in range(12)]
    assert [answer.status_code for answer in answers] == [200] * 5 + [429] * 7
    assert all(INVITE_REFUSAL in answer.text for answer in answers[:5])
    assert re.fullmatch(
        r'Too many invite links opened from your network address\. Wait \d+ seconds and try again\.\n', answers[-1].text
    )
    assert server.log().count('event=invite_refused') == 5, 'no store lookup past the limit'

    joined = get_from(server, '127.0.0.1', f'/invite/{token}')
    assert (joined.status_code, joined.headers['location']) == (303, f'/room/{room}')

    for name, hostile in HOSTILE_TOKENS.items():
        refused = get_from(server, '127.0.0.3', '/invite/' + quote(hostile, safe='').replace('.', '%2E'))
        assert refused.status_code == 200 and INVITE_REFUSAL in refused.text, name
        shown = str(parse_page(refused.text).elements)
        assert hostile not in shown and 'alert(1)' not in refused.text, name
    assert server.log().count('event=invite_refused') == 5, 'a token no link can have is not looked up'
    assert 'a' * 1000 not in server.log() and '<script>' not in server.log()
