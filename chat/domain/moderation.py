"""Moderation: who the moderators are, the one-time links that make one, and the log of what they did.

Signed in through a proxy, the operator names the moderators (`--moderators`) as the proxy names them; anonymously,
the operator runs `app.py --create-moderator-link` and opens the link in the browser that is to moderate, which makes
that browser's person a moderator for good. Like an invite, a link is a random token of which the store keeps only
the hash; it works once, within `LINK_DAYS`.

Every action a moderator takes is written to the moderation log with who took it, when, where and on whom, so the
moderators answer for what they do; the log names people by their display names, never by their ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LINK_DAYS = 7
LINK_PATH = '/moderator/'
LINK_REFUSAL = 'This moderator link is not valid: it may have expired or been used already.'
TOKEN_PATTERN = re.compile(r'[A-Za-z0-9_-]{16,64}')  # `private.new_token` makes 32 of these characters
LOG_PAGE = 50
REMOVE = 'remove'  # the action of removing a message
NOT_A_MODERATOR = 'Only moderators can do that.'


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One line of the moderation log: `moderator` did `action` in `room` to `target`'s message or person.

    `id` increases with time, so the log pages back from the newest by id; `detail` says more (e.g. which message).
    """

    id: int
    at: float
    moderator: str
    action: str
    room: str
    target: str
    detail: str


def plausible_token(token: str) -> bool:
    """Whether `token` could be a link's token at all: anything else (huge, odd characters) never reaches the store."""
    return TOKEN_PATTERN.fullmatch(token) is not None


def moderator_names(setting: str) -> tuple[str, ...]:
    """The identities a `--moderators` value names, comma-separated; raises `ValueError` for an empty one."""
    names = tuple(name.strip() for name in setting.split(','))
    if not all(names):
        raise ValueError('names the moderators as the sign-in proxy does, separated by commas, none empty')
    return names
