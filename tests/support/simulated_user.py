"""A person at the room page as NiceGUI's simulated `User` sees it: send, wait, read the bubbles and the input."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import UTC, datetime

from nicegui import ElementFilter, app, ui
from nicegui.testing import User

from chat.ui.message_list import MessageList, Shown
from chat.ui.moderation import WELCOME


def bubbles(user: User) -> list[Shown]:
    """The messages the user's tab shows, oldest first, as the server knows it sent them (the browser draws them)."""
    with user:
        lists = list(ElementFilter(kind=MessageList))
    return lists[0].shown if lists else []


def bubble_styles(user: User) -> list[tuple[str, str]]:
    """(text, 'own' or 'others') for every bubble, in page order."""
    return [(b.text, 'own' if b.own else 'others') for b in bubbles(user)]


async def send(user: User, text: str, *, press: str = 'enter') -> None:
    """Type `text` into the composer, then press Enter (or, with `press='button'`, click Send)."""
    user.find(marker='composer-input').clear().type(text)
    if press == 'enter':
        user.find(marker='composer-input').trigger('keydown.enter')
    else:
        user.find(marker='composer-send').click()


def edit(user: User, message_id: int, text: str) -> None:
    """Save `text` as the new text of message `message_id`, as the bubble's editor sends it on Enter."""
    user.find(kind=MessageList).trigger('edit', {'id': message_id, 'text': text})


def delete(user: User, message_id: int) -> None:
    """Delete message `message_id`, as the bubble's menu sends it once the deletion is confirmed."""
    user.find(kind=MessageList).trigger('delete', message_id)


def react(user: User, message_id: int, emoji: str, *, on: bool = True) -> None:
    """Add (or take back) the tab's `emoji` on message `message_id`, as a chip or the add button's menu sends it."""
    user.find(kind=MessageList).trigger('react', {'id': message_id, 'emoji': emoji, 'on': on})


def reply(user: User, message_id: int) -> None:
    """Pick message `message_id` to answer, as its bubble's Reply button does."""
    user.find(kind=MessageList).trigger('reply', message_id)


async def eventually(check: Callable[[], bool], tries: int = 40) -> None:
    """Wait until `check()` holds, as a user would wait for the page to update."""
    for _ in range(tries):
        if check():
            return
        await asyncio.sleep(0.05)
    assert check()


async def sees_message(user: User, text: str) -> None:
    """Wait until `text` shows up in the message list (not merely in the input field)."""
    await user.should_see(kind=MessageList, content=text, retries=40)


def composer_value(user: User) -> str:
    with user:
        return user.find(marker='composer-input').elements.pop().value


def message_list(user: User) -> MessageList:
    with user:
        (found,) = ElementFilter(kind=MessageList)
    assert isinstance(found, MessageList)
    return found


async def make_moderator(user: User) -> None:
    await user.open(f'/moderator/{await app.state.rooms.create_moderator_link()}')
    await user.should_see(WELCOME)


async def create_private_room(user: User, name: str) -> str:
    """Create a private room from the rooms page and return its full name, as the owner's header shows it."""
    await user.open('/rooms')
    user.find(marker='private-room-input').type(name)
    user.find(marker='create-private').click()
    await user.should_see(marker='invite-button')
    with user:
        (heading,) = ElementFilter(marker='room-name')
    assert isinstance(heading, ui.label)
    return heading.text.removeprefix('# ')


def browser_time(match: re.Match[str]) -> str:
    """What the browser's `toLocaleString` answers, in UTC here."""
    return datetime.fromtimestamp(int(match[1]) / 1000, UTC).strftime('%-d %b, %H:%M')


async def invite_link(user: User, uses: str | None = None, lifetime: str | None = None) -> str:
    """Open the owner's invite dialog, pick the limits (else the defaults) and make a link; return it."""
    user.javascript_rules[re.compile(r'new Date\((\d+)\)\.toLocaleString')] = browser_time
    user.find(marker='invite-button').click()
    for marker, choice in (('invite-uses', uses), ('invite-lifetime', lifetime)):
        if choice is not None:
            user.find(marker=marker).click()
            user.find(choice).click()
    with user:
        (field,) = ElementFilter(marker='invite-link')
    assert isinstance(field, ui.input)
    shown = field.value
    user.find(marker='make-invite').click()
    await eventually(lambda: field.value != shown)  # each press makes a new link
    return str(field.value)
