"""A person at the room page as NiceGUI's simulated `User` sees it: send, wait, read the bubbles and the input."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from nicegui import ElementFilter
from nicegui.testing import User

from chat.ui.message_list import MessageList, Shown


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
