"""Room notices: lines of a room that the server writes, not a person ("The owner removed Alex from the room").

A notice is a message of its room (`Message.notice`), stored and delivered as any message is, so it keeps its
place among them, reaches every process in the store's order and survives restarts. Its words are made where it
is shown, from its kind; a new kind is one more value here and one more line there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

from chat.domain.model import Author

NOTICE_AUTHOR = Author('', '')  # nobody: no tab's id is empty, so no one may edit or delete a notice


class NoticeKind(StrEnum):
    """What happened; the browser words each kind."""

    REMOVED = 'removed'  # the owner removed `target` from a private room
    READ_ONLY = 'read_only'  # a moderator made the room read-only (`chat.domain.restrictions`)
    WRITABLE = 'writable'  # a moderator made it writable again
    MUTED = 'muted'  # a moderator muted `target` in this room `until`, for `reason`
    MUTED_EVERYWHERE = 'muted_everywhere'  # the same in every room
    UNMUTED = 'unmuted'  # a moderator lifted the mutes on `target` that held in this room, before they ended


@dataclass(frozen=True, slots=True)
class Notice:
    """What a notice says: its kind, whom it is about (`target`, a person id that stays on the server; '' for no one)
    and the name they had, until when it holds (None: no end) and why."""

    kind: NoticeKind
    target: str = ''
    target_name: str = ''
    until: float | None = None
    reason: str = ''


def notice_json(notice: Notice) -> str:
    """How the stores keep a notice: one JSON text in the message's row or entry."""
    fields = {'kind': notice.kind.value, 'target': notice.target, 'target_name': notice.target_name}
    return json.dumps(fields | {'until': notice.until, 'reason': notice.reason}, ensure_ascii=False)


def notice_from_json(text: str) -> Notice:
    fields = json.loads(text)
    return Notice(
        NoticeKind(fields['kind']), fields['target'], fields['target_name'], fields['until'], fields['reason']
    )
