"""Who a message mentions: `@Name` in its text, resolved against the people in the room when it is sent.

The server decides, once per message: the result is a list of public tokens of people (one per browser,
see `public_token`) stored with the message, and each tab compares it with its own token, as it does to
find its own messages. Display names are not unique, so a name several people share mentions all of them
unless the sender picked one from the suggestions; a pick only narrows a name typed in the text, so a
forged pick cannot mention someone the text does not name.
"""

from __future__ import annotations

from collections.abc import Iterable

from chat.domain.model import MAX_NAME_LENGTH, Person, public_token

MAX_MENTIONS = 20  # people one message may mention; the rest of the `@`s are plain text
MAX_MARKS = 50  # `@`s of a text that are looked at, so a text of 2000 `@`s costs what one of 50 does
MAX_PICKS = 20  # picked tokens a send may carry
TOKEN_LENGTH = 12  # `public_token`'s length


def resolve(text: str, people: Iterable[Person], picked: Iterable[object] = ()) -> tuple[str, ...]:
    """Resolve `@Name`s in `text` against `people` (the room's, by browser), narrowed by `picked` tokens.

    A mention is `@` at the start of the text or after a character that is not a letter or digit (so an
    e-mail address is none), followed by a person's name in any case, the longest that fits, and then
    something that is not a letter or digit. `picked` comes from the browser: anything not a token of a
    person whose name the text mentions is ignored.
    """
    if '@' not in text:
        return ()
    by_name: dict[str, list[Person]] = {}
    for person in people:
        by_name.setdefault(person.name.casefold(), []).append(person)
    picks = {pick for pick in list(picked)[:MAX_PICKS] if isinstance(pick, str) and len(pick) == TOKEN_LENGTH}
    named: dict[str, list[Person]] = {}
    for key in _named(text, by_name):
        named.setdefault(key, by_name[key])
    tokens: list[str] = []
    for group in named.values():
        chosen = [person for person in group if public_token(person.id) in picks] or group
        tokens.extend(token for person in chosen if (token := public_token(person.id)) not in tokens)
    return tuple(tokens[:MAX_MENTIONS])


def shared_names(tokens: Iterable[str], people: Iterable[Person]) -> list[tuple[str, int]]:
    """The names that reached several of the mentioned (`tokens`) `people`, with how many: what the sender is
    told, so that a name several people share never notifies someone unseen."""
    mentioned = set(tokens)
    counts: dict[str, tuple[str, int]] = {}
    for person in people:
        if public_token(person.id) in mentioned:
            name, count = counts.get(person.name.casefold(), (person.name, 0))
            counts[person.name.casefold()] = name, count + 1
    return [(name, count) for name, count in counts.values() if count > 1]


def _named(text: str, by_name: dict[str, list[Person]]) -> list[str]:
    """The casefolded names mentioned in `text`, in order, each time it is mentioned."""
    found: list[str] = []
    marks = 0
    start = text.find('@')
    while start >= 0 and marks < MAX_MARKS:
        marks += 1
        if start == 0 or not text[start - 1].isalnum():
            for length in range(min(MAX_NAME_LENGTH, len(text) - start - 1), 0, -1):
                end = start + 1 + length
                key = text[start + 1 : end].casefold()
                if key in by_name and (end == len(text) or not text[end].isalnum()):
                    found.append(key)
                    break
        start = text.find('@', start + 1)
    return found
