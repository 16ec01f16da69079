"""The answer to a request for a path the chat does not serve: a small fixed page and one short log line.

NiceGUI's own 404 logs the whole URL (60 kB paths make 60 kB lines) and builds a full page client
per request that it keeps for a minute (1000 requests grew the server by 300 MB). This page is a
constant, the line names the path (cut, as every field) and the address, whose log budget it
counts against, and a route that raised its own 404 (a missing static file) keeps FastAPI's answer.
"""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException

from chat.logs import log_event

log = logging.getLogger(__name__)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Not found · Chat</title></head>
<body><h1>Not found</h1><p>There is no page at this address. <a href="/">Go to the lobby</a></p></body></html>
"""


async def not_found(request: Request, error: HTTPException) -> Response:
    """FastAPI's exception handler for 404s."""
    if request.scope.get('endpoint') is not None:
        return await http_exception_handler(request, error)
    address = request.client.host if request.client is not None else None
    log_event(log, logging.INFO, 'page_not_found', path=request.url.path, ip=address)
    return HTMLResponse(PAGE, status_code=404)
