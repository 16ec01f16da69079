"""Searching a room as simulated users see it: results with their context and matched words, more pages, refusals."""

from nicegui import ElementFilter, app
from nicegui.testing import User

from chat.domain.model import Author
from chat.domain.rooms import SEARCH_PAGE, Rooms
from chat.ui.search import SearchResultList, excerpt
from tests.support.simulated_user import eventually

SEEDER = Author('seed-tab', 'Seeder')


def model() -> Rooms:
    return app.state.rooms


def results(user: User) -> list[dict[str, object]]:
    with user:
        (found,) = ElementFilter(kind=SearchResultList)
    return [{'name': row['name'], 'parts': row['parts']} for row in found.props['results']]


async def search(user: User, text: str) -> None:
    user.find(marker='search-button').click()
    user.find(marker='search-input').clear().type(text).trigger('keydown.enter')


async def test_a_search_lists_the_rooms_matches_with_the_words_marked(user: User) -> None:
    await model().post('lobby', SEEDER, 'Lunch at the Café?')
    await model().post('lobby', SEEDER, 'nothing to see')
    await model().post('lobby', SEEDER, '<b>cafe</b> "NEAR" *')
    await model().post('elsewhere', SEEDER, 'cafe in another room')
    await user.open('/')
    await search(user, 'CAFE')
    await user.should_see('Lunch at the Café?', kind=SearchResultList)
    assert results(user) == [
        {'name': 'Seeder', 'parts': ['<b>', 'cafe', '</b> "NEAR" *']},
        {'name': 'Seeder', 'parts': ['Lunch at the ', 'Café', '?']},
    ]
    await search(user, '"near" <b>')
    await eventually(
        lambda: results(user) == [{'name': 'Seeder', 'parts': ['<', 'b', '>cafe</', 'b', '> "', 'NEAR', '" *']}]
    )


async def test_more_results_pages_back_and_a_search_without_words_says_why(user: User) -> None:
    for i in range(SEARCH_PAGE + 3):
        await model().post('lobby', SEEDER, f'word {i}')
    await user.open('/')
    await search(user, 'word')
    await eventually(lambda: len(results(user)) == SEARCH_PAGE)
    user.find('More results').click()
    await eventually(lambda: len(results(user)) == SEARCH_PAGE + 3)
    assert [row['parts'][-1] for row in results(user)] == [f' {i}' for i in reversed(range(SEARCH_PAGE + 3))]
    await user.should_not_see('More results')
    await search(user, '***')
    await user.should_see('Type a word to search for.')


def test_an_excerpt_shows_a_long_messages_match_with_some_context() -> None:
    text = 'x' * 100 + ' needle ' + 'y' * 300
    parts = excerpt(text, [(101, 107)])
    assert parts[1] == 'needle' and parts[0].startswith('…') and parts[-1].endswith('…')
    assert len(''.join(parts)) <= 162
    assert excerpt('no match', []) == ['no match']
