"""The rooms page as simulated users see it (a page of rooms at a time, newest first, a search, hostile links), and
what it costs a real app.py with many rooms."""

import html
import math
import re
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from nicegui import ElementFilter, app
from nicegui.testing import User

from chat.domain.model import Author
from chat.domain.rooms import Rooms
from chat.ui.room_list import RoomList
from chat.ui.rooms_page import PAGE_SIZE
from tests.support.app_process import AppProcess
from tests.support.seeding import seed_rooms
from tests.support.simulated_user import eventually

SEEDER = Author('seed-tab', 'Seeder')
OLDER_LINK = re.compile(r'/rooms\?(q=[a-z0-9_-]+&(amp;)?)?after=[0-9.e+-]+~[a-z0-9_-]+')  # in the page's HTML


def model() -> Rooms:
    return app.state.rooms


async def seed(*rooms: str, messages: int = 1) -> None:
    """Post to each room in turn, so the last one named is the most recently active."""
    for room in rooms:
        for i in range(messages):
            await model().post(room, SEEDER, f'hello {i}')


def shown_rooms(user: User) -> list[str]:
    """The names of the rooms the page lists, top to bottom."""
    with user:
        lists = list(ElementFilter(kind=RoomList))
    return [room.name for room in lists[0].rooms] if lists else []


async def test_the_rooms_page_lists_rooms_and_opens_one_by_name(user: User) -> None:
    await seed('quiet')
    await seed('busy', messages=3)
    await user.open('/rooms')
    await user.should_see(kind=RoomList, content='# busy')
    await user.should_see(kind=RoomList, content='3 messages · just now')
    await user.should_see(kind=RoomList, content='1 message · just now')
    assert shown_rooms(user) == ['busy', 'quiet']
    user.find(marker='room-name-input').type('Not Valid').trigger('keydown.enter')
    await user.should_see('Room names use 1 to 40 lowercase letters')
    user.find(marker='room-name-input').clear().type('book-club')
    user.find(marker='open-room').click()
    await user.should_see('# book-club')


async def test_rooms_come_a_page_at_a_time_from_the_most_recently_active_back(user: User) -> None:
    names = [f'room-{i:03d}' for i in range(2 * PAGE_SIZE + 10)]
    await seed(*names)
    newest_first = names[::-1]
    await user.open('/rooms')
    assert shown_rooms(user) == newest_first[:PAGE_SIZE]
    await user.should_not_see(marker='newest-rooms')
    user.find(marker='older-rooms').click()
    await eventually(lambda: shown_rooms(user) == newest_first[PAGE_SIZE : 2 * PAGE_SIZE])
    user.find(marker='older-rooms').click()
    await eventually(lambda: shown_rooms(user) == newest_first[2 * PAGE_SIZE :])
    await user.should_not_see(marker='older-rooms')
    user.find(marker='newest-rooms').click()
    await eventually(lambda: shown_rooms(user) == newest_first[:PAGE_SIZE])


async def test_a_search_lists_the_rooms_whose_names_start_with_it_and_is_a_link(user: User) -> None:
    await seed('book-club', 'cookbook', 'books', 'lobby')
    await user.open('/rooms')
    user.find(marker='room-search').type('Book').trigger('keydown.enter')
    await eventually(lambda: shown_rooms(user) == ['books', 'book-club'])
    await user.open('/rooms?q=book-')
    assert shown_rooms(user) == ['book-club']
    user.find(marker='room-search').clear().type('no such room').trigger('keydown.enter')
    await user.should_see('Search by the start of a room name')
    await user.open('/rooms?q=zebra')
    await user.should_see('No room name starts with "zebra".')


async def test_a_search_is_paged_like_the_list(user: User) -> None:
    await seed(*(f'team-{i:03d}' for i in range(PAGE_SIZE + 5)), 'lobby')
    await user.open('/rooms?q=team')
    assert len(shown_rooms(user)) == PAGE_SIZE and 'lobby' not in shown_rooms(user)
    user.find(marker='older-rooms').click()
    await eventually(lambda: shown_rooms(user) == [f'team-{i:03d}' for i in range(4, -1, -1)])
    user.find(marker='newest-rooms').click()
    await eventually(lambda: shown_rooms(user)[0] == f'team-{PAGE_SIZE + 4:03d}')


@pytest.mark.parametrize(
    ('query', 'message'),
    [
        ('q=' + 'x' * 5000, 'Search by the start of a room name'),
        ('q=%00%ff%F0%9F%A6%8A', 'Search by the start of a room name'),
        ('q=a&q=<script>', 'Search by the start of a room name'),
        ('after=nan~lobby', 'This link to a page of rooms is broken'),
        ('after=inf~lobby', 'This link to a page of rooms is broken'),
        ('after=1e999~lobby', 'This link to a page of rooms is broken'),
        ('after=12.5', 'This link to a page of rooms is broken'),
        ('after=12.5~Not%20A%20Room', 'This link to a page of rooms is broken'),
        ('after=' + '9' * 5000 + '~lobby', 'This link to a page of rooms is broken'),
        ('after=~', 'This link to a page of rooms is broken'),
    ],
)
async def test_a_hostile_link_gets_one_clear_message_and_a_way_back(user: User, query: str, message: str) -> None:
    await seed('lobby')
    await user.open(f'/rooms?{query}')
    await user.should_see(message)
    assert shown_rooms(user) == []
    await user.open('/rooms')
    assert shown_rooms(user) == ['lobby']


async def test_a_link_past_the_oldest_room_says_so(user: User) -> None:
    await seed('lobby')
    await user.open('/rooms?after=1.0~a')
    await user.should_see('No older rooms.')
    await user.should_see(marker='newest-rooms')


def test_with_twenty_thousand_rooms_the_page_answers_at_once_and_never_holds_the_loop(
    chat_env: Path, start_server: Callable[..., AppProcess]
) -> None:
    """Before paging, each GET built every room (1.4 s at 5 000 rooms) while every other client waited."""
    newest_first = seed_rooms(chat_env / 'chat.db', 20_000)
    server = start_server()
    started = time.monotonic()
    answers: list[float] = []
    with httpx.Client(base_url=server.url, timeout=60) as http:
        for path in ['/rooms', '/rooms?q=room-1', '/rooms?q=room-0000'] * 3:
            page = 0
            while path and page < 4:
                asked = time.monotonic()
                response = http.get(path)
                answers.append(time.monotonic() - asked)
                assert response.status_code == 200
                older = OLDER_LINK.search(response.text)
                path, page = (html.unescape(older.group(0)) if older else ''), page + 1
        last = http.get('/rooms')
    seconds = math.ceil(time.monotonic() - started) + 1
    busy = server.health()['loop_busy_ms'][-seconds:]
    assert max(answers) < 3, f'slowest GET took {max(answers):.2f} s'
    assert max(busy) < 100, f'the loop ran {max(busy)} ms without a break: {busy}'
    assert len(answers) == 3 * (4 + 4 + 1), 'four pages of all rooms and of room-1…, the one of room-0000…'
    assert newest_first[0] in last.text and newest_first[PAGE_SIZE] not in last.text
