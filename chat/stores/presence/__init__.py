"""Presence shared between processes: the `SharedPresence` protocol; Redis implements it.

Unlike a message `Backend` it stores nothing durable: it only mirrors each process's visits to the others.
"""

from __future__ import annotations

from typing import Protocol

from chat.domain.presence import Presence


class SharedPresence(Protocol):
    """Presence across processes: publishes this process's visits, feeds in the others'."""

    async def start(self, presence: Presence) -> None:
        """Start sharing `presence` (it publishes through us) and reporting other processes into it."""

    async def stop(self) -> None:
        """Withdraw this process's reports and stop."""
