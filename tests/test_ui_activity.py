"""Presence, typing and theme as simulated users see them (grouping and links are drawn by the browser)."""

from collections.abc import Callable

from nicegui import ElementFilter
from nicegui.testing import User

from chat.ui.activity import PeopleButton, TypingLine
from tests.support.simulated_user import eventually, sees_message


def people(user: User, *, open_menu: bool = True) -> tuple[str, list[str]]:
    """The header's count and the names its menu lists (after opening it, as a reader would)."""
    with user:
        button = next(iter(ElementFilter(kind=PeopleButton)))
        if open_menu:
            button.menu.open()
        names = user.find(marker='people-names').elements.pop().text
    return button.text, names.split('\n') if names else []


def typing(user: User) -> str:
    with user:
        return next(iter(ElementFilter(kind=TypingLine))).text


async def rename(user: User, name: str) -> None:
    user.find(marker='name-input').clear().type(name).trigger('keydown.enter')


async def test_the_header_shows_who_is_here_and_follows_joins_renames_and_leaves(
    create_user: Callable[[], User],
) -> None:
    alice, bob = create_user(), create_user()
    await alice.open('/')
    await rename(alice, 'Alice')
    await bob.open('/')
    await rename(bob, 'Bob')
    await eventually(lambda: people(alice) == ('2 here', ['Alice', 'Bob']))
    await eventually(lambda: people(bob) == ('2 here', ['Alice', 'Bob']))
    await rename(bob, 'Bobby')
    await eventually(lambda: people(alice) == ('2 here', ['Alice', 'Bobby']))
    bob.client.delete()
    await eventually(lambda: people(alice) == ('1 here', ['Alice']))


async def test_names_are_sent_only_while_the_people_menu_is_open(create_user: Callable[[], User]) -> None:
    alice, bob = create_user(), create_user()
    await alice.open('/')
    await rename(alice, 'Alice')
    await bob.open('/')
    await rename(bob, 'Bob')
    await eventually(lambda: people(alice, open_menu=False) == ('2 here', []))
    assert people(alice) == ('2 here', ['Alice', 'Bob'])
    await rename(bob, 'Bobby')
    await eventually(lambda: people(alice, open_menu=False) == ('2 here', ['Alice', 'Bobby']), tries=40)
    with alice:
        next(iter(ElementFilter(kind=PeopleButton))).menu.close()
    carol = create_user()
    await carol.open('/')
    await eventually(lambda: people(alice, open_menu=False) == ('3 here', ['Alice', 'Bobby']))
    # Carol's generated name sorts anywhere among theirs ('Blue Lynx 98' comes between them).
    await eventually(lambda: len(people(alice)[1]) == 3 and {'Alice', 'Bobby'} <= set(people(alice)[1]))


async def test_a_tab_closed_with_its_people_menu_open_stops_hearing_the_room(create_user: Callable[[], User]) -> None:
    alice, bob = create_user(), create_user()
    await alice.open('/')
    await bob.open('/')
    await eventually(lambda: people(alice)[0] == '2 here')  # opens the menu: its names follow every change
    with alice:
        stream = next(iter(ElementFilter(kind=PeopleButton))).stream
    assert stream.listeners == 1
    alice.client.delete()
    assert stream.listeners == 0


async def test_several_tabs_of_one_browser_count_as_one_person(create_user: Callable[[], User]) -> None:
    alice = create_user()
    await alice.open('/')
    await rename(alice, 'Alice')
    second_tab = User(alice.http_client)
    await second_tab.open('/')
    bob = create_user()
    await bob.open('/')
    await rename(bob, 'Bob')
    await eventually(lambda: people(bob) == ('2 here', ['Alice', 'Bob']))
    alice.client.delete()
    await eventually(lambda: people(second_tab)[0] == '2 here')
    assert people(bob) == ('2 here', ['Alice', 'Bob'])


async def test_others_see_who_is_typing_until_the_message_is_sent(create_user: Callable[[], User]) -> None:
    alice, bob = create_user(), create_user()
    await alice.open('/')
    await rename(alice, 'Alice')
    await bob.open('/')
    alice.find(marker='composer-input').type('Hel')
    await eventually(lambda: typing(bob) == 'Alice is typing…')
    assert typing(alice) == ''
    alice.find(marker='composer-input').type('lo').trigger('keydown.enter')
    await sees_message(bob, 'Hello')
    await eventually(lambda: typing(bob) == '')


async def test_the_theme_toggle_cycles_and_is_remembered_per_browser(user: User) -> None:
    await user.open('/')
    await user.should_see(marker='theme-toggle')
    for label in ('Light theme; switch to dark', 'Dark theme; switch to following the system'):
        user.find(marker='theme-toggle').click()
        with user:
            assert user.find(marker='theme-toggle').elements.pop().props['aria-label'] == label
    await user.open('/room/elsewhere')
    with user:
        assert user.find(marker='theme-toggle').elements.pop().props['aria-label'] == label
