"""What only the Redis backend does: ride out an outage of Redis without losing or repeating messages.

The contract both backends share is in test_stores_messages.py.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
import redis.asyncio as aioredis

from chat.domain.model import Author, ChatError, ErrorKind, Message
from chat.stores.messages.redis import RedisBackend, to_int, to_stream_id
from tests.support.redis_server import RedisServer

ALICE = Author('tab-a', 'Alice')


async def wait_until_equal(delivered: list[Message], expected: list[Message]) -> None:
    async with asyncio.timeout(10):
        while delivered != expected:
            await asyncio.sleep(0.02)


async def test_an_outage_refuses_posts_clearly_and_delivery_resumes_where_it_stopped(
    redis_server: RedisServer,
) -> None:
    seen_by_a: list[Message] = []
    seen_by_b: list[Message] = []
    process_a, process_b = RedisBackend(redis_server.url), RedisBackend(redis_server.url)
    await process_a.start(seen_by_a.append)
    await process_b.start(seen_by_b.append)
    before = [await process_a.append('lobby', ALICE, 'before the outage')]
    await wait_until_equal(seen_by_b, before)

    assert await process_a.reachable()
    redis_server.stop()
    assert not await process_a.reachable()
    with pytest.raises(ChatError) as refused:
        await process_a.append('lobby', ALICE, 'during the outage')
    assert refused.value.kind is ErrorKind.UNAVAILABLE
    assert 'Reconnecting' in str(refused.value)

    redis_server.start()
    assert await process_a.reachable()
    after = [await process_b.append('lobby', ALICE, f'after the outage {i}') for i in range(3)]
    await wait_until_equal(seen_by_a, before + after)
    await wait_until_equal(seen_by_b, before + after)
    assert await process_a.history('lobby') == before + after
    await process_a.stop()
    await process_b.stop()


async def test_every_process_gets_every_message_in_one_order(redis_server: RedisServer) -> None:
    processes = [RedisBackend(redis_server.url) for _ in range(3)]
    delivered: list[list[Message]] = [[] for _ in processes]
    for process, seen in zip(processes, delivered, strict=True):
        await process.start(seen.append)
    posts = [processes[i % 3].append('lobby', Author(f'tab-{i}', f'Writer {i}'), f'#{i}') for i in range(30)]
    sent = await asyncio.gather(*posts)
    stored = await processes[0].history('lobby')
    assert sorted(message.id for message in sent) == [message.id for message in stored]
    for process, seen in zip(processes, delivered, strict=True):
        await wait_until_equal(seen, stored)
        await process.stop()


def test_message_ids_and_stream_ids_convert_both_ways() -> None:
    for stream_id in ['0-0', '1795617535199-0', '1795617535199-7', '1-1048575']:
        assert to_stream_id(to_int(stream_id)) == stream_id
    assert to_int('5-0') > to_int('4-1048575')


async def test_a_retried_append_is_stored_once(redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """redis-py retries a write whose reply a dropped connection lost; the token makes that safe."""
    backend = RedisBackend(redis_server.url)
    await backend.start(lambda message: None)
    monkeypatch.setattr(uuid, 'uuid4', lambda: uuid.UUID(int=7))
    first = await backend.append('lobby', ALICE, 'once')
    again = await backend.append('lobby', ALICE, 'once')
    assert again.id == first.id
    assert [message.text for message in await backend.history('lobby')] == ['once']
    await backend.stop()


async def test_rooms_stored_before_the_names_index_are_found_by_a_search(redis_server: RedisServer) -> None:
    """A Redis written by an earlier version has the rooms' activity and counts, but no names zset yet."""
    backend = RedisBackend(redis_server.url)
    await backend.start(lambda message: None)
    for room in ('book-club', 'lobby'):
        await backend.append(room, ALICE, 'hello')
    await backend.stop()
    async with aioredis.from_url(redis_server.url) as redis:
        await redis.delete('chat:names')

    restarted = RedisBackend(redis_server.url)
    await restarted.start(lambda message: None)
    found = await restarted.rooms(prefix='book')
    await restarted.stop()
    assert [(room.name, room.message_count) for room in found] == [('book-club', 1)]


async def everything_in(redis_server: RedisServer) -> str:
    """Every value Redis holds, read by its type, as one string."""
    async with aioredis.from_url(redis_server.url, decode_responses=True) as redis:
        values = []
        for key in await redis.keys('*'):
            kind = await redis.type(key)
            read = {'stream': redis.xrange, 'zset': redis.zrange, 'hash': redis.hgetall, 'string': redis.get}[kind]
            values.append(await (read(key, 0, -1) if kind == 'zset' else read(key)))
        return str(values)


async def test_edited_and_deleted_text_leaves_redis_and_the_feed(redis_server: RedisServer) -> None:
    """Stream entries cannot be changed in place: the original leaves the room's stream and the feed, so the
    text someone deleted (or edited away) is nowhere in Redis, nor in a reply to it, and a process starting after
    reads none of it."""
    delivered: list[Message] = []
    backend = RedisBackend(redis_server.url)
    await backend.start(delivered.append)
    try:
        first = await backend.append('lobby', ALICE, 'typo secret')
        await backend.append('lobby', ALICE, 'a reply keeps only the id', reply_to=first.id)
        await backend.edit('lobby', first.id, ALICE.id, 'second secret')
        deleted = await backend.delete('lobby', first.id, ALICE.id)
        kept = await backend.append('lobby', ALICE, 'kept')
        async with asyncio.timeout(10):
            while delivered[-2:] != [deleted, kept]:  # the edit's state may be skipped: it left the feed
                await asyncio.sleep(0.02)
        stored = await everything_in(redis_server)
        assert 'kept' in stored and 'secret' not in stored
    finally:
        await backend.stop()


async def test_removed_text_leaves_redis_and_the_feed(redis_server: RedisServer) -> None:
    delivered: list[Message] = []
    backend = RedisBackend(redis_server.url)
    await backend.start(delivered.append)
    try:
        rude = await backend.append('lobby', ALICE, 'rude secret')
        removed = await backend.remove('lobby', rude.id)
        kept = await backend.append('lobby', ALICE, 'kept')
        async with asyncio.timeout(10):
            while delivered[-2:] != [removed, kept]:
                await asyncio.sleep(0.02)
        stored = await everything_in(redis_server)
        assert 'kept' in stored and 'secret' not in stored
    finally:
        await backend.stop()
