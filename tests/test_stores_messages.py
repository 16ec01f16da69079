"""The backend contract, run against SQLite and Redis alike: durable, ordered, paged, delivered once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from chat.domain.model import Author, Message, RoomCursor
from chat.stores.messages import Backend
from chat.stores.messages.redis import RedisBackend
from chat.stores.messages.sqlite import SQLiteBackend

ALICE = Author('tab-a', 'Alice')


class Started:
    """A started backend and everything it delivered."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.delivered: list[Message] = []

    async def delivered_equals(self, expected: list[Message]) -> None:
        async with asyncio.timeout(5):
            while self.delivered != expected:
                await asyncio.sleep(0.01)


@pytest.fixture(params=['sqlite', 'redis'])
def make_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Backend]:
    """Backends of one kind that share one store, as processes (or restarts) of the app would."""
    if request.param == 'sqlite':
        return lambda: SQLiteBackend(tmp_path / 'chat.db')
    redis_url = request.getfixturevalue('redis_server').url
    return lambda: RedisBackend(redis_url)


@pytest.fixture
async def started(make_backend: Callable[[], Backend]) -> AsyncIterator[Started]:
    store = Started(make_backend())
    await store.backend.start(store.delivered.append)
    yield store
    await store.backend.stop()


async def test_append_returns_increasing_ids_and_delivers_each_message_once(started: Started) -> None:
    first = await started.backend.append('lobby', ALICE, 'one')
    second = await started.backend.append('other', ALICE, 'two')
    await started.delivered_equals([first, second])
    assert second.id > first.id
    assert (first.room, first.author, first.text) == ('lobby', ALICE, 'one')


async def test_history_pages_backwards_oldest_first_per_room(started: Started) -> None:
    lobby = [await started.backend.append('lobby', ALICE, f'{i}') for i in range(5)]
    await started.backend.append('elsewhere', ALICE, 'not here')
    latest = await started.backend.history('lobby', limit=2)
    assert latest == lobby[3:]
    assert await started.backend.history('lobby', before=latest[0].id, limit=2) == lobby[1:3]
    assert await started.backend.history('lobby', before=lobby[0].id) == []
    assert await started.backend.history('nobody-here') == []


async def test_since_returns_what_follows_an_id_oldest_first_per_room(started: Started) -> None:
    lobby = [await started.backend.append('lobby', ALICE, f'{i}') for i in range(5)]
    await started.backend.append('elsewhere', ALICE, 'not here')
    assert await started.backend.since('lobby', after=lobby[1].id, limit=2) == lobby[2:4]
    assert await started.backend.since('lobby', after=0, limit=10) == lobby
    assert await started.backend.since('lobby', after=lobby[-1].id, limit=10) == []
    assert await started.backend.since('nobody-here', after=0, limit=10) == []


async def test_text_round_trips_exactly(started: Started) -> None:
    texts = ['<script>alert(1)</script>', 'emoji 🦊 and \u202eRTL', 'line\nbreak', 'nul \x00 byte', ' padded ']
    sent = [await started.backend.append('lobby', ALICE, text) for text in texts]
    assert [message.text for message in await started.backend.history('lobby')] == texts
    await started.delivered_equals(sent)


async def test_rooms_are_listed_with_their_count_and_latest_activity(started: Started) -> None:
    assert await started.backend.rooms() == []
    await started.backend.append('quiet', ALICE, 'one')
    for i in range(3):
        last = await started.backend.append('busy', ALICE, f'{i}')
    rooms = await started.backend.rooms()
    assert [(room.name, room.message_count) for room in rooms] == [('busy', 3), ('quiet', 1)]
    assert rooms[0].last_activity == pytest.approx(last.sent_at)


async def test_messages_survive_a_restart_of_the_app(make_backend: Callable[[], Backend]) -> None:
    first_run = make_backend()
    await first_run.start(lambda message: None)
    sent = [await first_run.append('lobby', ALICE, f'message {i}') for i in range(3)]
    await first_run.stop()

    second_run = make_backend()
    await second_run.start(lambda message: None)
    assert await second_run.history('lobby') == sent
    await second_run.stop()


async def test_concurrent_appends_are_delivered_in_the_stores_order(started: Started) -> None:
    posts = [started.backend.append('lobby', Author(f'tab-{i}', f'Writer {i}'), f'#{i}') for i in range(30)]
    sent = await asyncio.gather(*posts)
    stored = await started.backend.history('lobby')
    assert sorted(message.id for message in sent) == [message.id for message in stored]
    await started.delivered_equals(stored)


async def page_names(backend: Backend, *, prefix: str = '', size: int) -> list[list[str]]:
    """Every page of the rooms list (of those starting with `prefix`), each page's names, from the newest on."""
    pages, after = [], None
    while page := await backend.rooms(prefix=prefix, after=after, limit=size):
        pages.append([room.name for room in page])
        after = RoomCursor(page[-1].last_activity, page[-1].name)
    return pages


async def test_rooms_are_paged_from_the_most_recent_back_each_page_after_the_last(started: Started) -> None:
    for name in ('r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6'):
        await started.backend.append(name, ALICE, 'hello')
    assert await page_names(started.backend, size=3) == [['r6', 'r5', 'r4'], ['r3', 'r2', 'r1'], ['r0']]
    first = await started.backend.rooms(limit=3)
    await started.backend.append('r2', ALICE, 'back again')
    after_first = await started.backend.rooms(after=RoomCursor(first[-1].last_activity, first[-1].name), limit=3)
    assert [room.name for room in after_first] == ['r3', 'r1', 'r0'], 'a room active again moves to the top'


async def test_rooms_active_at_the_same_moment_are_paged_by_name(
    started: Started, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rooms sharing a timestamp (a clock's resolution, processes at the same instant) each show exactly once."""
    for moment, name in ((999.0, 'zzz'), (1000.0, 'a'), (1000.0, 'c'), (1000.0, 'b'), (1000.0, 'd')):
        clock = SimpleNamespace(time=lambda moment=moment: moment)
        monkeypatch.setattr(f'{type(started.backend).__module__}.time', clock)
        await started.backend.append(name, ALICE, 'hello')
    assert await page_names(started.backend, size=2) == [['d', 'c'], ['b', 'a'], ['zzz']]
    assert await page_names(started.backend, size=3) == [['d', 'c', 'b'], ['a', 'zzz']]


async def test_rooms_are_searched_by_the_start_of_their_name(started: Started) -> None:
    for name in ('book', 'book-club', 'books_2', 'cookbook', 'boo', 'book_z', 'zz', 'zzz', 'bookz'):
        await started.backend.append(name, ALICE, 'hello')
    assert await page_names(started.backend, prefix='book', size=2) == [
        ['bookz', 'book_z'],
        ['books_2', 'book-club'],
        ['book'],
    ]
    assert await page_names(started.backend, prefix='book-', size=5) == [['book-club']]
    assert await page_names(started.backend, prefix='zz', size=5) == [['zzz', 'zz']]
    assert await page_names(started.backend, prefix='cookbook', size=5) == [['cookbook']]
    assert await page_names(started.backend, prefix='x', size=5) == []
    (book,) = await started.backend.rooms(prefix='book-c')
    assert (book.name, book.message_count) == ('book-club', 1)
