"""uvicorn's per-request warnings against a real `app.py`: a garbage-sending script gets a bounded share of the log."""

from __future__ import annotations

import asyncio

from chat.internals.http_logs import UNKNOWN
from tests.support.app_process import AppProcess
from tests.support.waiting import wait_for

REQUESTS = 600
LOG_BOUND = 10_000  # bytes: the shared burst of short lines, with room to spare


async def send_garbage(port: int) -> None:
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    writer.write(b'\x00not http\r\n\r\n')
    await writer.drain()
    await reader.read()
    writer.close()


async def test_malformed_requests_write_a_bounded_number_of_warnings(chat_server: AppProcess) -> None:
    before = len(chat_server.log())
    for _ in range(REQUESTS // 50):
        await asyncio.gather(*(send_garbage(chat_server.port) for _ in range(50)))
    summary = f'event=log_suppressed ip={UNKNOWN} dropped='
    await asyncio.to_thread(wait_for, lambda: summary in chat_server.log(), 20, 'a summary of what was dropped')
    grown = len(chat_server.log()) - before
    assert grown < LOG_BOUND, f'{REQUESTS} malformed requests made the log grow by {grown} bytes'
    assert 'message="Invalid HTTP request received."' in chat_server.log()
