"""Private rooms in the UI: creating one, the owner's invite link, redeeming it, and the one refusal page.

Whether a browser may see a private room is decided before anything of the room is built: a non-member's page
holds no message list, no stream, no search and no people, so no request its socket can send reaches the room.
The refusal is the same page for a private room that exists and for one that does not.
"""

from __future__ import annotations

from nicegui import ui
from starlette.responses import RedirectResponse

from chat.domain.model import ChatError
from chat.domain.private import INVITE_REFUSAL, MAX_BASE_LENGTH, PRIVATE_REFUSAL
from chat.domain.rooms import Rooms
from chat.ui.identity import browser_id
from chat.ui.joined_rooms import room_href

INVITE_PATH = '/invite/'


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


async def redeem_page(rooms: Rooms, token: str) -> RedirectResponse | None:
    """Make this browser a member of the room the invite is for and redirect to it; else the refusal.

    A redirect, not a page that navigates: its response sets the session cookie of a browser that had none, so the
    room's request carries the id that was made a member.
    """
    try:
        room = await rooms.redeem(token, browser_id())
    except ChatError as error:
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
    """The owner's "Invite" button: each press makes a new link and shows it, with a button that copies it."""

    def __init__(self, rooms: Rooms, room: str, person: str, origin: str) -> None:
        super().__init__(icon='person_add', on_click=self._invite)
        self.props('flat round dense color=white aria-label="Invite"').mark('invite-button')
        self._rooms, self._room, self._person, self._origin = rooms, room, person, origin.rstrip('/')
        with ui.dialog() as self.dialog, ui.card().classes('chat-invite'):
            ui.label('Anyone who opens this link becomes a member of the room.')
            self.link = ui.input('Invite link').props('readonly outlined dense').classes('w-full').mark('invite-link')
            ui.button('Copy link', icon='content_copy', on_click=self._copy).props('unelevated').mark('copy-invite')

    async def _invite(self) -> None:
        try:
            invite = await self._rooms.invite(self._room, self._person)
        except ChatError as error:
            ui.notify(error.message, type='warning')
            return
        self.link.value = f'{self._origin}{INVITE_PATH}{invite.token}'
        self.dialog.open()

    def _copy(self) -> None:
        ui.clipboard.write(self.link.value)
        ui.notify('Invite link copied')
