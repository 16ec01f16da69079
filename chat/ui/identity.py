"""Who sits at this tab, decided by the server: an id per tab, a display name per browser; or, signed in
through a proxy (`chat.sign_in`), the person the proxy named, the same on every tab, browser and device.

A tab's author id is derived from a secret in NiceGUI's per-tab storage, the browser's signed session and
the tab's id, all of which survive a reload of the tab, so "own" messages stay own after a reload.
Nothing the browser sends can change it.
"""

from __future__ import annotations

import hashlib
from collections.abc import MutableMapping
from typing import Any
from uuid import uuid4

from nicegui import app, context

from chat.domain.model import clean_display_name
from chat.domain.model import public_token as public_token  # where the UI has always found it
from chat.domain.names import generate_name
from chat.sign_in import SIGNED_IN, SignedIn


def signed_in() -> SignedIn | None:
    """The person the page's request was signed in as; None when the chat runs without sign-in."""
    person: SignedIn | None = context.client.request.scope.get(SIGNED_IN)  # only the sign-in gate sets it
    return person


def tab_author_id() -> str:
    """Return this tab's author id, creating its secret on the tab's first visit (needs a connected client).

    Signed in, it is the person's: "own" is every message they wrote, from anywhere.

    The secret alone cannot be the id: NiceGUI copies a tab's storage into any page whose handshake names the
    tab as the one it was duplicated from, or shares it with one naming it as its own, and a tab id is no secret
    (it is in the tab's socket URL). Binding the id to the browser's signed session as well gives a page of
    another browser an author of its own; binding it to the tab id gives one to a duplicated tab, which is
    another tab, while a reload, which keeps the tab id, keeps it.
    """
    if (person := signed_in()) is not None:
        return person.author_id
    secret: str = app.storage.tab.setdefault('author_secret', uuid4().hex)  # storages hold Any; this one a str
    bound_to = f'{browser_id()}/{context.client.tab_id}'.encode()
    return hashlib.blake2b(bound_to, key=secret.encode(), digest_size=16, person=b'chat-tab-author').hexdigest()


def browser_id() -> str:
    """This browser's id, from NiceGUI's signed session cookie: several tabs of one browser share it; signed in,
    the person's id, which all their browsers share."""
    if (person := signed_in()) is not None:
        return person.person_id
    browser: str = app.storage.browser['id']  # NiceGUI's middleware sets a str uuid
    return browser


def browser_storage() -> MutableMapping[str, Any]:
    """This browser's persistent storage; taken while the page is built, so handlers need no request context."""
    return app.storage.user


def display_name(storage: MutableMapping[str, Any]) -> str:
    """Return the browser's display name, generating a friendly one on its first visit."""
    name: str = storage.setdefault('name', generate_name())  # only str names are stored
    return name


def set_display_name(storage: MutableMapping[str, Any], name: str) -> str:
    """Validate and remember a new display name for the browser; raises `ChatError` if invalid."""
    name = clean_display_name(name)
    storage['name'] = name
    return name
