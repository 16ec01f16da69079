"""How much one network address can make the server write to its log: a burst of lines, then one now and then.

A browser's error reports, requests for paths that do not exist, refused tabs and messages each
put a line in the log that a script can repeat without end, from new pages and sockets each time.
Every such line names its address (`log_event(..., ip=...)`); this filter on the log handler
lets each address write `burst` lines, then `per_second` more, and counts the rest, which
`report` sums up in one line per address. It remembers the `addresses` most recently heard
from, so its own memory is bounded too; a forgotten address starts again with a full burst.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from chat.domain.limits import Clock, TokenBucket
from chat.logs import CLIENT, STRUCTURED, logfmt

BURST = 20
PER_SECOND = 0.1
ADDRESSES = 10_000
REPORT_EVERY = 10.0  # seconds between summaries of what was dropped

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Address:
    bucket: TokenBucket
    dropped: int = 0


class LogBudget(logging.Filter):
    """Passes the lines no address caused, and each address's lines while its budget lasts."""

    def __init__(
        self, burst: int = BURST, per_second: float = PER_SECOND, addresses: int = ADDRESSES,
        clock: Clock = time.monotonic,
    ) -> None:  # fmt: skip
        super().__init__()
        self.burst = burst
        self.per_second = per_second
        self.addresses = addresses
        self.clock = clock
        self._seen: OrderedDict[str, _Address] = OrderedDict()
        self._lock = threading.Lock()  # records may come from worker threads

    def filter(self, record: logging.LogRecord) -> bool:
        address = getattr(record, CLIENT, None)
        if address is None:
            return True
        with self._lock:
            return self._spend(str(address))

    def report(self) -> None:
        """Log, per address, how many of its lines were dropped since the last report (a timer calls this)."""
        with self._lock:
            dropped = [(address, seen.dropped) for address, seen in self._seen.items() if seen.dropped]
            for address, _ in dropped:
                self._seen[address].dropped = 0
        for address, count in dropped:
            line = logfmt({'event': 'log_suppressed', 'ip': address, 'dropped': count})
            log.warning(line, extra={STRUCTURED: True})  # names no client, so no budget drops it

    def __len__(self) -> int:
        return len(self._seen)

    def _spend(self, address: str) -> bool:
        now = self.clock()
        seen = self._seen.get(address)
        if seen is None:
            seen = self._seen[address] = _Address(TokenBucket(self.burst, self.per_second, self.burst, now))
            if len(self._seen) > self.addresses:
                self._seen.popitem(last=False)
        else:
            self._seen.move_to_end(address)
        if seen.bucket.wait(now):
            seen.dropped += 1
            return False
        seen.bucket.take(now)
        return True
