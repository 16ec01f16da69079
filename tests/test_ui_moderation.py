"""Moderation as simulated users see it: a moderator link makes the browser that opens it a moderator, once."""

from collections.abc import Callable

from nicegui import app
from nicegui.testing import User

from chat.domain.moderation import LINK_REFUSAL
from chat.domain.rooms import Rooms
from chat.ui.moderation import WELCOME


def model() -> Rooms:
    return app.state.rooms


async def test_a_moderator_link_welcomes_the_browser_that_opens_it_and_no_one_after(
    create_user: Callable[[], User],
) -> None:
    alice, bob = create_user(), create_user()
    token = await model().create_moderator_link()
    await alice.open(f'/moderator/{token}')
    await alice.should_see(WELCOME)
    await alice.should_see(marker='message-list')
    await bob.open(f'/moderator/{token}')
    await bob.should_see(LINK_REFUSAL)
    await bob.should_not_see(marker='message-list')
    await alice.open('/')
    await alice.should_see(marker='message-list')
    assert alice.notify.messages.count(WELCOME) == 1  # said once


async def test_a_hostile_token_gets_the_same_line(user: User) -> None:
    for token in ('x' * 5000, '%00%ff..', 'not-a-token'):
        await user.open(f'/moderator/{token}')
        await user.should_see(LINK_REFUSAL)
