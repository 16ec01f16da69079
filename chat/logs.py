"""Log lines as `key=value` pairs (logfmt): one line per event, with its room, what happened and the error.

Operators grep them or ship them to a log store as they are. What people write is never
logged at any level: a line says which room and which message id, never the text.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

STRUCTURED = 'structured'


def log_event(logger: logging.Logger, level: int, event: str, *, exc_info: bool = False, **fields: Any) -> None:
    """Log `event` with `fields` as one line, e.g. `event=message_refused room=lobby reason=empty`.

    `exc_info=True` (inside an `except`) adds the traceback as one more field.
    """
    logger.log(level, logfmt({'event': event, **fields}), exc_info=exc_info, extra={STRUCTURED: True}, stacklevel=2)


def logfmt(fields: dict[str, Any]) -> str:
    """`key=value` pairs, leaving out fields that are None; values with spaces or quotes are quoted."""
    return ' '.join(f'{key}={_value(value)}' for key, value in fields.items() if value is not None)


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
            line += ' ' + logfmt({'traceback': self.formatException(record.exc_info)})
        return line


def configure(level: str) -> None:
    """Log the chat's own events from `level` up, and other libraries' warnings, to stderr as logfmt lines.

    Other libraries stay at warnings because some log what people wrote at debug level (aiosqlite
    logs each statement with its parameters). Logging that is already set up (a test harness, an
    embedding application) keeps its handlers.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LogfmtFormatter())
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    logging.getLogger('chat').setLevel(level.upper())


def _value(value: Any) -> str:
    text = str(value)
    if text and not any(c in text for c in ' ="\\') and text.isprintable():
        return text
    return json.dumps(text, ensure_ascii=False)
