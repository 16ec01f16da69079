"""uvicorn's warnings about malformed requests, which name no address, under one shared log budget.

uvicorn logs `Invalid HTTP request received.` (and the like) once per bad request; a script
opening connections that send garbage wrote 100 kB of log per thousand. Its records carry no
client address, so all of them count against one budget, reported as `ip=unknown`: a flood of them
can hide the others' such warnings, which are only ever about a client's fault.
"""

from __future__ import annotations

import logging

from chat.logs import CLIENT

UVICORN_LOGGER = 'uvicorn.error'
UNKNOWN = 'unknown'


def budget_request_warnings() -> None:
    """Count uvicorn's warnings against the `unknown` address's log budget; safe to call again."""
    logger = logging.getLogger(UVICORN_LOGGER)
    if _unattributed not in logger.filters:
        logger.addFilter(_unattributed)


def _unattributed(record: logging.LogRecord) -> bool:
    if record.levelno == logging.WARNING:
        setattr(record, CLIENT, UNKNOWN)
    return True
