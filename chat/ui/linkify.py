"""Message text split into plain text and http(s) links, for the browser to build as text nodes and `<a>`s.

No user text ever becomes HTML: the message list renders the even parts as text nodes and
the odd parts as the `href` and text of a link, so no input can add an element, an
attribute or a script. Which text is a link is decided here, once per message and process.
"""

from __future__ import annotations

import re

URL = re.compile(r'https?://[^\s<>"\'`]+', re.IGNORECASE)
TRAILING_PUNCTUATION = '.,;:!?\'")]}'


def link_parts(text: str) -> list[str]:
    """Return `text` as [text, url, text, url, ..., text]: the odd items are http(s) URLs, joined they are `text`."""
    parts: list[str] = []
    position = 0
    for match in URL.finditer(text):
        url = _trim(match.group())
        parts += [text[position : match.start()], url]
        position = match.start() + len(url)
    parts.append(text[position:])
    return parts


def _trim(url: str) -> str:
    """Leave sentence punctuation after a URL outside the link, but keep balanced parentheses."""
    while url and url[-1] in TRAILING_PUNCTUATION:
        if url[-1] == ')' and url.count('(') >= url.count(')'):
            break
        url = url[:-1]
    return url
