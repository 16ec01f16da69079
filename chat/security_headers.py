"""Headers on every HTTP response of the app (pages, `/healthz`, NiceGUI's static files, errors): no framing.

`X-Frame-Options: DENY` and CSP `frame-ancestors 'none'` keep other sites from framing the chat (clickjacking: a
hidden chat under a decoy page, the visitor's clicks and keys sent into it). The rest of the policy is what
NiceGUI's page needs and nothing more, so injected markup could still not load or send anything elsewhere:

- `script-src 'self' 'unsafe-inline' 'unsafe-eval'`: NiceGUI writes the page's elements into an inline script,
  turns props into functions with `new Function` and has Vue compile templates at run time, so neither can go;
  that leaves scripts from other origins out, not injected inline script (which the message list never creates:
  it draws messages as text nodes).
- `style-src 'self' 'unsafe-inline'`: Quasar and NiceGUI set inline styles.
- `img-src 'self' data:`: the emoji favicon is an SVG data URL.
- `connect-src 'self'`: the Socket.IO WebSocket goes to the same host (CSP 3 lets `'self'` match `ws:`/`wss:`).
- `object-src 'none'`, `base-uri 'self'`, `form-action 'self'`: no plugins, no `<base>` or form sending elsewhere.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = '; '.join([
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])  # fmt: skip
HEADERS = [
    (b'x-frame-options', b'DENY'),
    (b'content-security-policy', CONTENT_SECURITY_POLICY.encode()),
]


class SecurityHeaders:
    """Pure ASGI middleware (no `BaseHTTPMiddleware`: it would buffer nothing here, but costs a task per request)
    that adds `HEADERS` to each HTTP response start; WebSocket traffic passes untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message['type'] == 'http.response.start':
                message['headers'] = [*message.get('headers', []), *HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)
