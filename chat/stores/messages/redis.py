"""The scale-out backend: Redis Streams shared by every app process.

Each room is one stream (`XADD` gives the id and the order, `XREVRANGE` pages the history),
and one more stream, the feed, carries every new message to every process, which reads
it with `XREAD BLOCK` from the last id it delivered. A Lua script writes both streams and
the rooms summary in one atomic step; the feed's id is the message's id in its room too, so
ids are unique across rooms and the feed's order is the rooms' order everywhere. Each append
carries a one-time token the script remembers, so the client may retry a write whose reply
was lost to a dropped connection without storing the message twice. The rooms summary is a hash
of counts, a zset of last activity (the rooms list's order) and a zset of names all at score 0
(name order, for a search by the start of a name).

A stream entry cannot be changed in place, so an edit or deletion moves the message out of its
room's stream (and its original out of the feed) into the room's zset of changed messages, each
member its id in sortable form and its current state (`changed_member`); reads merge the two, and
the change goes out on the feed as a record of its own, so every process delivers it in order.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from typing import Any, cast

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from chat.domain.model import (
    QUOTE_SOURCE,
    Author,
    ChatError,
    ErrorKind,
    Message,
    Quote,
    RoomCursor,
    RoomSummary,
    gone,
    group_reactions,
    no_original,
    not_yours,
    quote_of,
    with_quotes,
)
from chat.domain.moderation import LogEntry
from chat.domain.notices import Notice, notice_from_json, notice_json
from chat.domain.private import Access, Member, OpenInvite, in_member_order, invite_id, is_private
from chat.domain.restrictions import EVERYWHERE, Mute
from chat.domain.search import Search
from chat.logs import log_event
from chat.stores.messages import DEFAULT_RETENTION, Deliver, Retention

log = logging.getLogger(__name__)

SEQUENCE_BITS = 20
FEED_LENGTH = 10_000
BLOCK_MILLISECONDS = 1000
TIMEOUTS = {'socket_connect_timeout': 2.0, 'socket_timeout': 5.0}  # a silent network fails, never hangs
RETRY_SECONDS = (0.1, 0.25, 0.5, 1.0, 2.0)
# redis-py types a reply for every client setup (bytes or str, either protocol's shapes). The clients here
# decode replies to str and keep redis-py's default (legacy) reply shapes, so the replies are these:
Entry = tuple[str, dict[str, str]]  # a stream entry (XRANGE, XREVRANGE): its id and its fields
FeedBatch = tuple[str, list[Entry]]  # one stream's entries in an XREAD reply (a two-item list): its key, its entries
UNAVAILABLE = 'Reconnecting to the chat store… your message was not sent yet. Please try again in a moment.'

TRIM_BATCH = 100  # rooms the retention pass trims per round trip
LEX_LENGTH = 24  # a stream id "ms-seq" as a string that sorts as the id does: 16 digits, "-", 7 digits
# A room's messages are its stream's entries and its changed messages (a zset, members led by their LEX id);
# `trim_to` keeps the newest `keep` of both together, as SQLite keeps its rows.
ROOM_FUNCTIONS = """
local function lex(id)
    local ms, seq = string.match(id, '(%d+)-(%d+)')
    return string.format('%016d-%07d', tonumber(ms), tonumber(seq))
end
local function size(room, changed)
    return redis.call('XLEN', room) + redis.call('ZCARD', changed)
end
local function trim_to(room, changed, keep)
    if redis.call('ZCARD', changed) == 0 then
        redis.call('XTRIM', room, 'MAXLEN', keep)
        return
    end
    while size(room, changed) > keep do
        local first = redis.call('XRANGE', room, '-', '+', 'COUNT', 1)[1]
        local oldest = redis.call('ZRANGE', changed, 0, 0)[1]
        if first and (not oldest or lex(first[1]) < string.sub(oldest, 1, 24)) then
            redis.call('XDEL', room, first[1])
        else
            redis.call('ZREMRANGEBYRANK', changed, 0, 0)
        end
    end
end
"""
SEARCH_CHUNK = 200  # entries a search reads per round trip and matches in one go: a few ms of the event loop
# A chunk of a room's stream, newest first from ARGV[1], as one JSON string: redis-py's parser takes about 40 µs per
# entry of a plain XREVRANGE reply in the event loop, json.loads about 1 µs.
SEARCH_READ = """
local entries = redis.call('XREVRANGE', KEYS[1], ARGV[1], '-', 'COUNT', ARGV[2])
if #entries == 0 then return '[]' end
return cjson.encode(entries)
"""
# A message of a room wherever it is: its stream entry's fields, or its state in the room's changed zset (and that
# member, to replace it), or nil; by its stream id and its LEX id.
FIND_FUNCTIONS = """
local function find(room, changed, stream_id, lex_id)
    local entry = redis.call('XRANGE', room, stream_id, stream_id)[1]
    if entry then
        local state = {}
        for i = 1, #entry[2], 2 do state[entry[2][i]] = entry[2][i + 1] end
        return state, nil
    end
    local member = redis.call('ZRANGEBYLEX', changed, '[' .. lex_id .. '|', '[' .. lex_id .. '}', 'LIMIT', 0, 1)[1]
    if member then return cjson.decode(string.sub(member, #lex_id + 2)), member end
    return nil, nil
end
"""
# ARGV[1] is --keep-messages (0: all); the room is trimmed exactly, so Redis keeps what SQLite keeps. A reply
# (ARGV[8] the original's stream id, ARGV[9] its LEX id, ARGV[10] its message id; '' for none) is stored only if
# its original is in the room; it keeps only the id. ARGV[11] is the mentions (tokens, space-separated), a field
# only when there are any; ARGV[12] a notice (JSON, `chat.domain.notices`), likewise.
APPEND = (
    ROOM_FUNCTIONS
    + FIND_FUNCTIONS
    + """
local done = redis.call('GET', KEYS[5])
if done then return done end
if ARGV[8] ~= '' and not find(KEYS[1], KEYS[7], ARGV[8], ARGV[9]) then return 'no_original' end
local fields = {'author_id', ARGV[3], 'author_name', ARGV[4], 'text', ARGV[5], 'sent_at', ARGV[6]}
if ARGV[8] ~= '' then
    table.insert(fields, 'reply_to')
    table.insert(fields, ARGV[10])
end
if ARGV[11] ~= '' then
    table.insert(fields, 'mentions')
    table.insert(fields, ARGV[11])
end
if ARGV[12] ~= '' then
    table.insert(fields, 'notice')
    table.insert(fields, ARGV[12])
end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'room', ARGV[7], unpack(fields))
redis.call('XADD', KEYS[1], id, unpack(fields))
if ARGV[1] ~= '0' then trim_to(KEYS[1], KEYS[7], tonumber(ARGV[1])) end
redis.call('HSET', KEYS[3], ARGV[7], size(KEYS[1], KEYS[7]))
redis.call('ZADD', KEYS[4], ARGV[6], ARGV[7])
redis.call('ZADD', KEYS[6], 0, ARGV[7])
redis.call('SET', KEYS[5], id, 'EX', 600)
return id
"""
)
# One room of the retention pass: drop messages before ARGV[2] (a stream id, or '0': none), keep the newest
# ARGV[3] (0: all), and keep the summary true; an emptied room leaves the rooms list. Returns how many went.
TRIM = (
    ROOM_FUNCTIONS
    + """
local before = size(KEYS[1], KEYS[5])
if ARGV[2] ~= '0' then
    redis.call('XTRIM', KEYS[1], 'MINID', ARGV[2])
    redis.call('ZREMRANGEBYLEX', KEYS[5], '-', '(' .. lex(ARGV[2]))
end
if ARGV[3] ~= '0' then trim_to(KEYS[1], KEYS[5], tonumber(ARGV[3])) end
local left = size(KEYS[1], KEYS[5])
if left == 0 then
    redis.call('DEL', KEYS[1], KEYS[5])
    redis.call('HDEL', KEYS[2], ARGV[1])
    redis.call('ZREM', KEYS[3], ARGV[1])
    redis.call('ZREM', KEYS[4], ARGV[1])
else
    redis.call('HSET', KEYS[2], ARGV[1], left)
end
return before - left
"""
)
# A message's current state and where it is (KEYS[1] its room's stream, KEYS[2] its changed zset, KEYS[3] the
# feed), for changing it: `load` finds message ARGV[1] (LEX id ARGV[2]); `later` is a revision after its last
# one; `publish` moves it out of the stream (or its earlier state out of the zset) and out of the feed, and
# writes its new state to both: the feed record, and the zset member, whose reactions field stays JSON text.
CHANGE_FUNCTIONS = (
    FIND_FUNCTIONS
    + """
local function load()
    return find(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
end
local function later(state)
    local now = redis.call('TIME')
    local at = now[1] .. '.' .. string.format('%06d', tonumber(now[2]))
    local last = math.max(tonumber(state.edited_at or 0), tonumber(state.reacted_at or 0))
    if last >= tonumber(at) then at = string.format('%.6f', last + 0.000001) end
    return at
end
-- the reply to a retry of a change that was made: the message as it is now (the token keeps no text)
local function current()
    local state = load()
    return cjson.encode(state and {'ok', state} or {'gone'})
end
local FIELDS = {'author_id', 'author_name', 'text', 'sent_at', 'edited_at', 'deleted', 'reacted_at', 'reactions',
    'reply_to', 'mentions', 'removed'}
local function publish(state, old, feed_length, room)
    if old then
        redis.call('ZREM', KEYS[2], old)
        redis.call('XDEL', KEYS[3], state.feed)
    else
        redis.call('XDEL', KEYS[1], ARGV[1])
        redis.call('XDEL', KEYS[3], ARGV[1])
    end
    state.message_id = ARGV[1]
    local record = {'room', room, 'message_id', ARGV[1]}
    for _, name in ipairs(FIELDS) do
        if state[name] then
            table.insert(record, name)
            table.insert(record, state[name])
        end
    end
    state.feed = redis.call('XADD', KEYS[3], 'MAXLEN', '~', feed_length, '*', unpack(record))
    redis.call('ZADD', KEYS[2], 0, ARGV[2] .. '|' .. cjson.encode(state))
end
-- a change of a message that stands (not deleted, no notice), made once: `apply(state, old)` makes it and returns
-- the reply; a message gone gets ["gone"], and a retry (the one-time token KEYS[4] set) the message as it is now
local function change(apply)
    if redis.call('EXISTS', KEYS[4]) == 1 then return current() end
    local state, old = load()
    local reply
    if not state or state.deleted == '1' or state.notice then
        reply = cjson.encode({'gone'})
    else
        reply = apply(state, old)
    end
    redis.call('SET', KEYS[4], 1, 'EX', 600)
    return reply
end
"""
)
# An edit (ARGV[5] '0') or deletion ('1') of message ARGV[1] (LEX id ARGV[2]) of room ARGV[7] by author ARGV[3];
# a deletion takes the reactions and mentions too. Replies (JSON) ["ok", state], ["gone"] or ["not_yours"].
CHANGE = (
    CHANGE_FUNCTIONS
    + """
return change(function(state, old)
    if state.author_id ~= ARGV[3] then return cjson.encode({'not_yours'}) end
    state.text, state.deleted, state.edited_at = ARGV[4], ARGV[5], later(state)
    if ARGV[5] == '1' then state.reactions, state.mentions = nil, nil end
    publish(state, old, ARGV[6], ARGV[7])
    return cjson.encode({'ok', state})
end)
"""
)
# A moderator's removal of message ARGV[1] (LEX id ARGV[2]) of room ARGV[4], whoever wrote it: a deletion marked
# `removed`. Replies as CHANGE does.
REMOVE = (
    CHANGE_FUNCTIONS
    + """
return change(function(state, old)
    state.text, state.deleted, state.removed, state.edited_at = '', '1', '1', later(state)
    state.reactions, state.mentions = nil, nil
    publish(state, old, ARGV[3], ARGV[4])
    return cjson.encode({'ok', state})
end)
"""
)
# Author ARGV[3] (named ARGV[4]) adds (ARGV[5] '1') or takes back ('0') emoji ARGV[6] on message ARGV[1] of room
# ARGV[8]; reactions are [emoji, author id, author name] in the order chosen. Replies as CHANGE does.
REACT = (
    CHANGE_FUNCTIONS
    + """
return change(function(state, old)
    local reactions, kept = state.reactions and cjson.decode(state.reactions) or {}, {}
    local found = false
    for _, reaction in ipairs(reactions) do
        if reaction[1] == ARGV[6] and reaction[2] == ARGV[3] then
            found = true
            if ARGV[5] == '1' then table.insert(kept, reaction) end
        else
            table.insert(kept, reaction)
        end
    end
    if ARGV[5] == '1' and not found then table.insert(kept, {ARGV[6], ARGV[3], ARGV[4]}) end
    state.reactions = #kept > 0 and cjson.encode(kept) or nil
    state.reacted_at = later(state)
    publish(state, old, ARGV[7], ARGV[8])
    return cjson.encode({'ok', state})
end)
"""
)
# The quotes of messages of a room (KEYS[1] its stream, KEYS[2] its changed zset), each given by three ARGV: its
# stream id, LEX id and message id; each found one as [message id, author name, the start of its text (at most
# ARGV[1] bytes, cut between characters), deleted and removed, each '1' or '0'].
QUOTES = (
    FIND_FUNCTIONS
    + """
local function head(text, size)
    if #text <= size then return text end
    local cut = size
    while cut > 0 and string.byte(text, cut + 1) >= 128 and string.byte(text, cut + 1) < 192 do cut = cut - 1 end
    return string.sub(text, 1, cut)
end
local found = {}
for i = 2, #ARGV, 3 do
    local state = find(KEYS[1], KEYS[2], ARGV[i], ARGV[i + 1])
    if state then
        local text = head(state.text, tonumber(ARGV[1]))
        table.insert(found, {ARGV[i + 2], state.author_name, text, state.deleted or '0', state.removed or '0'})
    end
end
return found
"""
)
# Up to ARGV[4] messages of a room from its stream and its changed zset, each from its bound (ARGV[2] a stream
# id, ARGV[3] a LEX range bound) back ('back') or forward; the caller merges them and keeps the nearest.
READ = """
if ARGV[1] == 'back' then
    return {redis.call('XREVRANGE', KEYS[1], ARGV[2], '-', 'COUNT', ARGV[4]),
            redis.call('ZREVRANGEBYLEX', KEYS[2], ARGV[3], '-', 'LIMIT', 0, ARGV[4])}
end
return {redis.call('XRANGE', KEYS[1], ARGV[2], '+', 'COUNT', ARGV[4]),
        redis.call('ZRANGEBYLEX', KEYS[2], ARGV[3], '+', 'LIMIT', 0, ARGV[4])}
"""
# A page of the rooms list: the activity zset (or, for a search, its rooms whose names are in the prefix's
# range of the names zset) from score ARGV[2] down, with their counts. Rooms that share the cursor's
# score come too, as many as there are; the caller drops those at or before the cursor's name.
ROOMS_PAGE = """
local source = KEYS[1]
if ARGV[1] ~= '' then
    redis.call('ZRANGESTORE', KEYS[4], KEYS[3], '[' .. ARGV[1], '(' .. ARGV[5], 'BYLEX')
    redis.call('ZINTERSTORE', KEYS[4], 2, KEYS[1], KEYS[4], 'WEIGHTS', 1, 0)
    source = KEYS[4]
end
local ties = 0
if ARGV[3] ~= '' then ties = redis.call('ZCOUNT', source, ARGV[2], ARGV[2]) end
local rows = redis.call('ZREVRANGEBYSCORE', source, ARGV[2], '-inf', 'WITHSCORES', 'LIMIT', 0, ARGV[4] + ties)
redis.call('DEL', KEYS[4])
local page = {}
for i = 1, #rows, 2 do
    table.insert(page, {rows[i], rows[i + 1], redis.call('HGET', KEYS[2], rows[i]) or '0'})
end
return page
"""
# A private room (KEYS[1], a hash) with its owner ARGV[1] as its first member (KEYS[2], a set); 0 if it exists.
CREATE_PRIVATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'created_at', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
return 1
"""
# Invite KEYS[1] (room, uses: -1 for any, expires_at: '' for never) makes ARGV[1] a member at time ARGV[2] of the
# room whose members set is ARGV[3] .. room; a new member uses a use. The room's name, or nil for no valid invite.
REDEEM = """
local room = redis.call('HGET', KEYS[1], 'room')
if not room then return nil end
local uses = tonumber(redis.call('HGET', KEYS[1], 'uses'))
local expires = redis.call('HGET', KEYS[1], 'expires_at')
if uses == 0 or (expires ~= '' and tonumber(expires) <= tonumber(ARGV[2])) then return nil end
if redis.call('SADD', ARGV[3] .. room, ARGV[1]) == 1 and uses > 0 then
    redis.call('HINCRBY', KEYS[1], 'uses', -1)
end
return room
"""

# Moderator link KEYS[1] (its expiry time, also its key's) makes ARGV[1] a member of the moderators set KEYS[2] at
# time ARGV[2], and is used up; 1 if it did, 0 for no valid link.
REDEEM_MODERATOR_LINK = """
local expires = redis.call('GET', KEYS[1])
if not expires then return 0 end
redis.call('DEL', KEYS[1])
if tonumber(expires) <= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[2], ARGV[1])
return 1
"""
LOG_FIELDS = ('at', 'moderator', 'action', 'room', 'target', 'detail')
# The name person ARGV[1] last had in a private room (KEYS[2], a hash), kept only while they are a member (KEYS[1]).
REMEMBER_NAME = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) end
"""


class RedisBackend:
    """Messages in Redis Streams; delivery to this process comes only from the shared feed."""

    def __init__(self, url: str, retention: Retention = DEFAULT_RETENTION, *, prefix: str = 'chat:') -> None:
        self.url = url
        self.retention = retention
        self.prefix = prefix
        self._redis: aioredis.Redis | None = None
        self._feed: aioredis.Redis | None = None
        self._reader: asyncio.Task[None] | None = None
        self._stopping = False
        self._append: AsyncScript | None = None
        self._change: AsyncScript | None = None
        self._react: AsyncScript | None = None
        self._remove: AsyncScript | None = None
        self._read: AsyncScript | None = None
        self._trim: AsyncScript | None = None
        self._rooms_page: AsyncScript | None = None
        self._search_read: AsyncScript | None = None
        self._quotes: AsyncScript | None = None
        self._create_private: AsyncScript | None = None
        self._redeem: AsyncScript | None = None
        self._redeem_moderator_link: AsyncScript | None = None
        self._remember_name: AsyncScript | None = None

    async def start(self, deliver: Deliver) -> None:
        retry = Retry(ExponentialBackoff(1, 0.1), 3)
        self._redis = aioredis.from_url(self.url, decode_responses=True, retry=retry, **TIMEOUTS)
        self._feed = aioredis.from_url(self.url, decode_responses=True, retry=Retry(NoBackoff(), 0), **TIMEOUTS)
        self._append = self._redis.register_script(APPEND)
        self._change = self._redis.register_script(CHANGE)
        self._react = self._redis.register_script(REACT)
        self._remove = self._redis.register_script(REMOVE)
        self._read = self._redis.register_script(READ)
        self._trim = self._redis.register_script(TRIM)
        self._rooms_page = self._redis.register_script(ROOMS_PAGE)
        self._search_read = self._redis.register_script(SEARCH_READ)
        self._quotes = self._redis.register_script(QUOTES)
        self._create_private = self._redis.register_script(CREATE_PRIVATE)
        self._redeem = self._redis.register_script(REDEEM)
        self._redeem_moderator_link = self._redis.register_script(REDEEM_MODERATOR_LINK)
        self._remember_name = self._redis.register_script(REMEMBER_NAME)
        await self._index_names()
        newest = cast(list[Entry], await self._redis.xrevrange(self._key('feed'), count=1))
        self._stopping = False
        self._reader = asyncio.create_task(self._follow_feed(deliver, newest[0][0] if newest else '0-0'))

    async def stop(self) -> None:
        """Tell the feed reader to stop and close its connection, then release the clients.

        The reader is not cancelled: a cancellation that lands while redis-py is connecting or
        reading could be lost and hang shutdown. Closing the feed's connection (its client never
        retries; the reader has its own backoff) usually ends a blocked read at once, and the
        bounded `XREAD BLOCK` ends any other within a second.
        """
        self._stopping = True
        if self._feed is not None:
            await self._feed.connection_pool.disconnect()
        if self._reader is not None:
            await self._reader
            self._reader = None
        for client in (self._feed, self._redis):
            if client is not None:
                await client.aclose()
        self._redis = self._feed = None

    async def append(
        self,
        room: str,
        author: Author,
        text: str,
        *,
        reply_to: int | None = None,
        mentions: tuple[str, ...] = (),
        notice: Notice | None = None,
    ) -> Message:
        assert self._append is not None, 'the Redis backend has not been started'
        original: list[int | str] = ['', '', ''] if reply_to is None else [*self._find_args(reply_to)]
        sent_at = time.time()
        done = self._key('appended', uuid.uuid4().hex)
        activity, names = self._summary_keys(room)
        keys = [self._key('room', room), self._key('feed'), self._key('counts'), activity, done, names,
                self._key('changed', room)]  # fmt: skip
        values: list[int | str] = [
            self.retention.keep_messages,
            FEED_LENGTH,
            author.id,
            author.name,
            text,
            repr(sent_at),
            room,
            *original,
            ' '.join(mentions),
            '' if notice is None else notice_json(notice),
        ]
        try:
            stream_id: str = await self._append(keys=keys, args=values)  # the script returns the new id
        except RedisError as error:
            log_event(log, logging.WARNING, 'store_failed', room=room, error=error)
            raise ChatError(ErrorKind.UNAVAILABLE, UNAVAILABLE) from error
        if stream_id == 'no_original':
            raise no_original()
        message = Message(
            to_int(stream_id), room, author, text, sent_at, reply_to=reply_to, mentions=mentions, notice=notice
        )
        return (await self._quoted(room, [message], UNAVAILABLE))[0]

    async def edit(self, room: str, message_id: int, author_id: str, text: str) -> Message:
        return await self._change_message(room, message_id, author_id, text, deleted=False)

    async def delete(self, room: str, message_id: int, author_id: str) -> Message:
        return await self._change_message(room, message_id, author_id, '', deleted=True)

    async def _change_message(self, room: str, message_id: int, author_id: str, text: str, *, deleted: bool) -> Message:
        stream_id = to_stream_id(message_id)
        values: list[str | int] = [stream_id, lex(stream_id), author_id, text, int(deleted), FEED_LENGTH, room]
        reply = await self._run_change(self._change, room, values)
        if reply[0] == 'not_yours':
            raise not_yours('delete' if deleted else 'edit')
        return (await self._quoted(room, [_message(room, stream_id, reply[1])], UNAVAILABLE))[0]

    async def remove(self, room: str, message_id: int) -> Message:
        stream_id = to_stream_id(message_id)
        reply = await self._run_change(self._remove, room, [stream_id, lex(stream_id), FEED_LENGTH, room])
        return (await self._quoted(room, [_message(room, stream_id, reply[1])], UNAVAILABLE))[0]

    async def react(self, room: str, message_id: int, author: Author, emoji: str, *, on: bool) -> Message:
        stream_id = to_stream_id(message_id)
        values: list[str | int] = [stream_id, lex(stream_id), author.id, author.name, int(on), emoji, FEED_LENGTH, room]
        reply = await self._run_change(self._react, room, values)
        return (await self._quoted(room, [_message(room, stream_id, reply[1])], UNAVAILABLE))[0]

    async def _run_change(self, script: AsyncScript | None, room: str, values: list[str | int]) -> list[Any]:
        """Run a script that changes a message (`CHANGE_FUNCTIONS`) and return its reply; raise GONE for "gone"."""
        assert script is not None, 'the Redis backend has not been started'
        keys = [self._key('room', room), self._key('changed', room), self._key('feed'),
                self._key('changes-done', uuid.uuid4().hex)]  # fmt: skip
        try:
            reply = cast(list[Any], json.loads(await script(keys=keys, args=values)))
        except RedisError as error:
            log_event(log, logging.WARNING, 'store_failed', room=room, error=error)
            raise ChatError(ErrorKind.UNAVAILABLE, UNAVAILABLE) from error
        if reply[0] == 'gone':
            raise gone()
        return reply

    async def history(self, room: str, *, before: int | None = None, limit: int = 50) -> list[Message]:
        bounds = ('+', '+') if before is None else (f'({to_stream_id(before)}', f'({lex(to_stream_id(before))}')
        messages = await self._read_room(room, 'back', *bounds, limit, 'The earlier messages could not be loaded.')
        return messages[-limit:]

    async def since(self, room: str, *, after: int, limit: int) -> list[Message]:
        stream_id = to_stream_id(after)
        bounds = f'({stream_id}', f'[{lex(stream_id)}}}'  # "}" sorts after "|": not the member of `after` itself
        return (await self._read_room(room, 'forward', *bounds, limit, 'The missed messages could not be loaded.'))[
            :limit
        ]

    async def _read_room(
        self, room: str, direction: str, stream_bound: str, lex_bound: str, limit: int, failure: str
    ) -> list[Message]:
        """Up to `limit` messages from the stream and up to `limit` changed ones beyond the bounds, oldest first."""
        assert self._read is not None, 'the Redis backend has not been started'
        keys = [self._key('room', room), self._key('changed', room)]
        try:
            entries, changed = cast(
                tuple[list[tuple[str, list[str]]], list[str]],
                await self._read(keys=keys, args=[direction, stream_bound, lex_bound, limit]),
            )
        except RedisError as error:
            log_event(log, logging.WARNING, 'history_failed', room=room, error=error)
            raise ChatError(ErrorKind.UNAVAILABLE, failure) from error
        messages = [_message(room, stream_id, _pairs(fields)) for stream_id, fields in entries]
        for member in changed:
            state = _changed_state(member)
            messages.append(_message(room, state['message_id'], state))
        return await self._quoted(room, sorted(messages, key=lambda message: message.id), failure)

    async def quotes(self, room: str, ids: list[int]) -> dict[int, Quote]:
        try:
            return await self._read_quotes(room, ids)
        except RedisError as error:
            log_event(log, logging.WARNING, 'history_failed', room=room, error=error)
            raise ChatError(ErrorKind.UNAVAILABLE, 'The message replied to could not be read.') from error

    async def _quoted(self, room: str, messages: list[Message], failure: str) -> list[Message]:
        """`messages` with the quotes of those that reply, in one more script call if any does."""
        replied = [message.reply_to for message in messages if message.reply_to is not None]
        if not replied:
            return messages
        try:
            return with_quotes(messages, await self._read_quotes(room, replied))
        except RedisError as error:
            log_event(log, logging.WARNING, 'history_failed', room=room, error=error)
            raise ChatError(ErrorKind.UNAVAILABLE, failure) from error

    async def _read_quotes(self, room: str, ids: list[int]) -> dict[int, Quote]:
        assert self._quotes is not None, 'the Redis backend has not been started'
        keys, values = self._quotes_call(room, ids)
        return _parse_quotes(await self._quotes(keys=keys, args=values))

    def _quotes_call(self, room: str, ids: list[int]) -> tuple[list[str], list[str | int]]:
        """The keys and arguments of one `QUOTES` call for the quotes of `ids` in `room`."""
        values: list[str | int] = [4 * QUOTE_SOURCE]  # bytes: a character takes at most 4 in UTF-8
        for message_id in dict.fromkeys(ids):
            values += self._find_args(message_id)
        return [self._key('room', room), self._key('changed', room)], values

    @staticmethod
    def _find_args(message_id: int) -> tuple[str, str, int]:
        """How the scripts' `find` names a message: its stream id and LEX id, and its message id."""
        stream_id = to_stream_id(message_id)
        return stream_id, lex(stream_id), message_id

    async def _with_feed_quotes(self, entries: list[tuple[str, Message]]) -> list[tuple[str, Message]]:
        """The feed's messages with the quotes of those that reply: one round trip for all their rooms, once per
        process, before any of them is delivered. Raises `RedisError`, so the reader reads them again."""
        assert self._quotes is not None, 'the Redis backend has not been started'
        replied: dict[str, list[int]] = {}
        for _, message in entries:
            if message.reply_to is not None:
                replied.setdefault(message.room, []).append(message.reply_to)
        if not replied:
            return entries
        async with self._require_started().pipeline(transaction=False) as pipe:
            for room, ids in replied.items():
                keys, values = self._quotes_call(room, ids)
                await self._quotes(keys=keys, args=values, client=pipe)
            found = dict(zip(replied, map(_parse_quotes, await pipe.execute()), strict=True))
        return [
            (entry_id, message if message.reply_to is None else with_quotes([message], found[message.room])[0])
            for entry_id, message in entries
        ]

    async def search(self, room: str, search: Search, *, before: int | None = None, limit: int = 20) -> list[Message]:
        """Read the room's stream back from `before`, `SEARCH_CHUNK` entries at a time, matching each entry in
        Python as FTS5 would, until `limit` matched: at most the room's `--keep-messages` entries a search.

        Edited messages live in the room's changed zset instead (bounded by the same count): it is read once,
        and its matches join the stream's down to the oldest entry read so far, so the order stays by id.
        """
        assert self._search_read is not None, 'the Redis backend has not been started'
        redis = self._require_started()
        newest = '+' if before is None else f'({to_stream_id(before)}'
        found: list[Message] = []
        try:
            members = cast(
                list[str],
                await redis.zrevrangebylex(
                    self._key('changed', room), '+' if before is None else f'({lex(to_stream_id(before))}', '-'
                ),
            )
            edited = [_message(room, state['message_id'], state) for state in map(_changed_state, members)]
            edited = [message for message in edited if not message.deleted and search.matches(message.text)]
            while True:
                chunk = await self._search_read(keys=[self._key('room', room)], args=[newest, SEARCH_CHUNK])
                entries: list[tuple[str, list[str]]] = json.loads(chunk)
                for id_, pairs in entries:
                    fields = _pairs(pairs)
                    if search.matches(fields['text']):
                        found.append(_message(room, id_, fields))
                done = len(entries) < SEARCH_CHUNK
                oldest = -1 if done else to_int(entries[-1][0])
                matches = found + [message for message in edited if message.id > oldest]
                if done or len(matches) >= limit:
                    return sorted(matches, key=lambda message: message.id, reverse=True)[:limit]
                newest = f'({entries[-1][0]}'
        except RedisError as error:
            log_event(log, logging.WARNING, 'search_failed', room=room, error=error)
            raise ChatError(ErrorKind.UNAVAILABLE, 'The search could not be run. Please try again.') from error

    async def rooms(self, *, prefix: str = '', after: RoomCursor | None = None, limit: int = 50) -> list[RoomSummary]:
        """One script call: `ZREVRANGEBYSCORE ... LIMIT` on the activity zset, or for a search on the
        intersection of it with the prefix's `ZRANGEBYLEX` range of the names zset."""
        assert self._rooms_page is not None, 'the Redis backend has not been started'
        keys = [self._key('activity'), self._key('counts'), self._key('names'), self._key('search', uuid.uuid4().hex)]
        end = prefix[:-1] + chr(ord(prefix[-1]) + 1) if prefix else ''
        newest = '+inf' if after is None else repr(after.last_activity)
        values: list[str | int] = [prefix, newest, '' if after is None else after.name, limit, end]
        try:
            rows = cast(list[tuple[str, str, str]], await self._rooms_page(keys=keys, args=values))
        except RedisError as error:
            log_event(log, logging.WARNING, 'rooms_failed', error=error)
            raise ChatError(ErrorKind.UNAVAILABLE, 'The rooms could not be listed.') from error
        page = [RoomSummary(name, int(count), float(score)) for name, score, count in rows]
        if after is not None:
            page = [room for room in page if (room.last_activity, room.name) < (after.last_activity, after.name)]
        return page[:limit]

    async def trim(self, now: float) -> int:
        """Trim every room in the rooms summary, `TRIM_BATCH` rooms per round trip (`ZSCAN` sees each room
        that exists throughout the pass at least once)."""
        redis = self._require_started()
        cutoff = self.retention.cutoff(now)
        # stream ids start with their time in ms: MINID drops the entries written before the cutoff
        min_id = '0' if cutoff is None else f'{max(0, int(cutoff * 1000))}-0'
        removed = 0
        batch: list[str] = []
        try:
            for activity in (self._key('activity'), self._key('private-activity')):
                async for room, _ in redis.zscan_iter(activity, count=TRIM_BATCH):
                    batch.append(room)
                    if len(batch) >= TRIM_BATCH:
                        removed += await self._trim_rooms(redis, batch, min_id)
                        batch = []
            removed += await self._trim_rooms(redis, batch, min_id)
        except RedisError as error:
            log_event(log, logging.WARNING, 'trim_failed', error=error)
            raise ChatError(ErrorKind.UNAVAILABLE, 'The old messages could not be removed.') from error
        return removed

    async def _trim_rooms(self, redis: aioredis.Redis, rooms: list[str], min_id: str) -> int:
        assert self._trim is not None, 'the Redis backend has not been started'
        async with redis.pipeline(transaction=False) as pipe:
            for room in rooms:
                keys = [self._key('room', room), self._key('counts'), *self._summary_keys(room),
                        self._key('changed', room)]  # fmt: skip
                await self._trim(keys=keys, args=[room, min_id, self.retention.keep_messages], client=pipe)
            return sum(int(count) for count in await pipe.execute())

    async def reachable(self) -> bool:
        if self._redis is None:
            return False
        try:
            return bool(await self._redis.ping())
        except RedisError:
            return False

    async def _index_names(self) -> None:
        """Fill the names zset (every room at score 0, in name order) from the activity zset, once: rooms
        stored before the names zset existed are found by a search too."""
        redis = self._require_started()
        names, activity = self._key('names'), self._key('activity')
        if await redis.zcard(names) < await redis.zcard(activity):
            await redis.zunionstore(names, {names: 0, activity: 0})

    async def _follow_feed(self, deliver: Deliver, last_id: str) -> None:
        """Deliver every feed entry after `last_id`, resuming from the last delivered one after an outage."""
        assert self._feed is not None, 'the Redis backend has not been started'
        failures = 0
        while not self._stopping:
            try:
                batches = cast(
                    list[FeedBatch],
                    await self._feed.xread({self._key('feed'): last_id}, block=BLOCK_MILLISECONDS, count=500),
                )
                entries = await self._with_feed_quotes(
                    [
                        (entry_id, _message(fields['room'], fields.get('message_id', entry_id), fields))
                        for _, batch in batches
                        for entry_id, fields in batch
                    ]
                )
            except Exception as error:
                if self._stopping:  # the stop's own disconnect, which can land inside redis-py's connect as any error
                    return
                if not isinstance(error, RedisError):
                    raise
                delay = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                failures += 1
                log_event(log, logging.WARNING, 'feed_failed', retry_in_s=delay, error=error)
                await asyncio.sleep(delay)
                continue
            if failures:
                log_event(log, logging.INFO, 'feed_resumed', from_id=last_id)
            failures = 0
            for entry_id, message in entries:
                last_id = entry_id
                deliver(message)

    def _summary_keys(self, room: str) -> tuple[str, str]:
        """The activity and names zsets `room` is in: a private room's are apart, so the rooms list never sees it."""
        if is_private(room):
            return self._key('private-activity'), self._key('private-names')
        return self._key('activity'), self._key('names')

    async def create_private(self, room: str, owner: str, now: float) -> None:
        assert self._create_private is not None, 'the Redis backend has not been started'
        keys = [self._key('private', room), self._key('members', room)]
        try:
            created = await self._create_private(keys=keys, args=[owner, repr(now)])
        except RedisError as error:
            log_event(log, logging.WARNING, 'store_failed', room=room, error=error)
            raise ChatError(ErrorKind.UNAVAILABLE, 'The room could not be created. Please try again.') from error
        if not created:
            raise ChatError(ErrorKind.STORAGE, 'The room could not be created. Please try again.')

    async def access(self, room: str, person: str) -> Access:
        redis = self._require_started()
        try:
            async with redis.pipeline(transaction=False) as pipe:
                pipe.hget(self._key('private', room), 'owner')
                pipe.sismember(self._key('members', room), person)
                owner, member = await pipe.execute()
        except RedisError as error:
            log_event(log, logging.WARNING, 'store_failed', room=room, error=error)
            raise ChatError(ErrorKind.UNAVAILABLE, 'The room could not be opened. Please try again.') from error
        if owner is None or not member:
            return Access.NONE
        return Access.OWNER if owner == person else Access.MEMBER

    async def add_invite(self, token_hash: str, room: str, uses: int | None, expires_at: float | None) -> None:
        """The invite's hash leaves Redis when it expires, so expired invites take no memory."""
        redis = self._require_started()
        key = self._key('invite', token_hash)
        expiry = '' if expires_at is None else repr(expires_at)
        try:
            async with redis.pipeline(transaction=True) as pipe:
                pipe.hset(key, items=['room', room, 'uses', -1 if uses is None else uses, 'expires_at', expiry])
                pipe.hset(key, 'created_at', repr(time.time()))
                if expires_at is not None:
                    pipe.expireat(key, int(expires_at) + 1)
                pipe.sadd(self._key('room-invites', room), token_hash)
                await pipe.execute()
        except RedisError as error:
            log_event(log, logging.WARNING, 'store_failed', room=room, error=error)
            raise ChatError(ErrorKind.UNAVAILABLE, 'The invite could not be saved. Please try again.') from error

    async def redeem(self, token_hash: str, person: str, now: float) -> str | None:
        assert self._redeem is not None, 'the Redis backend has not been started'
        try:
            room = await self._redeem(
                keys=[self._key('invite', token_hash)], args=[person, repr(now), self._key('members', '')]
            )
        except RedisError as error:
            log_event(log, logging.WARNING, 'store_failed', error=error)
            raise ChatError(ErrorKind.UNAVAILABLE, 'The invite could not be used. Please try again.') from error
        return None if room is None else str(room)

    async def is_moderator(self, person: str) -> bool:
        try:
            return bool(await self._require_started().sismember(self._key('moderators'), person))
        except RedisError as error:
            log_event(log, logging.WARNING, 'store_failed', error=error)
            raise ChatError(ErrorKind.UNAVAILABLE, 'The moderators could not be read. Please try again.') from error

    async def add_moderator_link(self, token_hash: str, expires_at: float) -> None:
        """The link's key expires with it, so unused links take no memory."""
        key = self._key('moderator-link', token_hash)
        try:
            await self._require_started().set(key, repr(expires_at), exat=int(expires_at) + 1)
        except RedisError as error:
            log_event(log, logging.WARNING, 'store_failed', error=error)
            raise ChatError(ErrorKind.UNAVAILABLE, 'The moderator link could not be saved.') from error

    async def redeem_moderator_link(self, token_hash: str, person: str, now: float) -> bool:
        assert self._redeem_moderator_link is not None, 'the Redis backend has not been started'
        keys = [self._key('moderator-link', token_hash), self._key('moderators')]
        try:
            return bool(await self._redeem_moderator_link(keys=keys, args=[person, repr(now)]))
        except RedisError as error:
            log_event(log, logging.WARNING, 'store_failed', error=error)
            raise ChatError(ErrorKind.UNAVAILABLE, 'The moderator link could not be used. Please try again.') from error

    async def add_log_entry(
        self, at: float, moderator: str, action: str, room: str, target: str, detail: str
    ) -> LogEntry:
        """One entry of the log stream, whose id orders the log as SQLite's does."""
        fields = dict(zip(LOG_FIELDS, (repr(at), moderator, action, room, target, detail), strict=True))
        try:
            stream_id = await self._require_started().xadd(self._key('moderation-log'), fields)  # type: ignore[arg-type]
        except RedisError as error:
            log_event(log, logging.WARNING, 'store_failed', room=room, error=error)
            raise ChatError(ErrorKind.UNAVAILABLE, 'The moderation log could not be written.') from error
        return LogEntry(to_int(str(stream_id)), at, moderator, action, room, target, detail)

    async def moderation_log(self, before: int | None, limit: int) -> list[LogEntry]:
        newest = '+' if before is None else f'({to_stream_id(before)}'
        try:
            entries = cast(
                list[Entry], await self._require_started().xrevrange(self._key('moderation-log'), newest, '-', limit)
            )
        except RedisError as error:
            log_event(log, logging.WARNING, 'store_failed', error=error)
            raise ChatError(ErrorKind.UNAVAILABLE, 'The moderation log could not be read.') from error
        return [
            LogEntry(to_int(id_), float(f['at']), f['moderator'], f['action'], f['room'], f['target'], f['detail'])
            for id_, f in entries
        ]

    async def members(self, room: str) -> list[Member]:
        redis = self._require_started()
        try:
            async with redis.pipeline(transaction=False) as pipe:
                pipe.hget(self._key('private', room), 'owner')
                pipe.smembers(self._key('members', room))
                pipe.hgetall(self._key('member-names', room))
                owner, people, names = await pipe.execute()
        except RedisError as error:
            raise _private_failure(room, error, "The room's members could not be read. Please try again.") from error
        if owner is None:
            return []
        return in_member_order([Member(person, names.get(person, ''), person == owner) for person in people])

    async def remember_name(self, room: str, person: str, name: str) -> None:
        assert self._remember_name is not None, 'the Redis backend has not been started'
        keys = [self._key('members', room), self._key('member-names', room)]
        try:
            await self._remember_name(keys=keys, args=[person, name])
        except RedisError as error:
            raise _private_failure(room, error, 'The room could not be changed. Please try again.') from error

    async def remove_member(self, room: str, person: str) -> bool:
        redis = self._require_started()
        try:
            async with redis.pipeline(transaction=True) as pipe:
                pipe.srem(self._key('members', room), person)
                pipe.hdel(self._key('member-names', room), person)
                removed, _ = await pipe.execute()
        except RedisError as error:
            raise _private_failure(room, error, 'The room could not be changed. Please try again.') from error
        return bool(removed)

    async def invites(self, room: str) -> list[OpenInvite]:
        """The room's set of invite hashes, each read in one pipeline; hashes whose invite expired leave the set."""
        redis = self._require_started()
        index = self._key('room-invites', room)
        try:
            hashes = sorted(cast(set[str], await redis.smembers(index)))
            async with redis.pipeline(transaction=False) as pipe:
                for token_hash in hashes:
                    pipe.hgetall(self._key('invite', token_hash))
                found = await pipe.execute()
            if gone := [token_hash for token_hash, fields in zip(hashes, found, strict=True) if not fields]:
                await redis.srem(index, *gone)
        except RedisError as error:
            raise _private_failure(room, error, "The room's invites could not be read. Please try again.") from error
        now = time.time()
        listed = [_open_invite(token_hash, fields) for token_hash, fields in zip(hashes, found, strict=True) if fields]
        return sorted(
            (
                invite
                for invite in listed
                if invite.uses_left != 0 and (invite.expires_at is None or invite.expires_at > now)
            ),
            key=lambda invite: (invite.created_at, invite.id),
        )

    async def revoke_invite(self, room: str, invite_id: str) -> bool:
        redis = self._require_started()
        index = self._key('room-invites', room)
        try:
            stored = cast(set[str], await redis.smembers(index))
            hashes = [token_hash for token_hash in stored if token_hash.startswith(invite_id)]
            if not hashes:
                return False
            async with redis.pipeline(transaction=True) as pipe:
                pipe.delete(*(self._key('invite', token_hash) for token_hash in hashes))
                pipe.srem(index, *hashes)
                deleted, _ = await pipe.execute()
        except RedisError as error:
            raise _private_failure(room, error, 'The room could not be changed. Please try again.') from error
        return bool(deleted)

    def _require_started(self) -> aioredis.Redis:
        if self._redis is None:
            raise RuntimeError('the Redis backend has not been started')
        return self._redis

    async def set_read_only(self, room: str, read_only: bool) -> bool:
        redis = self._require_started()
        key = self._key('read-only-rooms')
        try:
            changed = await (redis.sadd(key, room) if read_only else redis.srem(key, room))
        except RedisError as error:
            raise _restriction_failure(error, 'The change could not be saved. Please try again.') from error
        return bool(changed)

    async def read_only_rooms(self) -> list[str]:
        try:
            return [str(room) for room in await self._require_started().smembers(self._key('read-only-rooms'))]
        except RedisError as error:
            raise _restriction_failure(error, 'The read-only rooms could not be read.') from error

    async def add_mute(self, mute: Mute) -> None:
        """One JSON member of a sorted set by end time; ended ones leave it as a mute is added."""
        key = self._key('mutes')
        fields = (mute.person, mute.address, mute.room, mute.until, mute.reason, mute.name)
        try:
            async with self._require_started().pipeline(transaction=True) as pipe:
                pipe.zremrangebyscore(key, '-inf', time.time())
                pipe.zadd(key, {json.dumps([uuid.uuid4().hex, *fields], ensure_ascii=False): mute.until})
                await pipe.execute()
        except RedisError as error:
            raise _restriction_failure(error, 'The mute could not be saved. Please try again.') from error

    async def mutes(self, now: float) -> list[Mute]:
        try:
            members = await self._require_started().zrangebyscore(self._key('mutes'), f'({now!r}', '+inf')
        except RedisError as error:
            raise _restriction_failure(error, 'The mutes could not be read.') from error
        return [Mute(*json.loads(cast(str, member))[1:]) for member in members]

    async def lift_mutes(self, person: str, room: str, now: float) -> list[Mute]:
        """Find the person's members among those in force, then remove them: a member only one ZREM removes is
        returned by that caller only."""
        key = self._key('mutes')
        redis = self._require_started()
        try:
            members = [cast(str, member) for member in await redis.zrangebyscore(key, f'({now!r}', '+inf')]
            found = {member: Mute(*json.loads(member)[1:]) for member in members}
            holding = [
                member for member, mute in found.items() if mute.person == person and mute.room in (room, EVERYWHERE)
            ]
            async with redis.pipeline(transaction=True) as pipe:
                for member in holding:
                    pipe.zrem(key, member)
                removed = await pipe.execute() if holding else []
        except RedisError as error:
            raise _restriction_failure(error, 'The change could not be saved. Please try again.') from error
        return [found[member] for member, count in zip(holding, removed, strict=True) if count]

    def _key(self, *parts: str) -> str:
        return self.prefix + ':'.join(parts)


def _restriction_failure(error: RedisError, message: str) -> ChatError:
    log_event(log, logging.WARNING, 'store_failed', error=error)
    return ChatError(ErrorKind.UNAVAILABLE, message)


def _private_failure(room: str, error: RedisError, message: str) -> ChatError:
    log_event(log, logging.WARNING, 'store_failed', room=room, error=error)
    return ChatError(ErrorKind.UNAVAILABLE, message)


def _open_invite(token_hash: str, fields: dict[str, str]) -> OpenInvite:
    uses = int(fields['uses'])
    return OpenInvite(
        invite_id(token_hash),
        float(fields.get('created_at', 0)),
        None if uses < 0 else uses,
        float(fields['expires_at']) if fields.get('expires_at') else None,
    )


def to_int(stream_id: str) -> int:
    """A stream id "ms-seq" as one increasing integer, so both backends share one kind of message id."""
    millis, sequence = stream_id.split('-')
    return int(millis) << SEQUENCE_BITS | int(sequence)


def to_stream_id(message_id: int) -> str:
    return f'{message_id >> SEQUENCE_BITS}-{message_id & ((1 << SEQUENCE_BITS) - 1)}'


def lex(stream_id: str) -> str:
    """A stream id as the changed messages' zset sorts it: "1700000000000-3" → "0001700000000000-0000003"."""
    millis, sequence = stream_id.split('-')
    return f'{int(millis):016d}-{int(sequence):07d}'


def _pairs(flat: list[str]) -> dict[str, str]:
    """A stream entry's fields as a script returns them, [name, value, name, value, ...], as a dict."""
    return dict(zip(flat[::2], flat[1::2], strict=True))


def _parse_quotes(rows: list[list[str]]) -> dict[int, Quote]:
    """The quotes a `QUOTES` call found, by message id."""
    return {
        int(id_): quote_of(int(id_), name, text, deleted=deleted == '1', removed=removed == '1')
        for id_, name, text, deleted, removed in rows
    }


def _changed_state(member: str) -> dict[str, str]:
    """A changed message's state from its zset member: its LEX id, one separator, then the state as JSON."""
    state: dict[str, str] = json.loads(member[LEX_LENGTH + 1 :])
    return state


def _message(room: str, stream_id: str, fields: dict[str, str]) -> Message:
    """A message from a stream entry, a feed record of a change, or a changed message's state."""
    author = Author(fields['author_id'], fields['author_name'])
    edited_at = float(fields['edited_at']) if 'edited_at' in fields else None
    reacted_at = float(fields['reacted_at']) if 'reacted_at' in fields else None
    reactions = group_reactions(
        (emoji, Author(author_id, name)) for emoji, author_id, name in json.loads(fields.get('reactions', '[]'))
    )
    sent_at = float(fields['sent_at'])
    return Message(
        to_int(stream_id),
        room,
        author,
        fields['text'],
        sent_at,
        edited_at,
        fields.get('deleted') == '1',
        reactions,
        reacted_at,
        int(fields['reply_to']) if 'reply_to' in fields else None,
        mentions=tuple(fields.get('mentions', '').split()),
        removed=fields.get('removed') == '1',
        notice=notice_from_json(fields['notice']) if 'notice' in fields else None,
    )
