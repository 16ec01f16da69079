"""Message text becomes safe HTML: everything literal except http(s) links that open in a new tab."""

from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st

from chat.ui.linkify import linkify


class Reader(HTMLParser):
    """What a browser would make of the HTML: the visible text and every element with its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ''
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text += data


def read(text: str) -> Reader:
    reader = Reader()
    reader.feed(linkify(text))
    reader.close()
    return reader


def test_urls_become_new_tab_links_without_trailing_punctuation() -> None:
    reader = read('Docs at https://nicegui.io/documentation?x=1&y=2. Thanks!')
    assert reader.text == 'Docs at https://nicegui.io/documentation?x=1&y=2. Thanks!'
    assert reader.elements == [
        ('a', {'href': 'https://nicegui.io/documentation?x=1&y=2', 'target': '_blank', 'rel': 'noopener noreferrer'})
    ]


def test_balanced_parentheses_stay_in_the_link() -> None:
    reader = read('(see https://en.wikipedia.org/wiki/Fox_(disambiguation))')
    assert reader.elements[0][1]['href'] == 'https://en.wikipedia.org/wiki/Fox_(disambiguation)'


def test_other_schemes_and_markup_stay_text() -> None:
    for text in ['javascript:alert(1)', 'data:text/html,<b>', '<svg onload=alert(1)>', '<script>x</script>', '&lt;']:
        reader = read(text)
        assert reader.text == text
        assert reader.elements == []


@given(st.text())
def test_any_text_reads_back_identically_with_only_safe_links(text: str) -> None:
    reader = read(text)
    assert reader.text == text
    for tag, attrs in reader.elements:
        assert tag == 'a'
        assert set(attrs) == {'href', 'target', 'rel'}
        assert attrs['href'] is not None and attrs['href'].lower().startswith(('http://', 'https://'))
        assert attrs['rel'] == 'noopener noreferrer'


@given(st.lists(st.sampled_from(['https://a.io/x', ' ', '<', '>', '"', "'", '&', 'javascript:', '(', ')', '.', 'é'])))
def test_link_heavy_text_reads_back_identically(parts: list[str]) -> None:
    text = ''.join(parts)
    assert read(text).text == text
