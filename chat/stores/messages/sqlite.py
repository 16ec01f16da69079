"""The default backend: an embedded SQLite file, delivery within this one process.

SQLite runs in aiosqlite's worker thread, so a slow disk delays only the waiting
sender, never the event loop that serves every other client.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiosqlite

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
from chat.domain.private import PRIVATE_PREFIX, Access, Member, OpenInvite, in_member_order, invite_id
from chat.domain.restrictions import EVERYWHERE, Mute
from chat.domain.search import Search
from chat.logs import log_event
from chat.stores.messages import DEFAULT_RETENTION, Deliver, Retention

log = logging.getLogger(__name__)

# The schema in steps: step N takes a database from version N-1 to N (a new file runs them all, an older one
# what it lacks), each in one transaction with its `user_version`.
MESSAGES_AND_ROOMS = """
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room TEXT NOT NULL,
    author_id TEXT NOT NULL,
    author_name TEXT NOT NULL,
    text TEXT NOT NULL,
    sent_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_room ON messages (room, id);
CREATE TABLE IF NOT EXISTS rooms (
    name TEXT PRIMARY KEY,
    message_count INTEGER NOT NULL,
    last_activity REAL NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS count_room_messages AFTER INSERT ON messages BEGIN
    INSERT INTO rooms (name, message_count, last_activity) VALUES (NEW.room, 1, NEW.sent_at)
    ON CONFLICT (name) DO UPDATE SET message_count = message_count + 1, last_activity = NEW.sent_at;
END;
"""
# Retention: each insert trims its room to the running app's --keep-messages (0: no trim) in the same
# statement, and every delete (trim or expiry) keeps the room summary true; an emptied room goes.
# The summary and the trim are one trigger, because SQLite does not say in which order two triggers run.
RETENTION = """
CREATE TABLE retention (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    keep_messages INTEGER NOT NULL
);
INSERT INTO retention (id, keep_messages) VALUES (1, 0);
DROP TRIGGER count_room_messages;
CREATE TRIGGER count_and_trim_room AFTER INSERT ON messages BEGIN
    INSERT INTO rooms (name, message_count, last_activity) VALUES (NEW.room, 1, NEW.sent_at)
    ON CONFLICT (name) DO UPDATE SET message_count = message_count + 1, last_activity = NEW.sent_at;
    DELETE FROM messages WHERE id IN (
        SELECT id FROM messages WHERE room = NEW.room ORDER BY id
        LIMIT (SELECT CASE WHEN keep_messages > 0 THEN max(0, message_count - keep_messages) ELSE 0 END
               FROM rooms, retention WHERE name = NEW.room)
    );
END;
CREATE TRIGGER uncount_room_messages AFTER DELETE ON messages BEGIN
    UPDATE rooms SET message_count = message_count - 1 WHERE name = OLD.room;
    DELETE FROM rooms WHERE name = OLD.room AND message_count <= 0;
END;
"""
# The rooms list pages from the latest activity back without sorting every room.
ROOMS_BY_ACTIVITY = 'CREATE INDEX IF NOT EXISTS rooms_by_activity ON rooms (last_activity, name);'
# Edits and deletions: an edit UPDATEs `text` (and `edited_at`); a deletion UPDATEs `text` to '' and sets
# `deleted`, so the row keeps its place and count, and triggers that follow `text` follow both.
CHANGES = """
ALTER TABLE messages ADD COLUMN edited_at REAL;
ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
"""
# Search: an FTS5 index of the messages' words, kept by triggers in each write's transaction (an edit or a
# delete-by-emptying is an UPDATE of text; retention deletes rows) and filled from the messages already there.
# unicode61 splits on anything but letters and digits in every script and folds case; remove_diacritics 2 lets
# "cafe" find "café". trigram would find parts of words (Chinese and Japanese, written without spaces), but
# only with 3 characters or more (most Chinese words have 2), about 3 times the index, and keeps accents.
SEARCH = """
CREATE VIRTUAL TABLE messages_search USING fts5(
    text, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
INSERT INTO messages_search (messages_search) VALUES ('rebuild');
CREATE TRIGGER index_new_message AFTER INSERT ON messages BEGIN
    INSERT INTO messages_search (rowid, text) VALUES (NEW.id, NEW.text);
END;
CREATE TRIGGER unindex_deleted_message AFTER DELETE ON messages BEGIN
    INSERT INTO messages_search (messages_search, rowid, text) VALUES ('delete', OLD.id, OLD.text);
END;
CREATE TRIGGER reindex_changed_message AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO messages_search (messages_search, rowid, text) VALUES ('delete', OLD.id, OLD.text);
    INSERT INTO messages_search (rowid, text) VALUES (NEW.id, NEW.text);
END;
"""
# Reactions: one row per author and emoji, in the order chosen (rowid); they go with their message, whether the
# retention deletes it or its author does. `reacted_at` orders a message's states as `edited_at` does.
REACTIONS = """
ALTER TABLE messages ADD COLUMN reacted_at REAL;
CREATE TABLE reactions (
    message_id INTEGER NOT NULL,
    author_id TEXT NOT NULL,
    emoji TEXT NOT NULL,
    author_name TEXT NOT NULL,
    PRIMARY KEY (message_id, author_id, emoji)
);
CREATE TRIGGER drop_reactions AFTER DELETE ON messages BEGIN
    DELETE FROM reactions WHERE message_id = OLD.id;
END;
CREATE TRIGGER clear_reactions AFTER UPDATE OF deleted ON messages WHEN NEW.deleted BEGIN
    DELETE FROM reactions WHERE message_id = NEW.id;
END;
"""
# Replies: the id of the message answered, nothing of its text; a quote is read from the original by its primary
# key whenever the reply is, so an edit or a deletion of the original shows in every reply to it.
REPLIES = 'ALTER TABLE messages ADD COLUMN reply_to INTEGER;'
# Mentions: the public tokens of the people a message mentions, space-separated ('' for none), as posted.
MENTIONS = "ALTER TABLE messages ADD COLUMN mentions TEXT NOT NULL DEFAULT '';"
# Private rooms: the owner, the members (people, by browser id) and the invites, each known by its token's hash.
PRIVATE_ROOMS = """
CREATE TABLE private_rooms (name TEXT PRIMARY KEY, owner TEXT NOT NULL, created_at REAL NOT NULL) WITHOUT ROWID;
CREATE TABLE members (room TEXT NOT NULL, person TEXT NOT NULL, PRIMARY KEY (room, person)) WITHOUT ROWID;
CREATE TABLE invites (
    token_hash TEXT PRIMARY KEY, room TEXT NOT NULL, uses_left INTEGER, expires_at REAL
) WITHOUT ROWID;
"""
# Moderation: the people made moderators by a link, the links (by their token's hash, used once), and the log.
MODERATION = """
CREATE TABLE moderators (person TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE moderator_links (token_hash TEXT PRIMARY KEY, expires_at REAL NOT NULL) WITHOUT ROWID;
CREATE TABLE moderation_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    moderator TEXT NOT NULL,
    action TEXT NOT NULL,
    room TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
);
"""
# Removal by a moderator: a deletion whose row says so.
REMOVED = 'ALTER TABLE messages ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;'
LOG_COLUMNS = 'at, moderator, action, room, target, detail'
ADD_LOG_ENTRY = f'INSERT INTO moderation_log ({LOG_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)'
# Notices: a message the server wrote (`chat.domain.notices`), its notice as JSON; NULL for a person's message.
NOTICES = 'ALTER TABLE messages ADD COLUMN notice TEXT;'
# Managing members: the name each member last had in the room, and when each invite was made (NULL: before this).
MEMBER_NAMES = """
ALTER TABLE members ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
ALTER TABLE invites ADD COLUMN created_at REAL;
CREATE INDEX invites_by_room ON invites (room);
"""
# Read-only rooms and mutes (`chat.domain.restrictions`); a mute's row goes once it ended.
RESTRICTIONS = """
CREATE TABLE read_only_rooms (room TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE mutes (
    person TEXT NOT NULL, address TEXT NOT NULL, room TEXT NOT NULL, until REAL NOT NULL, reason TEXT NOT NULL,
    name TEXT NOT NULL
);
"""
MIGRATIONS = (
    MESSAGES_AND_ROOMS,
    RETENTION,
    ROOMS_BY_ACTIVITY,
    CHANGES,
    SEARCH,
    REACTIONS,
    REPLIES,
    MENTIONS,
    PRIVATE_ROOMS,
    MODERATION,
    REMOVED,
    NOTICES,
    MEMBER_NAMES,
    RESTRICTIONS,
)
SCHEMA_VERSION = len(MIGRATIONS)
NOT_SAVED = 'The change could not be saved. Please try again.'
MEMBERS_UNREAD = "The room's members could not be read. Please try again."
RESTRICTIONS_UNREAD = 'The read-only rooms and mutes could not be read.'
TRIM_BATCH = 500  # rows one statement of the retention pass deletes: a few ms, so appends wait little
# the oldest rows only (ids follow time), so a pass with nothing to do reads one batch, never the whole table
EXPIRE_OLDEST = (
    'DELETE FROM messages WHERE id IN (SELECT id FROM messages ORDER BY id LIMIT :batch) AND sent_at < :cutoff'
)
ROOMS_OVER = 'SELECT name, message_count - :keep FROM rooms WHERE message_count > :keep LIMIT :batch'
TRIM_ROOM = 'DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE room = :room ORDER BY id LIMIT :count)'
COLUMNS = (
    'id, room, author_id, author_name, text, sent_at, edited_at, deleted, reacted_at, reply_to, mentions, '
    'removed, notice'
)
# A later change (edit or reaction) never gets an earlier time than the message's last one.
LATER = 'max(:now, coalesce(edited_at, 0) + 0.000001, coalesce(reacted_at, 0) + 0.000001)'
# The author check and the change are one statement; a deletion takes the mentions with the text.
CHANGE = f"""UPDATE messages SET text = :text, deleted = :deleted, edited_at = {LATER},
    mentions = CASE WHEN :deleted THEN '' ELSE mentions END
    WHERE id = :id AND room = :room AND author_id = :author_id AND NOT deleted AND notice IS NULL RETURNING {COLUMNS}"""
REMOVE = f"""UPDATE messages SET text = '', deleted = 1, removed = 1, edited_at = {LATER}, mentions = ''
    WHERE id = :id AND room = :room AND NOT deleted AND notice IS NULL RETURNING {COLUMNS}"""
# newest first through the index's rowids, so a page stops after its `limit` matches in the room
SEARCH_ROOM = f"""SELECT {', '.join(f'messages.{column}' for column in COLUMNS.split(', '))}
FROM messages_search JOIN messages ON messages.id = messages_search.rowid
WHERE messages_search MATCH :query AND messages_search.rowid < :before AND messages.room = :room
ORDER BY messages_search.rowid DESC LIMIT :limit"""
REACTED = f"""UPDATE messages SET reacted_at = {LATER}
    WHERE id = :id AND room = :room AND NOT deleted AND notice IS NULL RETURNING {COLUMNS}"""
REACT_ON = """INSERT OR IGNORE INTO reactions (message_id, author_id, emoji, author_name)
    VALUES (:id, :author_id, :emoji, :author_name)"""
REACT_OFF = 'DELETE FROM reactions WHERE message_id = :id AND author_id = :author_id AND emoji = :emoji'
READ_QUOTES = (
    f'SELECT id, author_name, substr(text, 1, {QUOTE_SOURCE}), deleted, removed FROM messages '
    'WHERE room = ? AND id IN ({})'
)
INSERT = (
    'INSERT INTO messages (room, author_id, author_name, text, sent_at, reply_to, mentions, notice)'
    ' VALUES (?, ?, ?, ?, ?, ?, ?, ?)'
)
READ_REACTIONS = (
    'SELECT message_id, emoji, author_id, author_name FROM reactions WHERE message_id IN ({}) ORDER BY rowid'
)


class SQLiteBackend:
    """Messages in one SQLite table; ids come from AUTOINCREMENT, so they only ever grow.

    Triggers keep a small per-room summary in the same transaction as each insert and delete, so
    listing rooms never has to count a room's messages, and trim the room on each insert.
    """

    def __init__(self, path: Path | str, retention: Retention = DEFAULT_RETENTION) -> None:
        self.path = str(path)
        self.retention = retention
        self._db: aiosqlite.Connection | None = None
        self._deliver: Deliver | None = None
        self._write_lock = asyncio.Lock()

    async def start(self, deliver: Deliver) -> None:
        if self.path != ':memory:':
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._db = await aiosqlite.connect(self.path, isolation_level=None)
        await self._db.execute('PRAGMA journal_mode=WAL')
        # FULL: each commit reaches the disk before the message is shown. NORMAL survives a killed process
        # but not a power cut or a disk gone read-only, which drop what was shown (about 0.25 ms per message).
        await self._db.execute('PRAGMA synchronous=FULL')
        async with self._db.execute('PRAGMA user_version') as cursor:
            (version,) = await cursor.fetchone() or (0,)
        if version > SCHEMA_VERSION:
            await self.stop()
            raise RuntimeError(f'{self.path} was written by a newer version of the chat (schema {version})')
        try:
            for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
                await _migrate(self._db, number, step)
            await self._db.execute('UPDATE retention SET keep_messages = ?', (self.retention.keep_messages,))
        except sqlite3.Error:
            await self.stop()
            raise
        self._deliver = deliver

    async def stop(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None
        self._deliver = None

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
        """Insert the message; a reply's original is looked up under the same lock that every change takes, so it
        cannot go between the check and the insert."""
        db, deliver = self._require_started()
        async with self._write_lock:  # commit order is delivery order
            sent_at = time.time()
            try:
                quotes = {} if reply_to is None else await _quotes(db, room, [reply_to])
                if reply_to is not None and not quotes:
                    raise no_original()
                stored_notice = None if notice is None else notice_json(notice)
                cursor = await db.execute(
                    INSERT, (room, author.id, author.name, text, sent_at, reply_to, ' '.join(mentions), stored_notice)
                )
            except sqlite3.Error as error:
                log_event(log, logging.ERROR, 'store_failed', room=room, error=error)
                raise ChatError(ErrorKind.STORAGE, 'Your message could not be saved. Please try again.') from error
            assert cursor.lastrowid is not None
            posted = Message(
                cursor.lastrowid, room, author, text, sent_at, reply_to=reply_to, mentions=mentions, notice=notice
            )
            (message,) = with_quotes([posted], quotes)
            deliver(message)
        return message

    async def edit(self, room: str, message_id: int, author_id: str, text: str) -> Message:
        return await self._change(room, message_id, author_id, text, deleted=False)

    async def delete(self, room: str, message_id: int, author_id: str) -> Message:
        return await self._change(room, message_id, author_id, '', deleted=True)

    async def _change(self, room: str, message_id: int, author_id: str, text: str, *, deleted: bool) -> Message:
        """UPDATE the author's message and deliver its new state; if no row changed, say why."""
        db, deliver = self._require_started()
        parameters = {'text': text, 'deleted': deleted, 'now': time.time(), 'id': message_id, 'room': room}
        found = None
        async with self._write_lock:
            try:
                async with db.execute(CHANGE, parameters | {'author_id': author_id}) as cursor:
                    row = await cursor.fetchone()
                if row is None:
                    async with db.execute(
                        'SELECT 1 FROM messages WHERE id = :id AND room = :room AND NOT deleted AND notice IS NULL',
                        parameters,
                    ) as cursor:
                        found = await cursor.fetchone()
            except sqlite3.Error as error:
                log_event(log, logging.ERROR, 'store_failed', room=room, error=error)
                raise ChatError(ErrorKind.STORAGE, 'Your change could not be saved. Please try again.') from error
            if row is None:
                raise not_yours('delete' if deleted else 'edit') if found else gone()
            (message,) = await _complete(db, room, [_message(row)])
            deliver(message)
        return message

    async def remove(self, room: str, message_id: int) -> Message:
        db, deliver = self._require_started()
        async with self._write_lock:
            try:
                async with db.execute(REMOVE, {'now': time.time(), 'id': message_id, 'room': room}) as cursor:
                    row = await cursor.fetchone()
            except sqlite3.Error as error:
                log_event(log, logging.ERROR, 'store_failed', room=room, error=error)
                raise ChatError(ErrorKind.STORAGE, 'The message could not be removed. Please try again.') from error
            if row is None:
                raise gone()
            (message,) = await _complete(db, room, [_message(row)])
            deliver(message)
        return message

    async def react(self, room: str, message_id: int, author: Author, emoji: str, *, on: bool) -> Message:
        """Add or take back `author`'s `emoji` and bump the message's `reacted_at`, in one transaction."""
        db, deliver = self._require_started()
        parameters = {'now': time.time(), 'id': message_id, 'room': room, 'author_id': author.id, 'emoji': emoji}
        async with self._write_lock:
            try:
                await db.execute('BEGIN IMMEDIATE')
                try:
                    row = next(iter(await db.execute_fetchall(REACTED, parameters)), None)
                    if row is not None:
                        await db.execute(REACT_ON if on else REACT_OFF, parameters | {'author_name': author.name})
                except BaseException:
                    await db.rollback()
                    raise
                await db.commit()
                if row is None:
                    raise gone()
                (message,) = await _complete(db, room, [_message(row)])
            except sqlite3.Error as error:
                log_event(log, logging.ERROR, 'store_failed', room=room, error=error)
                raise ChatError(ErrorKind.STORAGE, 'Your reaction could not be saved. Please try again.') from error
            deliver(message)
        return message

    async def history(self, room: str, *, before: int | None = None, limit: int = 50) -> list[Message]:
        db, _ = self._require_started()
        try:
            async with db.execute(
                f'SELECT {COLUMNS} FROM messages WHERE room = ? AND id < ? ORDER BY id DESC LIMIT ?',
                (room, before if before is not None else 2**63 - 1, limit),
            ) as cursor:
                rows = await cursor.fetchall()
        except sqlite3.Error as error:
            log_event(log, logging.ERROR, 'history_failed', room=room, error=error)
            raise ChatError(ErrorKind.STORAGE, 'The earlier messages could not be loaded.') from error
        messages = [_message(row) for row in rows][::-1]  # the query pages back; a page lists its oldest first
        return await self._complete(db, room, messages, 'The earlier messages could not be loaded.')

    async def since(self, room: str, *, after: int, limit: int) -> list[Message]:
        db, _ = self._require_started()
        try:
            async with db.execute(
                f'SELECT {COLUMNS} FROM messages WHERE room = ? AND id > ? ORDER BY id LIMIT ?', (room, after, limit)
            ) as cursor:
                rows = await cursor.fetchall()
        except sqlite3.Error as error:
            log_event(log, logging.ERROR, 'history_failed', room=room, error=error)
            raise ChatError(ErrorKind.STORAGE, 'The missed messages could not be loaded.') from error
        messages = [_message(row) for row in rows]
        return await self._complete(db, room, messages, 'The missed messages could not be loaded.')

    async def _complete(
        self, db: aiosqlite.Connection, room: str, messages: list[Message], failure: str
    ) -> list[Message]:
        try:
            return await _complete(db, room, messages)
        except sqlite3.Error as error:
            log_event(log, logging.ERROR, 'history_failed', room=room, error=error)
            raise ChatError(ErrorKind.STORAGE, failure) from error

    async def quotes(self, room: str, ids: list[int]) -> dict[int, Quote]:
        db, _ = self._require_started()
        try:
            return await _quotes(db, room, ids)
        except sqlite3.Error as error:
            log_event(log, logging.ERROR, 'history_failed', room=room, error=error)
            raise ChatError(ErrorKind.STORAGE, 'The message replied to could not be read.') from error

    async def search(self, room: str, search: Search, *, before: int | None = None, limit: int = 20) -> list[Message]:
        db, _ = self._require_started()
        newest = 2**63 - 1 if before is None else before
        parameters = {'query': fts_query(search), 'before': newest, 'room': room, 'limit': limit}
        try:
            async with db.execute(SEARCH_ROOM, parameters) as cursor:
                rows = await cursor.fetchall()
        except sqlite3.Error as error:
            log_event(log, logging.ERROR, 'search_failed', room=room, error=error)
            raise ChatError(ErrorKind.STORAGE, 'The search could not be run. Please try again.') from error
        return [_message(row) for row in rows]

    async def reachable(self) -> bool:
        if self._db is None:
            return False
        try:
            await self._db.execute('SELECT 1 FROM rooms LIMIT 1')
        except sqlite3.Error:
            return False
        return True

    async def rooms(self, *, prefix: str = '', after: RoomCursor | None = None, limit: int = 50) -> list[RoomSummary]:
        """A page walks `rooms_by_activity` back from `after`; a search takes the names in its prefix's range
        of the primary key and sorts those, so it costs what its matches do."""
        db, _ = self._require_started()
        # no private room ('~' sorts after every public name's character); '+': a filter, never the index to walk
        conditions, parameters = ['+name < ?'], list[str | float | int]([PRIVATE_PREFIX])
        if prefix:
            conditions.append('name >= ? AND name < ?')
            parameters += [prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)]
        if after is not None:
            conditions.append('(last_activity, name) < (?, ?)')
            parameters += [after.last_activity, after.name]
        query = f"""SELECT name, message_count, last_activity FROM rooms WHERE {' AND '.join(conditions)}
                    ORDER BY last_activity DESC, name DESC LIMIT ?"""
        try:
            async with db.execute(query, [*parameters, limit]) as cursor:
                rows = await cursor.fetchall()
        except sqlite3.Error as error:
            log_event(log, logging.ERROR, 'rooms_failed', error=error)
            raise ChatError(ErrorKind.STORAGE, 'The rooms could not be listed.') from error
        return [RoomSummary(*row) for row in rows]

    async def create_private(self, room: str, owner: str, now: float) -> None:
        async with self._transaction('The room could not be created. Please try again.', room) as db:
            await db.execute('INSERT INTO private_rooms VALUES (?, ?, ?)', (room, owner, now))
            await db.execute('INSERT INTO members (room, person) VALUES (?, ?)', (room, owner))

    async def access(self, room: str, person: str) -> Access:
        db, _ = self._require_started()
        query = """SELECT owner = :person FROM private_rooms JOIN members ON members.room = name
                   WHERE name = :room AND person = :person"""
        try:
            rows = await db.execute_fetchall(query, {'room': room, 'person': person})
        except sqlite3.Error as error:
            log_event(log, logging.ERROR, 'store_failed', room=room, error=error)
            raise ChatError(ErrorKind.STORAGE, 'The room could not be opened. Please try again.') from error
        return Access.NONE if not rows else Access.OWNER if next(iter(rows))[0] else Access.MEMBER

    async def add_invite(self, token_hash: str, room: str, uses: int | None, expires_at: float | None) -> None:
        db, _ = self._require_started()
        async with self._write_lock:
            try:
                await db.execute(
                    'INSERT INTO invites (token_hash, room, uses_left, expires_at, created_at) VALUES (?, ?, ?, ?, ?)',
                    (token_hash, room, uses, expires_at, time.time()),
                )
            except sqlite3.Error as error:
                log_event(log, logging.ERROR, 'store_failed', room=room, error=error)
                raise ChatError(ErrorKind.STORAGE, 'The invite could not be saved. Please try again.') from error

    async def redeem(self, token_hash: str, person: str, now: float) -> str | None:
        """In one transaction: find the invite, add the member, use a use if it did."""
        valid = """SELECT room FROM invites WHERE token_hash = ? AND (uses_left IS NULL OR uses_left > 0)
                   AND (expires_at IS NULL OR expires_at > ?)"""
        async with self._transaction('The invite could not be used. Please try again.') as db:
            found = next(iter(await db.execute_fetchall(valid, (token_hash, now))), None)
            if found is not None:
                join = 'INSERT OR IGNORE INTO members (room, person) VALUES (?, ?)'
                async with db.execute(join, (found[0], person)) as cursor:
                    joined = cursor.rowcount
                if joined:
                    await db.execute('UPDATE invites SET uses_left = uses_left - 1 WHERE token_hash = ?', (token_hash,))
        return None if found is None else str(found[0])

    async def is_moderator(self, person: str) -> bool:
        db, _ = self._require_started()
        try:
            rows = await db.execute_fetchall('SELECT 1 FROM moderators WHERE person = ?', (person,))
        except sqlite3.Error as error:
            log_event(log, logging.ERROR, 'store_failed', error=error)
            raise ChatError(ErrorKind.STORAGE, 'The moderators could not be read. Please try again.') from error
        return bool(rows)

    async def add_moderator_link(self, token_hash: str, expires_at: float) -> None:
        db, _ = self._require_started()
        async with self._write_lock:
            try:
                await db.execute('INSERT INTO moderator_links VALUES (?, ?)', (token_hash, expires_at))
            except sqlite3.Error as error:
                log_event(log, logging.ERROR, 'store_failed', error=error)
                raise ChatError(ErrorKind.STORAGE, 'The moderator link could not be saved.') from error

    async def redeem_moderator_link(self, token_hash: str, person: str, now: float) -> bool:
        """Delete the link if it is valid and, in the same transaction, make the moderator; expired links go too."""
        async with self._transaction('The moderator link could not be used. Please try again.') as db:
            await db.execute('DELETE FROM moderator_links WHERE expires_at <= ?', (now,))
            async with db.execute('DELETE FROM moderator_links WHERE token_hash = ?', (token_hash,)) as cursor:
                made = cursor.rowcount > 0
            if made:
                await db.execute('INSERT OR IGNORE INTO moderators VALUES (?)', (person,))
        return made

    async def add_log_entry(
        self, at: float, moderator: str, action: str, room: str, target: str, detail: str
    ) -> LogEntry:
        db, _ = self._require_started()
        values = (at, moderator, action, room, target, detail)
        async with self._write_lock:
            try:
                cursor = await db.execute(ADD_LOG_ENTRY, values)
            except sqlite3.Error as error:
                log_event(log, logging.ERROR, 'store_failed', room=room, error=error)
                raise ChatError(ErrorKind.STORAGE, 'The moderation log could not be written.') from error
        assert cursor.lastrowid is not None
        return LogEntry(cursor.lastrowid, *values)

    async def moderation_log(self, before: int | None, limit: int) -> list[LogEntry]:
        db, _ = self._require_started()
        query = f'SELECT id, {LOG_COLUMNS} FROM moderation_log WHERE id < ? ORDER BY id DESC LIMIT ?'
        try:
            rows = await db.execute_fetchall(query, (2**63 - 1 if before is None else before, limit))
        except sqlite3.Error as error:
            log_event(log, logging.ERROR, 'store_failed', error=error)
            raise ChatError(ErrorKind.STORAGE, 'The moderation log could not be read.') from error
        return [LogEntry(*row) for row in rows]

    async def members(self, room: str) -> list[Member]:
        query = """SELECT person, display_name, person = owner FROM members
                   JOIN private_rooms ON private_rooms.name = room WHERE room = ?"""
        rows = await self._read(query, (room,), MEMBERS_UNREAD, room)
        return in_member_order([Member(person, name, bool(owner)) for person, name, owner in rows])

    async def remember_name(self, room: str, person: str, name: str) -> None:
        statement = 'UPDATE members SET display_name = ? WHERE room = ? AND person = ?'
        await self._write(statement, (name, room, person), room)

    async def remove_member(self, room: str, person: str) -> bool:
        return await self._write('DELETE FROM members WHERE room = ? AND person = ?', (room, person), room) > 0

    async def invites(self, room: str) -> list[OpenInvite]:
        query = """SELECT token_hash, coalesce(created_at, 0), uses_left, expires_at FROM invites
                   WHERE room = ? AND (uses_left IS NULL OR uses_left > 0) AND (expires_at IS NULL OR expires_at > ?)
                   ORDER BY created_at, token_hash"""
        rows = await self._read(query, (room, time.time()), MEMBERS_UNREAD, room)
        return [OpenInvite(invite_id(hash_), created_at, uses, expires) for hash_, created_at, uses, expires in rows]

    async def revoke_invite(self, room: str, invite_id: str) -> bool:
        """`invite_id` is hex (the domain checks it), so it is no LIKE pattern."""
        statement = 'DELETE FROM invites WHERE room = ? AND token_hash LIKE ?'
        return await self._write(statement, (room, f'{invite_id}%'), room) > 0

    async def set_read_only(self, room: str, read_only: bool) -> bool:
        if read_only:
            statement = 'INSERT OR IGNORE INTO read_only_rooms VALUES (?)'
        else:
            statement = 'DELETE FROM read_only_rooms WHERE room = ?'
        return await self._write(statement, (room,), room) > 0

    async def read_only_rooms(self) -> list[str]:
        return [room for (room,) in await self._read('SELECT room FROM read_only_rooms', (), RESTRICTIONS_UNREAD)]

    async def add_mute(self, mute: Mute) -> None:
        await self._write('DELETE FROM mutes WHERE until <= ?', (time.time(),), mute.room)
        values = (mute.person, mute.address, mute.room, mute.until, mute.reason, mute.name)
        await self._write('INSERT INTO mutes VALUES (?, ?, ?, ?, ?, ?)', values, mute.room)

    async def mutes(self, now: float) -> list[Mute]:
        query = 'SELECT person, address, room, until, reason, name FROM mutes WHERE until > ?'
        return [Mute(*row) for row in await self._read(query, (now,), RESTRICTIONS_UNREAD)]

    async def lift_mutes(self, person: str, room: str, now: float) -> list[Mute]:
        where = 'person = ? AND room IN (?, ?)'
        query = f'DELETE FROM mutes WHERE {where} RETURNING person, address, room, until, reason, name'
        db, _ = self._require_started()
        async with self._write_lock:
            try:
                rows = await db.execute_fetchall(query, (person, room, EVERYWHERE))
            except sqlite3.Error as error:
                log_event(log, logging.ERROR, 'store_failed', room=room, error=error)
                raise ChatError(ErrorKind.STORAGE, NOT_SAVED) from error
        return [Mute(*row) for row in rows if row[3] > now]

    @contextlib.asynccontextmanager
    async def _transaction(self, failure: str, room: str = '') -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction under the write lock: all of it, or on any error nothing; a database error reaches
        the person as `failure`."""
        db, _ = self._require_started()
        async with self._write_lock:
            try:
                await db.execute('BEGIN IMMEDIATE')
                try:
                    yield db
                except BaseException:
                    await db.rollback()
                    raise
                await db.commit()
            except sqlite3.Error as error:
                log_event(log, logging.ERROR, 'store_failed', room=room, error=error)
                raise ChatError(ErrorKind.STORAGE, failure) from error

    async def _read(self, query: str, parameters: tuple[object, ...], failure: str, room: str = '') -> list[Any]:
        """Run one query outside any room's messages (members, invites, restrictions); `failure` is what the person
        is told if the database fails."""
        db, _ = self._require_started()
        try:
            return list(await db.execute_fetchall(query, parameters))
        except sqlite3.Error as error:
            log_event(log, logging.ERROR, 'store_failed', room=room, error=error)
            raise ChatError(ErrorKind.STORAGE, failure) from error

    async def _write(self, statement: str, parameters: tuple[object, ...], room: str = '') -> int:
        """Run one statement under the write lock, as `_read` does; how many rows it changed."""
        db, _ = self._require_started()
        async with self._write_lock:
            try:
                async with db.execute(statement, parameters) as cursor:
                    return cursor.rowcount
            except sqlite3.Error as error:
                log_event(log, logging.ERROR, 'store_failed', room=room, error=error)
                raise ChatError(ErrorKind.STORAGE, NOT_SAVED) from error

    async def trim(self, now: float) -> int:
        db, _ = self._require_started()
        removed = 0
        try:
            if (cutoff := self.retention.cutoff(now)) is not None:
                while (count := await _deleted(db, EXPIRE_OLDEST, {'batch': TRIM_BATCH, 'cutoff': cutoff})) > 0:
                    removed += count
                    if count < TRIM_BATCH:  # the oldest message left is not too old yet
                        break
            if keep := self.retention.keep_messages:
                removed += await self._trim_rooms_over(db, keep)
        except sqlite3.Error as error:
            log_event(log, logging.ERROR, 'trim_failed', error=error)
            raise ChatError(ErrorKind.STORAGE, 'The old messages could not be removed.') from error
        return removed

    async def _trim_rooms_over(self, db: aiosqlite.Connection, keep: int) -> int:
        """Cut rooms that hold more than `keep` messages (the setting was lowered since they were written)."""
        removed = 0
        while True:
            async with db.execute(ROOMS_OVER, {'keep': keep, 'batch': TRIM_BATCH}) as cursor:
                over = await cursor.fetchall()
            if not over:
                return removed
            for room, excess in over:
                removed += await _deleted(db, TRIM_ROOM, {'room': room, 'count': min(excess, TRIM_BATCH)})

    def _require_started(self) -> tuple[aiosqlite.Connection, Deliver]:
        if self._db is None or self._deliver is None:
            raise RuntimeError('the SQLite backend has not been started')
        return self._db, self._deliver


async def _migrate(db: aiosqlite.Connection, version: int, step: str) -> None:
    """Bring the schema to `version` with `step`, all of it or (on an error) nothing."""
    try:
        await db.executescript(f'BEGIN IMMEDIATE;\n{step}\nPRAGMA user_version = {version};\nCOMMIT;')
    except sqlite3.Error:
        if db.in_transaction:
            await db.rollback()
        raise


async def _deleted(db: aiosqlite.Connection, statement: str, parameters: dict[str, object]) -> int:
    """Run one DELETE and return how many messages it removed."""
    async with db.execute(statement, parameters) as cursor:
        return cursor.rowcount


def fts_query(search: Search) -> str:
    """The FTS5 query for `search`: each word a quoted string, so nothing typed is FTS5 syntax (the words are
    letters and digits only), all of them required, the last as the start of a word."""
    *whole, last = search.words
    return ' '.join([*(f'"{word}"' for word in whole), f'"{last}"*'])


def _message(row: sqlite3.Row | tuple[Any, ...]) -> Message:
    id_, room, author_id, author_name, text, sent_at, edited_at, deleted, reacted_at, reply_to, mentions = row[:11]
    removed, notice = row[11:]
    return Message(
        id_,
        room,
        Author(author_id, author_name),
        text,
        sent_at,
        edited_at,
        bool(deleted),
        reacted_at=reacted_at,
        reply_to=reply_to,
        mentions=tuple(mentions.split()),
        removed=bool(removed),
        notice=None if notice is None else notice_from_json(notice),
    )


async def _complete(db: aiosqlite.Connection, room: str, messages: list[Message]) -> list[Message]:
    """`messages` with their reactions and quotes: a query for each, only if a message needs it."""
    messages = await _with_reactions(db, messages)
    replied = [message.reply_to for message in messages if message.reply_to is not None]
    return with_quotes(messages, await _quotes(db, room, replied)) if replied else messages


async def _quotes(db: aiosqlite.Connection, room: str, ids: list[int]) -> dict[int, Quote]:
    """One query by primary key for the quotes of the messages of `room` among `ids`."""
    unique = list(dict.fromkeys(ids))
    if not unique:
        return {}
    async with db.execute(READ_QUOTES.format(', '.join('?' * len(unique))), [room, *unique]) as cursor:
        return {
            id_: quote_of(id_, name, text, deleted=bool(deleted), removed=bool(removed))
            async for id_, name, text, deleted, removed in cursor
        }


async def _with_reactions(db: aiosqlite.Connection, messages: list[Message]) -> list[Message]:
    """`messages` with their reactions; one query for those ever reacted to, none if no message was."""
    reacted = [message.id for message in messages if message.reacted_at is not None]
    if not reacted:
        return messages
    rows: dict[int, list[tuple[str, Author]]] = {}
    for message_id, emoji, author_id, author_name in await db.execute_fetchall(
        READ_REACTIONS.format(', '.join('?' * len(reacted))), reacted
    ):  # one trip to the database's thread, not one per chunk of rows
        rows.setdefault(message_id, []).append((emoji, Author(author_id, author_name)))
    return [
        replace(message, reactions=group_reactions(rows[message.id])) if message.id in rows else message
        for message in messages
    ]


def check_database(path: Path) -> None:
    """Raise a one-line `ValueError` if the file at `path` cannot be this chat's database.

    Run before serving: a fault that will not heal by itself (a -wal or -shm file the process may not
    write, a file that is not a database or whose header or schema is damaged, a newer schema) ends the
    start, instead of serving rooms that cannot keep what is typed. It reads the header and the schema,
    never the messages, so it costs the same for any size of database; a missing or empty file passes.
    """
    for companion in (path.with_name(f'{path.name}-wal'), path.with_name(f'{path.name}-shm')):
        if companion.exists() and not os.access(companion, os.W_OK):
            raise ValueError(f'{companion}: Permission denied (SQLite must write it to open {path.name})')
    try:
        with contextlib.closing(sqlite3.connect(path)) as db:
            (version,) = db.execute('PRAGMA user_version').fetchone()
            db.execute('SELECT name, sql FROM sqlite_master').fetchall()
    except sqlite3.DatabaseError as error:
        if error.sqlite_errorcode == sqlite3.SQLITE_NOTADB:
            raise ValueError(f'{path} is not a SQLite database; move it away or restore a backup') from error
        raise ValueError(f'{path} is damaged ({error}); restore a backup') from error
    if version > SCHEMA_VERSION:
        raise ValueError(f'{path} was written by a newer version of the chat (schema {version}); run that version')
