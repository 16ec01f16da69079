"""A message's wire form, the one encoding every tab of a room receives, and when it goes out."""

import asyncio
import dataclasses

import pytest

from chat.domain.model import Author, Message, Quote, Reaction
from chat.domain.notices import NOTICE_AUTHOR, Notice, NoticeKind
from chat.ui import stream as stream_module
from chat.ui.identity import public_token
from chat.ui.stream import (
    CHANGE_HOLD_SECONDS,
    EVENT,
    REACTORS_KNOWN,
    REACTORS_NAMED,
    RoomStream,
    Wire,
    watch_news,
    wire,
)
from tests.support.simulated_user import eventually

ALICE = Author('tab-a', 'Alice')


def test_reactions_go_out_with_whole_counts_and_bounded_names_and_tokens() -> None:
    crowd = tuple(Author(f'tab-{i}', f'Person {i}') for i in range(40))
    assert 'reactions' not in wire(Message(1, 'lobby', ALICE, 'hi', 1.0)), 'never reacted to: nothing more'
    reactions = (Reaction('🎉', crowd), Reaction('😮', (ALICE,)))
    data = wire(Message(1, 'lobby', ALICE, 'hi', 1.0, reactions=reactions, reacted_at=2.5))
    (emoji, count, names, tokens), alone = data['reactions']
    assert (emoji, count, data['reacted']) == ('🎉', 40, 2500.0)
    assert names == [author.name for author in crowd[:REACTORS_NAMED]]
    assert tokens == [public_token(author.id) for author in crowd[:REACTORS_KNOWN]]
    assert alone == ['😮', 1, ['Alice'], [public_token(ALICE.id)]]
    assert 'tab-' not in str(data), 'author ids never leave the server'


async def test_changes_wait_for_the_next_message_and_a_burst_goes_out_as_its_latest_state(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An emit costs a send per tab, so changes ride with the messages; alone, they wait a moment, then go."""
    emits: list[list[Wire]] = []

    async def emit(room: str, event: str, data: dict, *, watch: bool = False) -> None:
        if event == EVENT:
            emits.append(data['messages'])

    monkeypatch.setattr(stream_module.room_broadcast, 'emit', emit)
    stream = RoomStream('lobby', keep=10)
    posted = Message(1, 'lobby', ALICE, 'hi', 1.0)
    stream.deliver(posted)
    await eventually(lambda: len(emits) == 1)
    for count, at in ((1, 2.0), (2, 3.0), (1, 4.0)):
        stream.deliver(reacted(posted, count, at))
    stream.deliver(dataclasses.replace(reacted(posted, 1, 4.0), text='hi!', edited_at=4.5))
    stream.deliver(Message(2, 'lobby', ALICE, 'next', 5.0))
    await eventually(lambda: len(emits) == 2)
    assert [(m['id'], m.get('edited')) for m in emits[1]] == [(2, None), (1, 4500.0)], 'one state: the latest'

    stream.deliver(reacted(posted, 2, 6.0))
    started = asyncio.get_running_loop().time()
    await eventually(lambda: len(emits) == 3)
    assert asyncio.get_running_loop().time() - started >= CHANGE_HOLD_SECONDS * 0.9
    assert [(m['id'], m.get('reacted')) for m in emits[2]] == [(1, 6000.0)], 'alone, after the hold'


def reacted(message: Message, count: int, at: float) -> Message:
    """`message` with `count` people's 👍, as the store delivers it after a reaction at `at`."""
    authors = tuple(Author(f'tab-{i}', f'P{i}') for i in range(count))
    return dataclasses.replace(message, reactions=(Reaction('👍', authors),), reacted_at=at)


def test_mentions_go_out_once_per_message_and_once_per_batch_to_the_rooms_watchers() -> None:
    assert 'mentions' not in wire(Message(1, 'lobby', ALICE, 'hi', 1.0)), 'no mention: nothing more'
    first = wire(Message(1, 'lobby', ALICE, '@Bob @Carol', 1.0, mentions=('bob', 'carol')))
    second = wire(Message(2, 'lobby', ALICE, '@Bob', 2.0, mentions=('bob',)))
    assert first['mentions'] == ['bob', 'carol']
    assert watch_news('lobby', [first, second]) == {'room': 'lobby', 'ids': [1, 2], 'mentions': ['bob', 'carol']}
    assert watch_news('lobby', [wire(Message(3, 'lobby', ALICE, 'hi', 1.0))]) == {'room': 'lobby', 'ids': [3]}


def test_a_reply_goes_out_with_its_quote_and_an_edit_with_its_first_words() -> None:
    plain = wire(Message(1, 'lobby', ALICE, 'hi', 1.0))
    assert 'reply' not in plain and 'excerpt' not in plain
    quote = Quote(1, 'Alice', 'hi', False)
    assert wire(Message(2, 'lobby', ALICE, 'yes', 2.0, reply_to=1, quote=quote))['reply'] == {
        'id': 1,
        'name': 'Alice',
        'text': 'hi',
        'deleted': False,
    }
    removed = Quote(1, 'Alice', '', True, removed=True)
    assert wire(Message(2, 'lobby', ALICE, 'yes', 2.0, reply_to=1, quote=removed))['reply']['removed'] is True
    edited = wire(Message(1, 'lobby', ALICE, 'hi\nthere ' + 'x' * 100, 1.0, edited_at=3.0))
    assert edited['excerpt'] == 'hi there ' + 'x' * 71 + '…', 'what the quotes of it show in each tab'
    assert 'excerpt' not in wire(Message(1, 'lobby', ALICE, '', 1.0, edited_at=4.0, deleted=True))


def test_a_notice_goes_out_naming_its_target_by_token_and_its_end_in_milliseconds() -> None:
    notice = Notice(NoticeKind.REMOVED, target='browser-b', target_name='Bob', until=12.5, reason='spam')
    data = wire(Message(3, 'lobby', NOTICE_AUTHOR, '', 1.0, notice=notice))
    assert data['notice'] == {
        'kind': 'removed',
        'target': public_token('browser-b'),
        'name': 'Bob',
        'until': 12500,
        'reason': 'spam',
    }
    assert data['author'] == '' and 'browser-b' not in str(data), 'nobody is its author; ids never leave the server'
    untargeted = wire(Message(4, 'lobby', NOTICE_AUTHOR, '', 1.0, notice=Notice(NoticeKind.REMOVED)))
    assert untargeted['notice']['target'] == '' and untargeted['notice']['until'] is None
    assert 'notice' not in wire(Message(5, 'lobby', ALICE, 'hi', 1.0))


async def test_notice_handlers_run_in_order_before_the_notice_and_what_follows_go_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emitted: list[int] = []
    heard: list[tuple[str, int, int]] = []

    async def emit(room: str, event: str, data: dict, *, watch: bool = False) -> None:
        if event == EVENT:
            emitted.extend(message['id'] for message in data['messages'])

    monkeypatch.setattr(stream_module.room_broadcast, 'emit', emit)
    handlers = [
        lambda message: heard.append(('first', message.id, len(emitted))),
        lambda message: heard.append(('second', message.id, len(emitted))),
    ]
    stream = RoomStream('lobby', keep=10, notice_handlers=handlers)
    stream.deliver(Message(1, 'lobby', ALICE, 'hi', 1.0))
    stream.deliver(Message(2, 'lobby', NOTICE_AUTHOR, '', 2.0, notice=Notice(NoticeKind.REMOVED, target='b')))
    stream.deliver(Message(3, 'lobby', ALICE, 'after', 3.0))
    await eventually(lambda: emitted == [1, 2, 3])
    assert heard == [('first', 2, 0), ('second', 2, 0)]
