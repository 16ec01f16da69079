"""Sign-in through a proxy: who a header names, and which requests the gate lets through, against a real app."""

from __future__ import annotations

import asyncio
import uuid

import aiohttp
import httpx
import pytest
import socketio

from chat.internals.connection_caps import PEER_TRUSTED
from chat.sign_in import BAD_IDENTITY, NOT_SIGNED_IN, SIGNED_IN, NotSignedIn, SignedIn, SignIn, SignInGate
from chat.ui.identity import public_token
from tests.support.app_process import AppProcess
from tests.support.protocol import parse_page, query_string

SECRET = 'a session secret of some length'
SIGN_IN = SignIn.keyed_by(SECRET, 'Remote-User', 'Remote-Name')


def headers(**given: str | bytes) -> list[tuple[bytes, bytes]]:
    return [
        (name.replace('_', '-').lower().encode(), value if isinstance(value, bytes) else value.encode())
        for name, value in given.items()
    ]


def test_the_same_user_is_the_same_person_anywhere_and_others_are_others() -> None:
    alice = SIGN_IN.identify(headers(remote_user='alice'))
    assert SIGN_IN.identify(headers(remote_user='alice', user_agent='another browser')) == alice
    bob = SIGN_IN.identify(headers(remote_user='bob'))
    assert bob.author_id != alice.author_id and bob.person_id != alice.person_id
    assert alice.author_id != alice.person_id


def test_ids_are_keyed_so_no_page_can_tell_whose_token_is_whose() -> None:
    alice = SIGN_IN.identify(headers(remote_user='alice'))
    elsewhere = SignIn.keyed_by('another secret, another chat', 'Remote-User').identify(headers(remote_user='alice'))
    assert elsewhere.author_id != alice.author_id
    for token in (public_token(alice.author_id), public_token(alice.person_id), alice.author_id, alice.person_id):
        assert 'alice' not in token


def test_the_name_comes_from_the_name_header_or_else_the_user() -> None:
    assert SIGN_IN.identify(headers(remote_user='alice', remote_name='Alice Liddell')).name == 'Alice Liddell'
    assert SIGN_IN.identify(headers(remote_user='alice')).name == 'alice'
    assert SIGN_IN.identify(headers(remote_user='alice', remote_name=' ')).name == 'alice'
    long_user = 'a.very.long.user.name.indeed@example.com'
    assert SIGN_IN.identify(headers(remote_user=long_user)).name == long_user[:32]
    assert SIGN_IN.identify(headers(remote_user='zoë', remote_name='Zoë Ünal'.encode())).name == 'Zoë Ünal'


@pytest.mark.parametrize(
    ('given', 'reason'),
    [
        (headers(), 'no_header'),
        (headers(remote_user=''), 'bad_header'),
        (headers(remote_user=' alice'), 'bad_header'),
        (headers(remote_user='ali\tce'), 'bad_header'),
        (headers(remote_user=b'\xff\xfe'), 'bad_header'),
        (headers(remote_user='a' * 257), 'bad_header'),
        (headers(remote_user='mallory') + headers(remote_user='alice'), 'repeated_header'),
        (headers(remote_user='{http.reverse_proxy.header.Remote-User}'), 'unfilled_placeholder'),
    ],
)
def test_a_missing_repeated_or_unusable_user_is_refused(given: list[tuple[bytes, bytes]], reason: str) -> None:
    with pytest.raises(NotSignedIn) as refused:
        SIGN_IN.identify(given)
    assert refused.value.reason == reason
    assert refused.value.message == (NOT_SIGNED_IN if reason in ('no_header', 'unfilled_placeholder') else BAD_IDENTITY)


def test_a_name_the_proxy_left_unfilled_is_no_name() -> None:
    given = headers(remote_user='alice', remote_name='{http.reverse_proxy.header.Remote-Name}')
    assert SIGN_IN.identify(given).name == 'alice'


async def gate(path: str, trusted: bool, given: list[tuple[bytes, bytes]]) -> tuple[int, bytes, SignedIn | None]:
    """Send one request through the gate; return its status, its body and who the app saw."""
    seen: list[SignedIn | None] = []
    sent: list[dict] = []

    async def app(scope, receive, send) -> None:
        seen.append(scope.get(SIGNED_IN))
        await send({'type': 'http.response.start', 'status': 200, 'headers': []})
        await send({'type': 'http.response.body', 'body': b'page'})

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {'type': 'http', 'path': path, 'headers': given, 'client': ('203.0.113.7', 0), PEER_TRUSTED: trusted}
    await SignInGate(app, SIGN_IN)(scope, None, send)
    return sent[0]['status'], sent[1]['body'], seen[0] if seen else None


async def test_the_gate_lets_signed_in_pages_through_and_refuses_the_rest() -> None:
    status, _, person = await gate('/room/x', True, headers(remote_user='alice'))
    assert (status, person) == (200, SIGN_IN.identify(headers(remote_user='alice')))
    assert await gate('/room/x', True, []) == (403, f'{NOT_SIGNED_IN}\n'.encode(), None)
    assert await gate('/rooms', False, headers(remote_user='alice')) == (403, f'{NOT_SIGNED_IN}\n'.encode(), None)
    assert await gate('/', True, headers(remote_user='\x00')) == (403, f'{BAD_IDENTITY}\n'.encode(), None)
    assert await gate('/healthz', False, []) == (200, b'page', None)
    assert await gate('/_nicegui/3.0.0/static/nicegui.js', False, []) == (200, b'page', None)


def get(server: AppProcess, path: str, source: str = '127.0.0.1', **given: str) -> httpx.Response:
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport, trust_env=False, timeout=30) as client:
        return client.get(server.url + path, headers={name.replace('_', '-'): value for name, value in given.items()})


@pytest.mark.settings(auth_header='Remote-User', auth_name_header='Remote-Name')
def test_a_real_app_serves_signed_in_pages_only_from_its_trusted_proxy(chat_server: AppProcess) -> None:
    page = get(chat_server, '/room/signed', remote_user='alice@example.com', remote_name='Alice')
    assert page.status_code == 200 and 'Alice' in page.text
    assert 'alice@example.com' not in page.text, "the user is the proxy's to know; pages see a digest"
    assert get(chat_server, '/rooms', remote_user='alice').status_code == 200

    for refused in (get(chat_server, '/'), get(chat_server, '/room/signed', '127.0.0.2', remote_user='alice')):
        assert refused.status_code == 403 and refused.text == f'{NOT_SIGNED_IN}\n'
        assert refused.headers['x-frame-options'] == 'DENY'
    bad = get(chat_server, '/rooms', remote_user='x' * 300)
    assert (bad.status_code, bad.text) == (403, f'{BAD_IDENTITY}\n')
    assert get(chat_server, '/healthz', '127.0.0.2').status_code == 200
    assert 'event=sign_in_refused reason=untrusted_peer ip=127.0.0.2' in chat_server.log()
    assert 'x' * 300 not in chat_server.log()


def test_without_sign_in_a_header_changes_nothing(chat_server: AppProcess) -> None:
    page = get(chat_server, '/', '127.0.0.2', remote_user='alice')
    assert page.status_code == 200 and 'alice' not in page.text


def test_a_moderator_named_in_the_settings_is_the_person_the_proxy_signs_in() -> None:
    sign_in = SignIn.keyed_by('a-secret-of-16-characters', 'Remote-User')
    assert sign_in.person_id('alice') == sign_in.identify([(b'remote-user', b'alice')]).person_id
    assert sign_in.person_id('alice') != sign_in.person_id('bob')


async def page_socket(server: AppProcess, query: dict, source: str, **given: str) -> tuple[bool, list[str]]:
    """Open a Socket.IO connection for a page's `query` from `source` with the headers `given`, as a script
    would; whether the server let its handshake through, and the events it heard within a second."""
    heard: list[str] = []
    connector = aiohttp.TCPConnector(local_addr=(source, 0))
    headers = {name.replace('_', '-'): value for name, value in given.items()}
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        sio = socketio.AsyncClient(http_session=session, reconnection=False, handle_sigint=False)
        sio.on('*', lambda event, *_: heard.append(event))
        full = {**query, 'document_id': str(uuid.uuid4()), 'tab_id': str(uuid.uuid4())}
        try:
            await sio.connect(
                f'{server.url}/?{query_string(full)}',
                transports=['websocket'],
                socketio_path='/_nicegui_ws/socket.io',
                wait_timeout=10,
            )
        except socketio.exceptions.ConnectionError:
            return False, heard
        await asyncio.sleep(1)  # what a page's socket hears at once: its page's updates
        await sio.disconnect()
        return True, heard


@pytest.mark.settings(auth_header='Remote-User')
async def test_a_socket_becomes_a_signed_in_page_only_from_the_proxy_for_the_same_person(
    chat_server: AppProcess,
) -> None:
    """A page let through for Alice: its socket opened around the proxy, or naming someone else, is refused, so
    nobody acts as Alice by her page's client id; a made-up client id gets nothing anywhere."""
    made_up = {'client_id': str(uuid.uuid4()), 'next_message_id': 0, 'implicit_handshake': True}
    for source, given in (('127.0.0.1', {'remote_user': 'alice'}), ('127.0.0.2', {})):
        assert await page_socket(chat_server, made_up, source, **given) == (False, [])

    def alices_page() -> dict:
        return parse_page(get(chat_server, '/room/team', remote_user='alice').text).query

    for source, given in (
        ('127.0.0.2', {}),
        ('127.0.0.2', {'remote_user': 'alice'}),
        ('127.0.0.1', {}),
        ('127.0.0.1', {'remote_user': 'mallory'}),
    ):
        assert await page_socket(chat_server, alices_page(), source, **given) == (False, []), (source, given)
    connected, heard = await page_socket(chat_server, alices_page(), '127.0.0.1', remote_user='alice')
    assert connected and 'update' in heard, 'the proxy, for Alice, opens her page'
