"""Who sits at this tab, decided by the server: an id per tab, a display name per browser.

The tab id lives in NiceGUI's per-tab storage, which survives reloads of the tab,
so "own" messages stay own after a reload. Nothing the browser sends can change it.
"""

from __future__ import annotations

from uuid import uuid4

from nicegui import app

from ..model import clean_display_name
from ..names import generate_name


def tab_author_id() -> str:
    """Return this tab's author id, creating it on the tab's first visit (needs a connected client)."""
    return app.storage.tab.setdefault('author_id', uuid4().hex)


def display_name() -> str:
    """Return this browser's display name, generating a friendly one on its first visit."""
    return app.storage.user.setdefault('name', generate_name())


def set_display_name(name: str) -> str:
    """Validate and remember a new display name for this browser; raises `ChatError` if invalid."""
    name = clean_display_name(name)
    app.storage.user['name'] = name
    return name
