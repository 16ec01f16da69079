"""Message text as safe HTML: everything escaped, only http(s) URLs turned into links that open a new tab.

This is the one place user text meets HTML. Every character the user typed goes through
`html.escape`; the only markup is the `<a>` tags written here, whose `href` is an
escaped http(s) URL, so no input can add an element, an attribute or a script.
"""

from __future__ import annotations

import html
import re

URL = re.compile(r'https?://[^\s<>"\'`]+', re.IGNORECASE)
TRAILING_PUNCTUATION = '.,;:!?\'")]}'


def linkify(text: str) -> str:
    """Return `text` escaped as HTML, with each http(s) URL wrapped in a new-tab, no-referrer link."""
    parts: list[str] = []
    position = 0
    for match in URL.finditer(text):
        url = _trim(match.group())
        parts.append(html.escape(text[position : match.start()]))
        parts.append(f'<a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer">{html.escape(url)}</a>')
        position = match.start() + len(url)
    parts.append(html.escape(text[position:]))
    return ''.join(parts)


def _trim(url: str) -> str:
    """Leave sentence punctuation after a URL outside the link, but keep balanced parentheses."""
    while url and url[-1] in TRAILING_PUNCTUATION:
        if url[-1] == ')' and url.count('(') >= url.count(')'):
            break
        url = url[:-1]
    return url
