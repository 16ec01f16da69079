"""Log lines as `key=value` pairs (logfmt): one line per event, with its room, what happened and the error.

Operators grep them or ship them to a log store as they are. What people write is never
logged at any level: a line says which room and which message id, never the text. What
clients send that does reach a line (a browser's error report, a requested path, another
library's message) is cut to a fixed length and escaped, so no record spans several lines,
forges a field, or grows with what one request sends.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

STRUCTURED = 'structured'
CLIENT = 'client_address'  # a record's attribute: the network address whose doing it is (see chat/log_budget.py)
MAX_VALUE = 500  # characters of one field, before escaping
MAX_TRACEBACK = 10_000


def log_event(logger: logging.Logger, level: int, event: str, *, exc_info: bool = False, **fields: Any) -> None:
    """Log `event` with `fields` as one line, e.g. `event=message_refused room=lobby reason=empty`.

    `exc_info=True` (inside an `except`) adds the traceback as one more field. A line with an `ip`
    is that address's doing, and counts against its log budget.
    """
    extra = {STRUCTURED: True, CLIENT: fields.get('ip')}
    logger.log(level, logfmt({'event': event, **fields}), exc_info=exc_info, extra=extra, stacklevel=2)


def logfmt(fields: dict[str, Any], limit: int = MAX_VALUE) -> str:
    """`key=value` pairs, leaving out fields that are None; each value cut at `limit` characters and
    quoted if it has spaces, quotes or characters that are not printable (escaped as in JSON)."""
    return ' '.join(f'{key}={_value(value, limit)}' for key, value in fields.items() if value is not None)


class LogfmtFormatter(logging.Formatter):
    """Every record as one line: time, level, logger, then the event's fields (or `message=` for other libraries).

    A traceback becomes one quoted field, so no record spans several lines.
    """

    def format(self, record: logging.LogRecord) -> str:
        head = {'time': self.formatTime(record, '%Y-%m-%dT%H:%M:%S%z'), 'level': record.levelname.lower()}
        head['logger'] = record.name
        message = record.getMessage()
        line = f'{logfmt(head)} {message if getattr(record, STRUCTURED, False) else logfmt({"message": message})}'
        if record.exc_info:
            line += ' ' + logfmt({'traceback': self.formatException(record.exc_info)}, MAX_TRACEBACK)
        return line


def configure(level: str, budget: logging.Filter) -> None:
    """Log the chat's own events from `level` up, and other libraries' warnings, to stderr as logfmt lines,
    each client's within its `budget`.

    Other libraries stay at warnings because some log what people wrote at debug level (aiosqlite
    logs each statement with its parameters). Logging that is already set up (a test harness, an
    embedding application) keeps its handlers.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LogfmtFormatter())
    handler.addFilter(budget)
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    logging.getLogger('chat').setLevel(level.upper())


def _value(value: Any, limit: int) -> str:
    text = str(value)
    if len(text) > limit:
        text = f'{text[:limit]}…[cut {len(text) - limit} characters]'
    if text and not any(c in text for c in ' ="\\') and text.isprintable():
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    if quoted.isprintable():
        return quoted
    return ''.join(c if c.isprintable() else json.dumps(c)[1:-1] for c in quoted)  # e.g. U+2028, C1 controls
