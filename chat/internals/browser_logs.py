"""A page's JavaScript errors, which nicegui.js reports over its socket, as server log lines naming their address.

NiceGUI logs each report's text as it came, under no address; a script can send them without end
from page after page. Here each becomes `event=browser_log ip=... message=...`, cut like any field,
and counts against its address's log budget (chat/log_budget.py), whichever page or socket sent it.
"""

from __future__ import annotations

import logging
from typing import Any

from nicegui import Client

from chat.logs import log_event

log = logging.getLogger(__name__)


def log_report(_sid: str, data: dict[str, Any]) -> None:
    """The 'log' socket handler; the socket guard has checked the report's shape and that its socket owns the page."""
    if client := Client.instances.get(data['client_id']):
        level = logging.getLevelName(data['level'].upper())
        log_event(log, level, 'browser_log', ip=client.ip, message=data['message'])
