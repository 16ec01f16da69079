"""Moderation in the UI: opening a moderator link, and the moderation log's page.

Whether a tab moderates is decided by the server when its page is built (`Rooms.is_moderator` of the browser's
person); a request a tab sends is checked again by the room model, so a page that claims more gets nothing.
"""

from __future__ import annotations

import time

from nicegui import ui
from starlette.responses import RedirectResponse

from chat.domain.model import ChatError
from chat.domain.moderation import LINK_REFUSAL, LOG_PAGE, REMOVE, LogEntry
from chat.domain.rooms import Rooms
from chat.ui.identity import browser_id, browser_storage

WELCOME = 'You are now a moderator of this chat.'
LOG_PATH = '/moderation'
LOG_REFUSAL = 'The moderation log is for moderators only.'
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


def moderation_link() -> None:
    """The header's button to the moderation log, on a moderator's room page."""
    ui.button(icon='gavel', on_click=lambda: ui.navigate.to(LOG_PATH)).props(
        'flat round dense color=white aria-label="Moderation log"'
    ).mark('moderation-link')


async def moderation_page(rooms: Rooms, before: str) -> None:
    """Who did what when, newest first, a page at a time with "Older"; anyone but a moderator gets one line."""
    try:
        allowed = await rooms.is_moderator(browser_id())
        start = int(before) if before.isdecimal() and len(before) <= 18 else None  # an id, or the newest
        entries = await rooms.moderation_log(start, LOG_PAGE + 1) if allowed else []
    except ChatError as error:
        ui.label(error.message).props('role=alert').mark('store-unavailable')
        return
    if not allowed:
        ui.label(LOG_REFUSAL).props('role=alert').mark('moderation-refused')
        return
    ui.page_title('Moderation log · Chat')
    with ui.column().classes('chat-moderation-log'):
        ui.label('Moderation log').classes('text-h6').props('role=heading aria-level=1')
        ui.link('Back to the chat', '/')
        if not entries:
            ui.label('No moderator has done anything yet.')
        for entry in entries[:LOG_PAGE]:
            ui.label(describe(entry)).mark('log-entry')
        if len(entries) > LOG_PAGE:
            ui.link('Older', f'{LOG_PATH}?before={entries[LOG_PAGE - 1].id}').mark('older-entries')


def describe(entry: LogEntry) -> str:
    """One line of the log as people read it, e.g. "2025-01-31 14:02 UTC · Ann removed a message by Bob in #lobby"."""
    when = time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(entry.at))
    did = f'removed a message by {entry.target}' if entry.action == REMOVE else f'{entry.action} {entry.target}'
    detail = f' ({entry.detail})' if entry.detail else ''
    return f'{when} · {entry.moderator} {did.rstrip()} in #{entry.room}{detail}'
