"""Mentions in a room page: the suggestions that typing `@` opens above the composer, the sender's hint when a
name reached several people, and the header's bell that asks the browser to notify of mentions.

Who a message mentions is decided by the server when it is posted (`chat.domain.mentions`); each tab finds
its browser's token in a message's `mentions` and highlights it, counts it in the title and notifies
(`message_list.js`). What is here costs nothing per message: the suggestions come from the room's people,
asked for when `@` is typed (not on every keystroke), and a person picked from them is remembered until the
message is sent, so that a name several people share reaches only the one picked.
"""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui
from nicegui.events import GenericEventArguments

from chat.domain.limits import RateLimiter
from chat.domain.mentions import MAX_PICKS, TOKEN_LENGTH, shared_names
from chat.domain.model import MAX_NAME_LENGTH, Message, public_token
from chat.internals.findable import FindableText
from chat.ui.stream import RoomStream

MAX_SUGGESTED = 50  # people one answer names; a longer prefix narrows the rest
TAG_LENGTH = 4  # characters of a person's token shown beside their name, to tell same-named people apart
# typing `@` asks once, and a longer prefix only if the first answer was cut; a script asking in a loop is slowed
LOOKUPS = RateLimiter(burst=10, per_second=2)


def tag(token: str) -> str:
    """The short tag shown beside a name: the same for a person wherever suggestions list them."""
    return token[:TAG_LENGTH]


def shared_hint(shared: list[tuple[str, int]]) -> str:
    """What the sender is told after a name reached several people: "@Alex reached 2 people named Alex…"."""
    return ' '.join(
        f'@{name} reached {count} people named {name}; to reach one, type @ and pick them from the list.'
        for name, count in shared
    )


class MentionPicker(FindableText, component='mention_picker.js'):
    """The suggestions list above the composer's input (keyboard: Up, Down, Enter or Tab, Escape) and the hint
    under it; it remembers the people picked for the message being typed."""

    def __init__(self, stream: RoomStream, browser_id: str, *, allowed: Callable[[], bool]) -> None:
        super().__init__()
        self._stream = stream
        self._allowed = allowed  # False once the tab lost the room (its person was removed, `chat.ui.removals`)
        self._browser_id = browser_id
        self.picked: list[str] = []
        self._props.update(input='', hint='')
        self.classes('chat-mentions').mark('mention-picker')
        self.on('people', self._people)
        self.on('pick', self._pick)

    def attach(self, field: ui.input) -> None:
        """Follow what is typed into `field`, the composer's input."""
        self._props['input'] = field.html_id
        self.update()

    def findable_text(self) -> list[str]:
        hint: str = self._props['hint']
        return [hint] if hint else []

    def sent(self, message: Message, picked: tuple[str, ...]) -> None:
        """The message was posted with `picked`: forget those, and tell the sender if a name it typed reached several
        people."""
        self.picked = [token for token in self.picked if token not in picked]
        self._props['hint'] = shared_hint(shared_names(message.mentions, self._stream.activity.people))
        self.update()

    def _people(self, event: GenericEventArguments) -> None:
        """Answer `@` typed with a prefix: the room's people whose names start with it, but the tab's own browser."""
        if not isinstance(event.args, str) or not self._allowed() or LOOKUPS.wait(self.client.id):
            return
        LOOKUPS.take(self.client.id)
        prefix = event.args[:MAX_NAME_LENGTH].casefold()
        found = [
            person
            for person in self._stream.activity.people
            if person.id != self._browser_id and person.name.casefold().startswith(prefix)
        ]
        tokens = [(person.name, public_token(person.id)) for person in found[:MAX_SUGGESTED]]
        people = [[name, token, tag(token)] for name, token in tokens]
        self.run_method('people', {'prefix': prefix, 'people': people, 'complete': len(found) <= MAX_SUGGESTED})

    def _pick(self, event: GenericEventArguments) -> None:
        """Remember a person picked for the message being typed; the server checks the text names them."""
        token = event.args
        if isinstance(token, str) and len(token) == TOKEN_LENGTH and token not in self.picked:
            self.picked = [*self.picked, token][-MAX_PICKS:]


class MentionBell(ui.element, component='mention_bell.js'):
    """The header's bell: a click asks the browser for permission to notify of mentions (never asked on load)."""

    def __init__(self) -> None:
        super().__init__()
        self.mark('mention-bell')
