"""The owner's "Members" dialog of a private room: who is a member (Remove) and which invite links are open (Revoke).

People are named by the display name they last had in the room (kept when they open it), or, before that, by the
short tag mentions show beside a name; their ids stay on the server, and each Remove button holds its person's.
Invites are named by the start of their hash, never by their token, which only their owner saw once.
"""

from __future__ import annotations

import time

from nicegui import ui

from chat.domain.model import ChatError, public_token
from chat.domain.private import Member, OpenInvite
from chat.domain.rooms import Rooms
from chat.ui.mentions import tag


def member_label(member: Member) -> str:
    """ "Bob", "Olga (owner)", or for someone not named yet their tag: "member f3Qa"."""
    name = member.name or f'member {tag(public_token(member.person))}'
    return f'{name} (owner)' if member.owner else name


def invite_label(invite: OpenInvite) -> str:
    """ "Made 2025-05-01 10:00 UTC · 2 uses left · expires 2025-05-08 10:00 UTC"."""
    uses = 'any number of uses' if invite.uses_left is None else f'{invite.uses_left} uses left'
    expires = 'never expires' if invite.expires_at is None else f'expires {_when(invite.expires_at)}'
    made = f'Made {_when(invite.created_at)}' if invite.created_at else 'Made earlier'
    return f'{made} · {uses} · {expires}'


def _when(at: float) -> str:
    return time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(at))


class MembersButton(ui.button):
    """The owner's "Members" button in the room's header; the dialog lists afresh each time it opens."""

    def __init__(self, rooms: Rooms, room: str, owner: str) -> None:
        super().__init__(icon='group', on_click=self._open)
        self.props('flat round dense color=white aria-label="Members"').mark('members-button')
        self._rooms, self._room, self._owner = rooms, room, owner
        with ui.dialog() as self.dialog, ui.card().classes('chat-members'):
            ui.label('Members').classes('text-h6')
            self.members = ui.column().classes('w-full').mark('members-list')
            ui.label('Open invite links').classes('text-subtitle1')
            self.invites = ui.column().classes('w-full').mark('invites-list')

    async def _open(self) -> None:
        if await self._show():
            self.dialog.open()

    async def _show(self) -> bool:
        try:
            members = await self._rooms.members(self._room, self._owner)
            invites = await self._rooms.invites(self._room, self._owner)
        except ChatError as error:
            ui.notify(error.message, type='warning')
            return False
        self.members.clear()
        with self.members:
            for member in members:
                with ui.row().classes('items-center w-full no-wrap').mark('member'):
                    ui.label(member_label(member)).classes('col')
                    if not member.owner:
                        ui.button('Remove', on_click=lambda m=member: self._remove(m)).props(
                            f'flat dense no-caps color=negative aria-label="Remove {member_label(member)}"'
                        ).mark('remove-member')
        self.invites.clear()
        with self.invites:
            if not invites:
                ui.label('None: the Invite button makes one.')
            for invite in invites:
                with ui.row().classes('items-center w-full no-wrap').mark('invite'):
                    ui.label(invite_label(invite)).classes('col')
                    ui.button('Revoke', on_click=lambda i=invite: self._revoke(i)).props(
                        'flat dense no-caps color=negative'
                    ).mark('revoke-invite')
        return True

    async def _remove(self, member: Member) -> None:
        try:
            await self._rooms.remove_member(self._room, self._owner, member.person)
        except ChatError as error:
            ui.notify(error.message, type='warning')
        await self._show()

    async def _revoke(self, invite: OpenInvite) -> None:
        try:
            await self._rooms.revoke_invite(self._room, self._owner, invite.id)
        except ChatError as error:
            ui.notify(error.message, type='warning')
        await self._show()
