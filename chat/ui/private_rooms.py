"""Private rooms in the UI: creating one, the owner's invite link, redeeming it, and the one refusal page.

Whether a browser may see a private room is decided before anything of the room is built: a non-member's page
holds no message list, no stream, no search and no people, so no request its socket can send reaches the room.
The refusal is the same page for a private room that exists and for one that does not.
"""

from __future__ import annotations

import logging

from nicegui import ui
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from chat.domain.model import ChatError, ErrorKind
from chat.domain.private import INVITE_REFUSAL, MAX_BASE_LENGTH, PRIVATE_REFUSAL
from chat.domain.rooms import Rooms
from chat.logs import log_event
from chat.ui.identity import browser_id
from chat.ui.joined_rooms import room_href

log = logging.getLogger(__name__)

INVITE_PATH = '/invite/'
USES = {1: '1 use', 5: '5 uses', 25: '25 uses', 0: 'Any number'}  # 0: no limit
LIFETIMES = {1: '1 hour', 24: '1 day', 24 * 7: '7 days', 24 * 30: '30 days', 0: 'Never'}  # hours; 0: never


def private_refusal_page() -> None:
    """What a non-member sees of any private name, whether a room has it or not."""
    ui.page_title('Private room · Chat')
    with ui.card().classes('chat-notice').props('role=alert'):
        ui.label('This room is private').classes('text-h6')
        ui.label(PRIVATE_REFUSAL).mark('private-room')
        ui.link('Go to all rooms', '/rooms')


def invite_refusal_page() -> None:
    """What every invalid, expired or used-up invite link shows, one line, the same for each."""
    ui.page_title('Invite · Chat')
    ui.label(INVITE_REFUSAL).props('role=alert').mark('invite-refused')


async def redeem_page(rooms: Rooms, token: str) -> Response | None:
    """Make this browser a member of the room the invite is for and redirect to it; else the refusal.

    A redirect, not a page that navigates: its response sets the session cookie of a browser that had none, so the
    room's request carries the id that was made a member. An address past its tries gets a 429 and one line.
    """
    ip = ui.context.client.ip or 'unknown'
    try:
        room = await rooms.redeem(token, browser_id(), ip=ip)
    except ChatError as error:
        if error.kind is ErrorKind.RATE_LIMITED:
            log_event(log, logging.INFO, 'invite_not_redeemed', reason=error.kind, ip=ip)
            return PlainTextResponse(f'{error.message}\n', status_code=429)
        ui.label(error.message).props('role=alert').mark('invite-refused')
        return None
    if room is None:
        invite_refusal_page()
        return None
    return RedirectResponse(room_href(room), status_code=303)


def create_private_field(rooms: Rooms) -> None:
    """A field and a button that create a private room owned by this browser and open it."""
    name = (
        ui.input('Create a private room', placeholder='e.g. family')
        .props(f'outlined dense aria-label="Private room name" maxlength={MAX_BASE_LENGTH}')
        .classes('w-full')
        .mark('private-room-input')
    )
    person = browser_id()

    async def create() -> None:
        try:
            room = await rooms.create_private(name.value or '', person)
        except ChatError as error:
            name.props['error'] = True
            name.props['error-message'] = error.message
            name.update()
            return
        ui.navigate.to(room_href(room))

    name.on('keydown.enter', create)
    ui.button('Create private room', icon='lock', on_click=create).props('unelevated').mark('create-private')


class InviteButton(ui.button):
    """The owner's "Invite" button: a dialog where the owner limits a new link's uses and lifetime, makes it, and
    sees it with those limits in words and a button that copies it. Each "Make link" makes a new link."""

    def __init__(self, rooms: Rooms, room: str, person: str, origin: str) -> None:
        super().__init__(icon='person_add', on_click=self._open)
        self.props('flat round dense color=white aria-label="Invite"').mark('invite-button')
        self._rooms, self._room, self._person, self._origin = rooms, room, person, origin.rstrip('/')
        with ui.dialog() as self.dialog, ui.card().classes('chat-invite'):
            ui.label('Anyone who opens the link becomes a member of the room.')
            with ui.row().classes('w-full no-wrap'):
                self.uses = ui.select(USES, value=0, label='Uses').props('outlined dense').mark('invite-uses')
                self.hours = ui.select(LIFETIMES, value=24 * 7, label='Expires after').props('outlined dense')
                self.hours.mark('invite-lifetime')
            ui.button('Make link', icon='link', on_click=self._invite).props('unelevated').mark('make-invite')
            with ui.column().classes('w-full') as self.made:
                self.link = (
                    ui.input('Invite link').props('readonly outlined dense aria-label="Invite link"').classes('w-full')
                )
                self.link.mark('invite-link')
                self.terms = ui.label().mark('invite-terms')
                ui.button('Copy link', icon='content_copy', on_click=self._copy).props('unelevated').mark('copy-invite')
        self.made.set_visibility(False)

    def _open(self) -> None:
        """Open the dialog without a link, so a link is never shown beside limits it was not made with."""
        self.made.set_visibility(False)
        self.link.value = ''
        self.dialog.open()

    async def _invite(self) -> None:
        uses, hours = self.uses.value or None, self.hours.value or None
        try:
            invite = await self._rooms.invite(
                self._room, self._person, uses=uses, days=None if hours is None else hours / 24
            )
        except ChatError as error:
            ui.notify(error.message, type='warning')
            return
        self.link.value = f'{self._origin}{INVITE_PATH}{invite.token}'
        until = None if invite.expires_at is None else await local_time(invite.expires_at)
        self.terms.text = invite_terms(invite.uses, until)
        self.made.set_visibility(True)

    def _copy(self) -> None:
        ui.clipboard.write(self.link.value)
        ui.notify('Invite link copied')


async def local_time(timestamp: float) -> str:
    """`timestamp` as a day and time in the browser's zone and words, as message_list.js shows times."""
    options = "{day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit'}"
    shown: str = await ui.run_javascript(f'new Date({timestamp * 1000:.0f}).toLocaleString([], {options})')
    return shown


def invite_terms(uses: int | None, until: str | None) -> str:
    """An invite's limits in words, e.g. "Good for 5 uses, until 3 Dec, 14:00." """
    count = 'any number of uses' if uses is None else f'{uses} use' + ('' if uses == 1 else 's')
    return f'Good for {count}, ' + (f'until {until}.' if until else 'with no time limit.')
