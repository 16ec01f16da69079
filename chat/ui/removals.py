"""A member removed from a private room loses it at once: every tab of theirs in this process that shows the room
closes it, and every side list of theirs that lists it drops it.

The owner's removal is a REMOVED notice in the room (`chat.domain.notices`), so it reaches every process in the
store's order; each process's `RoomStream` hands it to `Removals.removed` before the notice, or anything posted
after it, goes out. The tabs and lists to close are found by (room, person) and by person, never by a scan of all
tabs: a person has few.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from chat.domain.model import Message
from chat.domain.notices import NoticeKind

Close = Callable[[], None]  # a tab closes its room: it must leave the room's broadcast before it returns
Drop = Callable[[str], None]  # a side list drops the room it is called with
Unregister = Callable[[], None]
REMOVALS = frozenset({NoticeKind.REMOVED})  # the notices that take a room from their target


class Removals:
    """The room tabs and side lists of this process by whom they show, and what a removal does to them."""

    def __init__(self) -> None:
        self._tabs: dict[tuple[str, str], dict[int, Close]] = {}
        self._lists: dict[str, dict[int, Drop]] = {}
        self._keys = itertools.count()

    def tab(self, room: str, person: str, close: Close) -> Unregister:
        """Call `close` if `person` is removed from `room`, until the returned function is called."""
        return _register(self._tabs, (room, person), next(self._keys), close)

    def side_list(self, person: str, drop: Drop) -> Unregister:
        """Call `drop` with each room `person` is removed from, until the returned function is called."""
        return _register(self._lists, person, next(self._keys), drop)

    def removed(self, message: Message) -> None:
        """The notice handler (`Streams.on_notice`): a REMOVED notice closes its target's tabs of the room."""
        notice = message.notice
        if notice is None or notice.kind not in REMOVALS or not notice.target:
            return
        for close in tuple(self._tabs.get((message.room, notice.target), {}).values()):
            close()
        for drop in tuple(self._lists.get(notice.target, {}).values()):
            drop(message.room)


def _register(registry: dict[Any, dict[int, Any]], key: object, token: int, value: object) -> Unregister:
    registry.setdefault(key, {})[token] = value

    def unregister() -> None:
        entries = registry.get(key)
        if entries is not None:
            entries.pop(token, None)
            if not entries:
                del registry[key]

    return unregister
