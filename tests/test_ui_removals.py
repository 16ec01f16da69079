"""A member removed from a private room, as a script would be: a raw protocol client whose page was open."""

import re
from collections.abc import Callable
from pathlib import Path

import orjson

from chat.domain.private import PRIVATE_REFUSAL, new_token, token_hash
from chat.stores.messages.sqlite import SQLiteBackend
from tests.support.app_process import AppProcess
from tests.support.protocol import Browser, Network, ProtocolClient, hear_everything, listeners


def button(tab: ProtocolClient, label: str) -> tuple[str, str]:
    """The element id and click listener of the button whose aria-label starts with `label`."""
    for element_id, element in tab.elements.items():
        if str(element.get('props', {}).get('aria-label', '')).startswith(label):
            (listener,) = [listener for listener in element.get('events', ()) if listener['type'] == 'click']
            return element_id, listener['listener_id']
    raise LookupError(f'no button labelled {label!r}')


async def test_a_removed_members_socket_gets_nothing_more_of_the_room(
    start_server: Callable[..., AppProcess], chat_env: Path, network: Network
) -> None:
    server = start_server()
    owner_browser, member_browser = Browser(network), Browser(network)
    creating = ProtocolClient(owner_browser, f'{server.url}/rooms')
    await creating.open()
    heard = hear_everything(creating)
    await creating._type_and_enter(creating._labelled_input('Private room name'), 'vault')
    await creating.wait_for(lambda: re.search(rb'/room/(~vault-[a-z0-9]{6})', b''.join(heard)), 10)
    found = re.search(rb'/room/(~vault-[a-z0-9]{6})', b''.join(heard))
    assert found is not None
    room = found.group(1).decode()
    token = new_token()
    store = SQLiteBackend(chat_env / 'chat.db')  # the owner's invite, written beside the running app
    await store.start(lambda message: None)
    await store.add_invite(token_hash(token), room, None, None)
    await store.stop()
    assert (await member_browser.http.get(f'{server.url}/invite/{token}')).status_code == 303

    owner = ProtocolClient(owner_browser, f'{server.url}/room/{room}')
    member = ProtocolClient(member_browser, f'{server.url}/room/{room}')
    try:
        await owner.open()
        await owner.post('secret before')
        await member.open()
        await member.wait_for(lambda: any(b.text == 'secret before' for b in member.bubbles.values()), 10)
        before_id = max(member.bubbles)
        list_id = member._list_id
        requests = listeners(member, list_id)
        search = member._labelled_input('Search this room')

        members_id, members_click = button(owner, 'Members')
        await owner._emit_event(members_id, members_click)
        await owner.wait_for(lambda: any('Remove' in str(e.get('props', {})) for e in owner.elements.values()), 10)
        remove_id, remove_click = button(owner, 'Remove')
        heard_by_member = hear_everything(member)
        await owner._emit_event(remove_id, remove_click)
        await member.wait_for(lambda: PRIVATE_REFUSAL in str(member.elements), 10)
        refused_at = len(heard_by_member)

        await owner.post('secret after')
        await owner.wait_for(lambda: any(b.text == 'secret after' for b in owner.bubbles.values()), 10)
        for request, value in (('resume', 0), ('older', before_id + 1), ('around', before_id)):
            await member.socket.emit('event', member._event(list_id, requests[request], orjson.dumps(value).decode()))
        await member._type_and_enter(search, 'secret')
        await owner.post('secret last')
        await owner.wait_for(lambda: any(b.text == 'secret last' for b in owner.bubbles.values()), 10)
        after_removal = b''.join(heard_by_member[refused_at:])
        assert b'secret' not in after_removal and room.encode() not in after_removal
        assert b'secret' not in b''.join(heard_by_member), 'not even the notice of the removal'
    finally:
        for tab in (creating, owner, member):
            await tab.close()
