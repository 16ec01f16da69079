"""The shared room model: validate, store, fan out to subscribers, isolate rooms."""

import asyncio
import logging
from pathlib import Path

import pytest
from hypothesis import given, settings

from chat.domain import rooms as rooms_module
from chat.domain.limits import Limits, LimitSettings
from chat.domain.model import Author, ChatError, ErrorKind, Message, Person, Quote, public_token
from chat.domain.notices import NOTICE_AUTHOR, Notice, NoticeKind
from chat.domain.private import Access
from chat.domain.rooms import STORE_UNAVAILABLE, Rooms
from chat.stores.messages import Retention
from chat.stores.messages.sqlite import SQLiteBackend
from tests.support.stores import UnopenedStore
from tests.support.text import ANY_TEXT

ALICE = Author('tab-a', 'Alice')
BOB = Author('tab-b', 'Bob')


async def test_post_reaches_every_subscriber_of_the_room_including_the_sender(rooms: Rooms) -> None:
    alice_sees: list[Message] = []
    bob_sees: list[Message] = []
    rooms.subscribe('lobby', alice_sees.append)
    rooms.subscribe('lobby', bob_sees.append)
    message = await rooms.post('lobby', ALICE, 'hello')
    assert alice_sees == bob_sees == [message]
    assert message.author == ALICE and message.text == 'hello'


async def test_rooms_are_isolated(rooms: Rooms) -> None:
    lobby: list[Message] = []
    other: list[Message] = []
    rooms.subscribe('lobby', lobby.append)
    rooms.subscribe('other', other.append)
    await rooms.post('other', BOB, 'only for other')
    assert lobby == []
    assert [m.text for m in other] == ['only for other']
    assert await rooms.history('lobby') == []


async def test_unsubscribe_stops_delivery_and_forgets_the_room(rooms: Rooms) -> None:
    seen: list[Message] = []
    unsubscribe = rooms.subscribe('lobby', seen.append)
    assert rooms.subscriber_count('lobby') == 1
    unsubscribe()
    unsubscribe()
    await rooms.post('lobby', ALICE, 'nobody listens')
    assert seen == []
    assert rooms.subscriber_count() == 0


async def test_invalid_posts_are_refused_before_anything_is_stored(rooms: Rooms) -> None:
    seen: list[Message] = []
    rooms.subscribe('lobby', seen.append)
    for room, author, text, kind in [
        ('lobby', ALICE, '   ', ErrorKind.EMPTY),
        ('lobby', ALICE, 'x' * 2001, ErrorKind.TOO_LONG),
        ('Not A Room', ALICE, 'hi', ErrorKind.BAD_ROOM),
        ('lobby', Author('tab-a', ' '), 'hi', ErrorKind.BAD_NAME),
    ]:
        with pytest.raises(ChatError) as refused:
            await rooms.post(room, author, text)
        assert refused.value.kind is kind
    assert seen == []
    assert await rooms.history('lobby') == []


async def test_a_failing_subscriber_does_not_stop_the_others(rooms: Rooms, caplog: pytest.LogCaptureFixture) -> None:
    def broken(message: Message) -> None:
        raise RuntimeError('page gone')

    seen: list[Message] = []
    rooms.subscribe('lobby', broken)
    rooms.subscribe('lobby', seen.append)
    message = await rooms.post('lobby', ALICE, 'still delivered')
    assert seen == [message]
    assert 'event=subscriber_failed' in caplog.text


async def test_history_returns_what_was_posted_in_order(rooms: Rooms) -> None:
    posted = [await rooms.post('lobby', ALICE if i % 2 else BOB, f'#{i}') for i in range(10)]
    assert await rooms.history('lobby') == posted
    assert await rooms.history('lobby', limit=3) == posted[-3:]


async def test_a_flood_from_a_client_is_refused_before_it_is_stored_or_sent(rooms: Rooms) -> None:
    seen: list[Message] = []
    rooms.subscribe('lobby', seen.append)
    refusals: list[ErrorKind] = []
    for index in range(20):
        try:
            await rooms.post('lobby', ALICE, f'flood {index}', ip='10.0.0.1')
        except ChatError as error:
            refusals.append(error.kind)
    burst = rooms.limits.settings.message_burst
    assert [message.text for message in seen] == [f'flood {index}' for index in range(burst)]
    assert refusals == [ErrorKind.RATE_LIMITED] * (20 - burst)
    assert len(await rooms.history('lobby', limit=100)) == burst
    await rooms.post('lobby', BOB, 'meanwhile', ip='10.0.0.2')
    assert seen[-1].text == 'meanwhile', 'others are not held back'
    for index in range(20):
        await rooms.post('lobby', ALICE, f'from the server {index}')  # no address: an import, not a client


async def test_first_posts_arriving_together_start_the_room_once(tmp_path: Path) -> None:
    rooms = Rooms(SQLiteBackend(tmp_path / 'chat.db'), limits=Limits(LimitSettings(rooms_per_minute=1)))
    await rooms.start()
    try:
        tabs = [Author(f'tab-{index}', f'Person {index}') for index in range(4)]
        await asyncio.gather(*(rooms.post('new-room', tab, 'first!', ip='10.0.0.1') for tab in tabs))
        with pytest.raises(ChatError) as refused:
            await rooms.post('another-room', ALICE, 'hello', ip='10.0.0.1')
        assert refused.value.kind == ErrorKind.TOO_MANY_ROOMS
        await rooms.post('another-room', ALICE, 'hello', ip='10.0.0.2')
    finally:
        await rooms.stop()


@settings(max_examples=150, deadline=None)
@given(ANY_TEXT)
def test_any_text_posts_exactly_once_and_reads_back_identically_or_is_refused(text: str) -> None:
    async def post_and_read_back() -> None:
        rooms = Rooms(SQLiteBackend(':memory:'))
        await rooms.start()
        seen: list[Message] = []
        rooms.subscribe('lobby', seen.append)
        try:
            message = await rooms.post('lobby', ALICE, text, ip='10.0.0.1')
        except ChatError as error:
            assert error.kind in {ErrorKind.EMPTY, ErrorKind.TOO_LONG, ErrorKind.BAD_TEXT} and error.message
            assert seen == [] and await rooms.history('lobby') == [], 'a refused text leaves no trace'
        else:
            assert seen == await rooms.history('lobby') == [message], 'stored once, delivered once'
            assert message.text == text.replace('\r\n', '\n').replace('\r', '\n')
        finally:
            await rooms.stop()

    asyncio.run(post_and_read_back())


async def test_a_store_that_cannot_tell_whether_a_room_is_new_neither_blocks_nor_counts_the_post(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rooms = Rooms(SQLiteBackend(tmp_path / 'chat.db'), limits=Limits(LimitSettings(rooms_per_minute=1)))
    await rooms.start()

    async def history_unavailable(*_: object, **__: object) -> list[Message]:
        raise ChatError(ErrorKind.STORAGE, 'The earlier messages could not be loaded.')

    try:
        monkeypatch.setattr(rooms.backend, 'history', history_unavailable)
        for room in ('one', 'two', 'three'):
            assert (await rooms.post(room, ALICE, 'hello', ip='10.0.0.1')).room == room
    finally:
        await rooms.stop()


async def test_the_storage_budget_counts_the_bytes_stored_not_the_characters(tmp_path: Path) -> None:
    limits = Limits(LimitSettings(message_burst=0, ip_message_burst=0, ip_storage_per_day=10_000))
    rooms = Rooms(SQLiteBackend(tmp_path / 'chat.db'), limits=limits)
    await rooms.start()
    try:
        await rooms.post('lobby', ALICE, '🦊' * 2000, ip='10.0.0.1')  # 8000 bytes in UTF-8
        await rooms.post('lobby', ALICE, 'x' * 1999, ip='10.0.0.1')
        with pytest.raises(ChatError) as refused:
            await rooms.post('lobby', ALICE, 'é', ip='10.0.0.1')  # two bytes, one over
        assert refused.value.kind == ErrorKind.OVER_BUDGET
        assert [len(message.text) for message in await rooms.history('lobby')] == [2000, 1999], 'nothing stored'
        await rooms.post('lobby', BOB, 'another address', ip='10.0.0.2')
    finally:
        await rooms.stop()


async def test_trim_applies_the_stores_retention_and_a_failing_store_waits_for_the_next_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger='chat.domain.rooms')
    first = Rooms(SQLiteBackend(tmp_path / 'chat.db', Retention(keep_messages=10)))
    await first.start()
    sent = [await first.post('quiet', ALICE, f'{index}') for index in range(4)]
    await first.stop()
    rooms = Rooms(SQLiteBackend(tmp_path / 'chat.db', Retention(keep_messages=1)))
    await rooms.start()
    try:
        await rooms.trim()
        assert await rooms.history('quiet') == sent[3:]
        assert 'event=messages_trimmed count=3' in caplog.text

        async def unavailable(now: float) -> int:
            raise ChatError(ErrorKind.STORAGE, 'The old messages could not be removed.')

        monkeypatch.setattr(rooms.backend, 'trim', unavailable)
        await rooms.trim()
    finally:
        await rooms.stop()


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rooms_module, 'RETRY_SECONDS', (0.01,))


async def test_a_store_that_does_not_open_refuses_at_once_and_opens_when_it_heals(
    tmp_path: Path, quick_retries: None
) -> None:
    """Posts and reads are refused (the composer keeps the text) instead of waiting for ever; no restart is needed."""
    store = UnopenedStore(SQLiteBackend(tmp_path / 'chat.db'))
    rooms = Rooms(store)  # type: ignore[arg-type]  # a stand-in that delegates everything but start
    opened = asyncio.Event()
    rooms.when_store_opens(opened.set)
    await rooms.start()
    try:
        for attempt in (rooms.post('lobby', ALICE, 'kept'), rooms.history('lobby'), rooms.listing()):
            with pytest.raises(ChatError) as refused:
                await asyncio.wait_for(attempt, 1)
            assert (refused.value.kind, refused.value.message) == (ErrorKind.UNAVAILABLE, STORE_UNAVAILABLE)
        assert not rooms.store_open and not await rooms.healthy()

        store.heal()
        await asyncio.wait_for(opened.wait(), 5)
        assert rooms.store_open and await rooms.healthy()
        message = await rooms.post('lobby', ALICE, 'kept')
        assert await rooms.history('lobby') == [message]
    finally:
        await rooms.stop()


async def test_stopping_ends_the_attempts_to_open_the_store(tmp_path: Path, quick_retries: None) -> None:
    store = UnopenedStore(SQLiteBackend(tmp_path / 'chat.db'))
    rooms = Rooms(store)  # type: ignore[arg-type]
    await rooms.start()
    store.attempted.clear()
    await asyncio.wait_for(store.attempted.wait(), 5)
    await asyncio.wait_for(rooms.stop(), 5)
    store.attempted.clear()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(store.attempted.wait(), 0.2)


async def test_an_author_edits_and_deletes_their_message_and_every_subscriber_gets_the_change(rooms: Rooms) -> None:
    seen: list[Message] = []
    rooms.subscribe('lobby', seen.append)
    sent = await rooms.post('lobby', ALICE, 'helo', ip='10.0.0.1')
    edited = await rooms.edit('lobby', sent.id, ALICE.id, 'hello\r\nagain', ip='10.0.0.1')
    assert (edited.id, edited.text, edited.author) == (sent.id, 'hello\nagain', ALICE), 'cleaned like a post'
    deleted = await rooms.delete('lobby', sent.id, ALICE.id, ip='10.0.0.1')
    assert seen == [sent, edited, deleted] and deleted.deleted and deleted.text == ''
    assert await rooms.history('lobby') == [deleted]


async def test_changes_are_refused_with_a_reason_before_anything_is_stored(rooms: Rooms) -> None:
    sent = await rooms.post('lobby', ALICE, 'mine')
    seen: list[Message] = []
    rooms.subscribe('lobby', seen.append)
    for change, kind, reason in [
        (rooms.edit('lobby', sent.id, BOB.id, 'hacked'), ErrorKind.NOT_YOURS, 'You can only edit your own messages.'),
        (rooms.delete('lobby', sent.id, BOB.id), ErrorKind.NOT_YOURS, 'You can only delete your own messages.'),
        (rooms.edit('lobby', sent.id, ALICE.id, ' \u200b '), ErrorKind.EMPTY, 'Type a message first.'),
        (rooms.edit('lobby', sent.id, ALICE.id, 'x' * 2001), ErrorKind.TOO_LONG, None),
        (rooms.edit('lobby', sent.id + 1, ALICE.id, 'nothing there'), ErrorKind.GONE, 'This message no longer exists.'),
        (rooms.edit('Bad Room', sent.id, ALICE.id, 'x'), ErrorKind.BAD_ROOM, None),
    ]:
        with pytest.raises(ChatError) as refused:
            await change
        assert refused.value.kind == kind
        assert reason is None or refused.value.message == reason
    assert seen == [] and await rooms.history('lobby') == [sent]


async def test_changes_count_against_the_senders_limits(tmp_path: Path) -> None:
    limits = Limits(LimitSettings(message_burst=3, ip_storage_per_day=8_010))
    rooms = Rooms(SQLiteBackend(tmp_path / 'chat.db'), limits=limits)
    await rooms.start()
    try:
        sent = await rooms.post('lobby', ALICE, 'a', ip='10.0.0.1')
        with pytest.raises(ChatError) as refused:
            await rooms.edit('lobby', sent.id, ALICE.id, '🦊' * 2001, ip='10.0.0.1')
        assert refused.value.kind == ErrorKind.TOO_LONG
        await rooms.edit('lobby', sent.id, ALICE.id, '🦊' * 2000, ip='10.0.0.1')  # 8000 bytes: the budget counts them
        with pytest.raises(ChatError) as refused:
            await rooms.edit('lobby', sent.id, ALICE.id, 'x' * 10, ip='10.0.0.1')
        assert refused.value.kind == ErrorKind.OVER_BUDGET
        await rooms.delete('lobby', sent.id, ALICE.id, ip='10.0.0.1')  # the third action of the burst
        with pytest.raises(ChatError) as refused:
            await rooms.post('lobby', ALICE, 'b', ip='10.0.0.1')
        assert refused.value.kind == ErrorKind.RATE_LIMITED
    finally:
        await rooms.stop()


async def test_a_search_pages_a_rooms_matches_newest_first(rooms: Rooms) -> None:
    sent = [await rooms.post('lobby', ALICE, f'Café {i}') for i in range(5)]
    await rooms.post('other', ALICE, 'café elsewhere')
    first = await rooms.search('lobby', 'CAFE', tab='tab-a', ip='203.0.113.7', size=3)
    assert (first.messages, first.more) == (tuple(sent[:1:-1]), True)
    assert first.search.spans(first.messages[0].text) == [(0, 4)]
    rest = await rooms.search('lobby', 'cafe', tab='tab-a', ip='203.0.113.7', before=first.messages[-1].id, size=3)
    assert (rest.messages, rest.more) == (tuple(sent[1::-1]), False)


@pytest.mark.parametrize(
    ('query', 'reason'),
    [('', 'Type a word to search for.'), ('  *** "" ', 'Type a word to search for.'),
     ('x' * 201, 'Search for at most 200 characters.'), ('a ' * 11, 'Search for at most 10 words.')],
)  # fmt: skip
async def test_a_search_without_words_or_too_long_is_refused_with_a_reason(
    rooms: Rooms, query: str, reason: str
) -> None:
    with pytest.raises(ChatError) as refused:
        await rooms.search('lobby', query, tab='tab-a', ip='203.0.113.7')
    assert (refused.value.kind, refused.value.message) == (ErrorKind.BAD_SEARCH, reason)


async def test_searching_in_a_loop_is_refused_per_tab_and_per_address(tmp_path: Path) -> None:
    rooms = Rooms(SQLiteBackend(tmp_path / 'chat.db'), limits=Limits(clock=lambda: 0.0))  # no time passes
    await rooms.start()

    async def refusals(tab: str, ip: str, attempts: int) -> int:
        refused = 0
        for _ in range(attempts):
            try:
                await rooms.search('lobby', 'word', tab=tab, ip=ip)
            except ChatError as error:
                assert error.message.startswith('You are searching too fast.')
                refused += 1
        return refused

    assert await refusals('tab-a', '203.0.113.7', 15) == 5, 'a tab has a burst of 10'
    assert await refusals('tab-b', '203.0.113.7', 10) == 0
    assert await refusals('tab-c', '203.0.113.7', 15) == 5, 'the address has a burst of 30'
    assert await refusals('tab-d', '203.0.113.8', 1) == 0, 'another address searches on'
    await rooms.stop()


async def test_anyone_reacts_to_a_message_and_every_subscriber_gets_its_reactions(rooms: Rooms) -> None:
    seen: list[Message] = []
    rooms.subscribe('lobby', seen.append)
    sent = await rooms.post('lobby', ALICE, 'hello')
    liked = await rooms.react('lobby', sent.id, BOB, '👍', on=True, ip='10.0.0.2')
    mine = await rooms.react('lobby', sent.id, ALICE, '👍', on=True, ip='10.0.0.1')
    assert [(r.emoji, [a.name for a in r.authors]) for r in mine.reactions] == [('👍', ['Bob', 'Alice'])]
    off = await rooms.react('lobby', sent.id, BOB, '👍', on=False, ip='10.0.0.2')
    assert seen == [sent, liked, mine, off] and [a.name for a in off.reactions[0].authors] == ['Alice']
    assert await rooms.history('lobby') == [off]


async def test_reactions_are_refused_with_a_reason_before_anything_is_stored(rooms: Rooms) -> None:
    sent = await rooms.post('lobby', ALICE, 'mine')
    gone = await rooms.post('lobby', ALICE, 'gone')
    await rooms.delete('lobby', gone.id, ALICE.id)
    seen: list[Message] = []
    rooms.subscribe('lobby', seen.append)
    for emoji, message_id, kind in [
        ('💩', sent.id, ErrorKind.BAD_REACTION),
        ('<b>👍</b>', sent.id, ErrorKind.BAD_REACTION),
        ('👍', gone.id, ErrorKind.GONE),
        ('👍', gone.id + 1, ErrorKind.GONE),
    ]:
        with pytest.raises(ChatError) as refused:
            await rooms.react('lobby', message_id, BOB, emoji, on=True, ip='10.0.0.2')
        assert refused.value.kind == kind and refused.value.message
    assert seen == [] and (await rooms.history('lobby'))[0] == sent


async def test_a_burst_of_reactions_is_held_to_the_reactions_rate(tmp_path: Path) -> None:
    rooms = Rooms(SQLiteBackend(tmp_path / 'chat.db'), limits=Limits(LimitSettings(reaction_burst=4)))
    await rooms.start()
    try:
        sent = await rooms.post('lobby', ALICE, 'react to me')
        for on in (True, False, True, False):
            await rooms.react('lobby', sent.id, BOB, '🎉', on=on, ip='10.0.0.2')
        with pytest.raises(ChatError) as refused:
            await rooms.react('lobby', sent.id, BOB, '🎉', on=True, ip='10.0.0.2')
        assert refused.value.kind == ErrorKind.RATE_LIMITED
        await rooms.react('lobby', sent.id, ALICE, '🎉', on=True, ip='10.0.0.1')
        await rooms.post('lobby', BOB, 'still free to post', ip='10.0.0.2')
    finally:
        await rooms.stop()


async def test_a_post_mentions_the_people_in_the_room_its_names_name(rooms: Rooms) -> None:
    alex, other_alex, carol = Person('browser-1', 'Alex'), Person('browser-2', 'Alex'), Person('browser-3', 'Carol')
    for person in (alex, other_alex, carol):
        rooms.join('lobby', person, lambda activity: None)
    rooms.join('other', Person('browser-4', 'Dana'), lambda activity: None)
    everyone = await rooms.post('lobby', ALICE, '@alex and @Carol, and @Dana who is elsewhere')
    assert everyone.mentions == (public_token(alex.id), public_token(other_alex.id), public_token(carol.id))
    picked = await rooms.post('lobby', ALICE, '@Alex only you', picked=[public_token(other_alex.id)])
    forged = await rooms.post('lobby', ALICE, 'nobody named', picked=[public_token(carol.id)])
    assert (picked.mentions, forged.mentions) == ((public_token(other_alex.id),), ())
    assert [message.mentions for message in await rooms.history('lobby')] == [
        everyone.mentions,
        picked.mentions,
        (),
    ]


async def test_a_reply_reaches_every_subscriber_with_the_quote_of_its_original(rooms: Rooms) -> None:
    seen: list[Message] = []
    rooms.subscribe('lobby', seen.append)
    original = await rooms.post('lobby', ALICE, 'lunch\nat one?')
    reply = await rooms.post('lobby', BOB, 'yes', reply_to=original.id)
    assert seen == [original, reply]
    assert reply.quote == Quote(original.id, 'Alice', 'lunch at one?', False)
    assert await rooms.quote('lobby', original.id) == reply.quote


@pytest.mark.parametrize('reply_to', [0, -1, 2**63, 10**30, 'elsewhere'])
async def test_a_reply_to_a_message_not_in_the_room_is_refused_before_anything_is_stored(
    rooms: Rooms, reply_to: int | str
) -> None:
    elsewhere = await rooms.post('other', ALICE, 'in another room')
    reply_to = elsewhere.id if reply_to == 'elsewhere' else reply_to
    assert isinstance(reply_to, int)
    for attempt in (rooms.post('lobby', BOB, 'hm?', reply_to=reply_to, ip='127.0.0.1'), rooms.quote('lobby', reply_to)):
        with pytest.raises(ChatError) as refused:
            await attempt
        assert refused.value.message == 'The message you reply to is no longer in this room; cancel the reply to send.'
    assert await rooms.history('lobby') == []


async def test_the_server_announces_a_notice_to_the_room_in_order_with_its_messages(rooms: Rooms) -> None:
    seen: list[Message] = []
    rooms.subscribe('lobby', seen.append)
    posted = await rooms.post('lobby', ALICE, 'hello', ip='10.0.0.1')
    notice = Notice(NoticeKind.REMOVED, target='browser-b', target_name='Bob')
    announced = await rooms.announce('lobby', notice)
    assert (announced.notice, announced.author, announced.text) == (notice, NOTICE_AUTHOR, '')
    assert seen == [posted, announced] == await rooms.history('lobby')


async def test_only_the_owner_removes_a_member_who_loses_the_room_and_the_room_is_told(rooms: Rooms) -> None:
    room = await rooms.create_private('club', 'owner')
    invite = await rooms.invite(room, 'owner')
    await rooms.redeem(invite.token, 'bob')
    await rooms.redeem(invite.token, 'carol')
    await rooms.remember_name(room, 'bob', 'Bob')
    seen: list[Message] = []
    rooms.subscribe(room, seen.append)
    for who, whom in (('carol', 'bob'), ('owner', 'owner')):
        with pytest.raises(ChatError):
            await rooms.remove_member(room, who, whom)
    assert await rooms.remove_member(room, 'owner', 'bob') is True
    assert await rooms.access(room, 'bob') is Access.NONE
    (notice,) = [message.notice for message in seen]
    assert notice == Notice(NoticeKind.REMOVED, target='bob', target_name='Bob')
    assert await rooms.remove_member(room, 'owner', 'bob') is False
    assert len(seen) == 1, 'no second notice for someone who was no member'


async def test_only_the_owner_lists_and_revokes_invites(rooms: Rooms) -> None:
    room = await rooms.create_private('club', 'owner')
    invite = await rooms.invite(room, 'owner')
    await rooms.redeem(invite.token, 'bob')
    with pytest.raises(ChatError):
        await rooms.invites(room, 'bob')
    (listed,) = await rooms.invites(room, 'owner')
    assert invite.token not in repr(listed)
    with pytest.raises(ChatError):
        await rooms.revoke_invite(room, 'bob', listed.id)
    assert await rooms.revoke_invite(room, 'owner', "x' OR 1") is False
    assert await rooms.revoke_invite(room, 'owner', listed.id) is True
    assert await rooms.redeem(invite.token, 'carol') is None
