"""python-socketio and python-engineio log through handlers of their own, with a traceback per malformed frame.

A malformed frame is the client's fault, not a bug here: their records go through the chat's
own log lines instead, each error on one short line.
"""

from __future__ import annotations

import logging

SOCKET_LOGGERS = ('socketio.server', 'engineio.server')


def quiet_socket_loggers() -> None:
    """Drop the socket libraries' own handlers and shorten their tracebacks to one line; safe to call again."""
    for name in SOCKET_LOGGERS:
        socket_logger = logging.getLogger(name)
        for own in list(socket_logger.handlers):
            socket_logger.removeHandler(own)
        if _without_traceback not in socket_logger.filters:
            socket_logger.addFilter(_without_traceback)


def _without_traceback(record: logging.LogRecord) -> bool:
    if record.exc_info and record.exc_info[1] is not None:
        error = record.exc_info[1]
        record.msg, record.args = f'{record.getMessage()}: {type(error).__name__}: {error}', ()
        record.exc_info = record.exc_text = None
    return True
