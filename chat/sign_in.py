"""Optional instance sign-in: a proxy in front of the chat signs people in and names them in a header.

With `--auth-header`, every page request must come from a trusted proxy (uvicorn's `FORWARDED_ALLOW_IPS`, the
same rule the connection limits use) and carry that header once, with a usable value; anything else gets a 403
and one line saying why. The header's value is the person: their author id (what makes a message "own") and
person id (mentions, presence) are keyed digests of it, the same on every browser and device, so the value
itself never reaches a browser, and the secret key keeps a page from guessing whose token is whose.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from chat.domain.model import MAX_NAME_LENGTH, ChatError, clean_display_name
from chat.internals.connection_caps import from_trusted_proxy
from chat.logs import log_event

log = logging.getLogger(__name__)

SIGNED_IN = 'chat.signed_in'  # the scope key under which a let-through request carries its `SignedIn`
MAX_IDENTITY_LENGTH = 256  # longer than any user name or e-mail address a proxy sends
NOT_SIGNED_IN = 'This chat is for signed-in people only: open it through its sign-in page.'
BAD_IDENTITY = (
    'This chat cannot use the sign-in name it was given (missing, repeated, too long or not printable text); '
    'ask its operator.'
)
OPEN_PATHS = ('/_nicegui', '/healthz')  # NiceGUI's scripts and socket (a page decides who may use it), health


@dataclass(frozen=True, slots=True)
class SignedIn:
    """Who the proxy signed in, as the chat knows them: ids only the server sees, and the name everyone sees."""

    author_id: str
    person_id: str
    name: str


class NotSignedIn(Exception):
    """The request names nobody the chat can take; `reason` is for the log, `message` for the person."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class SignIn:
    """The sign-in headers and the key that turns a header's value into ids."""

    header: str
    name_header: str | None
    key: bytes

    @classmethod
    def keyed_by(cls, secret: str, header: str, name_header: str | None = None) -> SignIn:
        """Derive the key from the session secret, so ids stay the same across restarts and processes."""
        key = hashlib.blake2b(secret.encode(), digest_size=32, person=b'chat-sign-in').digest()
        return cls(header, name_header, key)

    def identify(self, headers: Sequence[tuple[bytes, bytes]]) -> SignedIn:
        """The person the headers name; raises `NotSignedIn` without the header, or with a value it cannot take."""
        identity = _single(headers, self.header)
        if identity is None:
            raise NotSignedIn('no_header', NOT_SIGNED_IN)
        if _unfilled(identity):
            raise NotSignedIn('unfilled_placeholder', NOT_SIGNED_IN)
        user = _text(identity)
        if user is None:
            raise NotSignedIn('bad_header', BAD_IDENTITY)
        return SignedIn(self._id(user, b'chat-user-author'), self.person_id(user), self._name(headers, user))

    def person_id(self, user: str) -> str:
        """The person id of the identity `user` as the proxy names it: what `--moderators` names become."""
        return self._id(user, b'chat-user-person')

    def _id(self, user: str, purpose: bytes) -> str:
        return hashlib.blake2b(user.encode(), key=self.key, digest_size=16, person=purpose).hexdigest()

    def _name(self, headers: Sequence[tuple[bytes, bytes]], user: str) -> str:
        """The name header's value if it is a valid display name, else the identity, cut to a name's length."""
        given = _single(headers, self.name_header) if self.name_header else None
        name = _text(given) if given is not None and not _unfilled(given) else None
        try:
            return clean_display_name(name or '')
        except ChatError:
            return user[:MAX_NAME_LENGTH]


def _single(headers: Sequence[tuple[bytes, bytes]], name: str) -> bytes | None:
    """The header's one value; a repeated header is refused, as a proxy that appends instead of replacing it
    would let the client's own copy through."""
    wanted = name.lower().encode('latin-1')
    values = [value for key, value in headers if key.lower() == wanted]
    if len(values) > 1:
        raise NotSignedIn('repeated_header', BAD_IDENTITY)
    return values[0] if values else None


def _unfilled(value: bytes) -> bool:
    """Whether the value is a proxy's placeholder left as it was, e.g. `{http.reverse_proxy.header.Remote-User}`:
    Caddy before 2.9 sends that when the sign-in service answers yes without naming anyone (Authelia's bypass
    rules), and taken as a name it would make every such visitor one and the same person."""
    return value.startswith(b'{') and value.endswith(b'}')


def _text(value: bytes) -> str | None:
    """The value as text if it is 1 to `MAX_IDENTITY_LENGTH` printable UTF-8 characters without outer spaces."""
    try:
        text = value.decode('utf-8')
    except UnicodeDecodeError:
        return None
    if not 0 < len(text) <= MAX_IDENTITY_LENGTH or not text.isprintable() or text != text.strip():
        return None
    return text


class SignInGate:
    """ASGI middleware: a page request passes only signed in, carrying its `SignedIn` under `SIGNED_IN`.

    A header from an address that is no trusted proxy is ignored, as anyone could have sent it.
    """

    def __init__(self, app: ASGIApp, sign_in: SignIn) -> None:
        self.app = app
        self.sign_in = sign_in

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http' or scope['path'].startswith(OPEN_PATHS):
            await self.app(scope, receive, send)
            return
        try:
            if not from_trusted_proxy(scope):
                raise NotSignedIn('untrusted_peer', NOT_SIGNED_IN)
            scope[SIGNED_IN] = self.sign_in.identify(scope['headers'])
        except NotSignedIn as refusal:
            ip = scope['client'][0] if scope.get('client') else 'unknown'
            log_event(log, logging.INFO, 'sign_in_refused', reason=refusal.reason, ip=ip)
            await _refuse(send, refusal.message)
            return
        await self.app(scope, receive, send)


async def _refuse(send: Send, message: str) -> None:
    body = f'{message}\n'.encode()
    headers = [(b'content-type', b'text/plain; charset=utf-8'), (b'content-length', str(len(body)).encode())]
    await send({'type': 'http.response.start', 'status': 403, 'headers': headers})
    await send({'type': 'http.response.body', 'body': body})
