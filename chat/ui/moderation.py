"""Moderation in the UI: opening a moderator link.

Whether a tab moderates is decided by the server when its page is built (`Rooms.is_moderator` of the browser's
person); a request a tab sends is checked again by the room model, so a page that claims more gets nothing.
"""

from __future__ import annotations

from nicegui import ui
from starlette.responses import RedirectResponse

from chat.domain.model import ChatError
from chat.domain.moderation import LINK_REFUSAL
from chat.domain.rooms import Rooms
from chat.ui.identity import browser_id, browser_storage

WELCOME = 'You are now a moderator of this chat.'
_WELCOMED = 'moderator_welcome'  # the browser's storage holds it between the link and the page it redirects to


async def moderator_link_page(rooms: Rooms, token: str) -> RedirectResponse | None:
    """Make this browser's person a moderator and redirect to the lobby, which says so; else one line saying why.

    A redirect, as for an invite, so a browser that had no session cookie yet gets the one its person is made from.
    """
    try:
        made = await rooms.make_moderator(token, browser_id(), ip=ui.context.client.ip)
    except ChatError as error:
        ui.label(error.message).props('role=alert').mark('moderator-link-refused')
        return None
    if not made:
        ui.page_title('Moderator link · Chat')
        ui.label(LINK_REFUSAL).props('role=alert').mark('moderator-link-refused')
        return None
    browser_storage()[_WELCOMED] = True
    return RedirectResponse('/', status_code=303)


def welcome_new_moderator() -> None:
    """Say once, on the page a moderator link led to, that the browser now moderates."""
    if browser_storage().pop(_WELCOMED, False):
        ui.notify(WELCOME, type='positive')
