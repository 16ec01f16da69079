"""Who a message mentions: names in any case and with spaces, the longest that fits, shared names, picks and forged
picks, and hostile text that mentions nobody or costs no more than a short one."""

import time

from hypothesis import given

from chat.domain.mentions import MAX_MENTIONS, resolve, shared_names
from chat.domain.model import Person, public_token
from tests.support.text import ANY_TEXT

ALEX = Person('browser-alex-1', 'Alex')
OTHER_ALEX = Person('browser-alex-2', 'alex')
ALEX_SMITH = Person('browser-alex-smith', 'Alex Smith')
FOX = Person('browser-fox', 'Blue Fox 42')
ROOM = (ALEX, OTHER_ALEX, ALEX_SMITH, FOX)


def token(person: Person) -> str:
    return public_token(person.id)


def test_a_name_with_spaces_is_mentioned_in_any_case_and_the_longest_name_wins() -> None:
    assert resolve('hi @blue fox 42, lunch?', ROOM) == (token(FOX),)
    assert resolve('@Alex Smith look', ROOM) == (token(ALEX_SMITH),)
    assert resolve('@Blue Fox 4', ROOM) == ()
    assert resolve('@Blue Fox 421', ROOM) == (), 'a name ends where letters and digits do'


def test_only_an_at_sign_at_a_word_start_mentions() -> None:
    assert resolve('write to someone@Blue Fox 42', ROOM) == ()
    assert resolve('(@Blue Fox 42)', ROOM) == (token(FOX),)
    assert resolve('no mention here', ROOM) == ()


def test_a_name_several_people_share_mentions_each_of_them_once() -> None:
    mentioned = resolve('@Alex and again @ALEX', ROOM)
    assert mentioned == (token(ALEX), token(OTHER_ALEX))
    assert shared_names(mentioned, ROOM) == [('Alex', 2)]
    assert shared_names(resolve('@Blue Fox 42', ROOM), ROOM) == []


def test_a_pick_narrows_a_shared_name_to_the_person_picked() -> None:
    assert resolve('@Alex see this', ROOM, picked=[token(OTHER_ALEX)]) == (token(OTHER_ALEX),)


def test_picks_of_people_the_text_does_not_name_and_malformed_picks_are_ignored() -> None:
    assert resolve('nothing named', ROOM, picked=[token(FOX)]) == ()
    assert resolve('@Alex hi', ROOM, picked=[token(FOX)]) == (token(ALEX), token(OTHER_ALEX))
    assert resolve('@Alex hi', ROOM, picked=[None, 7, {'x': 1}, 'not-a-token', 'x' * 10_000]) == (
        token(ALEX),
        token(OTHER_ALEX),
    )
    assert resolve('@Alex hi', ROOM, picked=[token(Person('browser-elsewhere', 'Alex'))]) == (
        token(ALEX),
        token(OTHER_ALEX),
    ), 'a pick of someone not in the room narrows nothing'


def test_a_message_mentions_at_most_max_mentions_people() -> None:
    crowd = [Person(f'browser-{i}', f'Name {i}') for i in range(MAX_MENTIONS + 5)]
    text = ' '.join(f'@{person.name}' for person in crowd)
    assert resolve(text, crowd) == tuple(token(person) for person in crowd[:MAX_MENTIONS])


def test_a_text_full_of_at_signs_costs_what_a_short_one_does() -> None:
    crowd = [Person(f'browser-{i}', f'Person {i}') for i in range(1000)]
    started = time.perf_counter()
    assert resolve('@' * 2000, crowd) == ()
    assert resolve('@Person 1' * 220, crowd) == (token(crowd[1]),)
    assert time.perf_counter() - started < 0.1


@given(ANY_TEXT)
def test_any_text_resolves_to_tokens_of_people_in_the_room(text: str) -> None:
    assert set(resolve(text, ROOM)) <= {token(person) for person in ROOM}
