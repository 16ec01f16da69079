"""Many protocol-client tabs at once: the one way tests and the load generator open and close them."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Generator
from typing import Any

from tests.support.protocol import Browser, Bubble, Network, ProtocolClient

OPEN_AT_ONCE = 16  # tabs opened concurrently: enough to ramp fast, few enough not to measure a stampede
OnBubble = Callable[[int, Bubble], None]  # the tab's number and a bubble its page showed


class OpenTabs:
    """`count` tabs of `url`, each its own browser, opened a few at a time; each is ready once its page
    shows `history` bubbles.

    `await open_tabs(...)` gives the open tabs, for the caller to close (see `close_tabs`);
    `async with open_tabs(...) as tabs` closes them when the block ends. Either way, if one tab
    fails to open, the others are closed before the error is raised.
    """

    def __init__(self, network: Network, url: str, count: int, on_bubble: OnBubble | None,
                 first: int, history: int, timeout: float) -> None:  # fmt: skip
        self.network = network
        self.url = url
        self.count = count
        self.on_bubble = on_bubble
        self.first = first
        self.history = history
        self.timeout = timeout
        self.tabs: list[ProtocolClient] = []

    def __await__(self) -> Generator[Any, None, list[ProtocolClient]]:
        return self._open().__await__()

    async def __aenter__(self) -> list[ProtocolClient]:
        return await self._open()

    async def __aexit__(self, *_: object) -> None:
        await close_tabs(self.tabs)

    async def _open(self) -> list[ProtocolClient]:
        gate = asyncio.Semaphore(OPEN_AT_ONCE)
        for number in range(self.first, self.first + self.count):
            on_bubble = functools.partial(self.on_bubble, number) if self.on_bubble is not None else None
            self.tabs.append(ProtocolClient(Browser(self.network), self.url, on_bubble))

        async def open_one(tab: ProtocolClient) -> None:
            async with gate:
                await tab.open(timeout=self.timeout)
                await tab.wait_for(lambda: len(tab.bubbles) >= self.history, self.timeout)

        openings = [asyncio.ensure_future(open_one(tab)) for tab in self.tabs]
        try:
            await asyncio.gather(*openings)
        except BaseException:
            for opening in openings:
                opening.cancel()
            await asyncio.gather(*openings, return_exceptions=True)
            await close_tabs(self.tabs)
            raise
        return self.tabs


def open_tabs(network: Network, url: str, count: int = 1, on_bubble: OnBubble | None = None, *, first: int = 0,
              history: int = 0, timeout: float = 60) -> OpenTabs:  # fmt: skip
    """Open `count` tabs of `url` (see `OpenTabs`); they are numbered from `first` for `on_bubble`."""
    return OpenTabs(network, url, count, on_bubble, first, history, timeout)


async def close_tabs(tabs: list[ProtocolClient]) -> None:
    """Close every tab, even when closing one fails (a tab whose server is gone has nothing left to close)."""
    await asyncio.gather(*(tab.close() for tab in tabs), return_exceptions=True)
