"""A message's wire form, the one encoding every tab of a room receives."""

from chat.domain.model import Author, Message, Quote, Reaction
from chat.ui.identity import public_token
from chat.ui.stream import REACTORS_KNOWN, REACTORS_NAMED, watch_news, wire

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
    edited = wire(Message(1, 'lobby', ALICE, 'hi\nthere ' + 'x' * 100, 1.0, edited_at=3.0))
    assert edited['excerpt'] == 'hi there ' + 'x' * 71 + '…', 'what the quotes of it show in each tab'
    assert 'excerpt' not in wire(Message(1, 'lobby', ALICE, '', 1.0, edited_at=4.0, deleted=True))
