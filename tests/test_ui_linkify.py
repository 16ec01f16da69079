"""Message text splits into plain text and http(s) links, and joins back to exactly what was typed."""

from hypothesis import given
from hypothesis import strategies as st

from chat.ui.linkify import link_parts


def links(text: str) -> list[str]:
    return link_parts(text)[1::2]


def test_urls_become_links_without_trailing_punctuation() -> None:
    text = 'Docs at https://nicegui.io/documentation?x=1&y=2. Thanks!'
    assert link_parts(text) == ['Docs at ', 'https://nicegui.io/documentation?x=1&y=2', '. Thanks!']


def test_balanced_parentheses_stay_in_the_link() -> None:
    assert links('(see https://en.wikipedia.org/wiki/Fox_(disambiguation))') == [
        'https://en.wikipedia.org/wiki/Fox_(disambiguation)'
    ]


def test_other_schemes_and_markup_stay_text() -> None:
    for text in ['javascript:alert(1)', 'data:text/html,<b>', '<svg onload=alert(1)>', '<script>x</script>', '&lt;']:
        assert link_parts(text) == [text]


@given(st.text())
def test_any_text_joins_back_identically_with_only_http_links(text: str) -> None:
    parts = link_parts(text)
    assert ''.join(parts) == text
    assert len(parts) % 2 == 1
    for url in parts[1::2]:
        assert url.lower().startswith(('http://', 'https://'))
        assert not any(character.isspace() or character in '<>"\'`' for character in url)


@given(st.lists(st.sampled_from(['https://a.io/x', ' ', '<', '>', '"', "'", '&', 'javascript:', '(', ')', '.', 'é'])))
def test_link_heavy_text_joins_back_identically(parts: list[str]) -> None:
    text = ''.join(parts)
    assert ''.join(link_parts(text)) == text
