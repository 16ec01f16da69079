"""Requests for paths the chat does not serve, against a real `app.py`: a small page, a short log line within the
address's log budget, and nothing kept in memory."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
from nicegui import __version__

from tests.support.app_process import AppProcess
from tests.support.waiting import wait_for

LONG_PATH = '/' + 'p' * 60_000
REQUESTS = 400
LOG_BOUND = 40_000  # bytes: the address's burst of cut lines, with room to spare
MEMORY_BOUND_MB = 40


async def test_many_404s_with_long_paths_log_and_keep_a_bounded_amount(
    start_server: Callable[..., AppProcess], chat_env: Path
) -> None:
    server = start_server(chat_env)
    before, rss_before = len(server.log()), server.rss_mb()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:

        async def not_found(count: int) -> None:
            for _ in range(count):
                assert (await http.get(LONG_PATH)).status_code == 404

        await asyncio.gather(*(not_found(REQUESTS // 4) for _ in range(4)))
        marker = f'/missing-{uuid.uuid4().hex}'
        assert (await http.get(marker, headers={'X-Forwarded-For': '203.0.113.8'})).status_code == 404
    await asyncio.to_thread(wait_for, lambda: marker in server.log(), 10, "the other address's 404")

    grown = len(server.log()) - before
    assert grown < LOG_BOUND, f'{REQUESTS} requests for 60 kB paths made the log grow by {grown} bytes'
    assert f'event=page_not_found path={marker} ip=203.0.113.8' in server.log()
    assert server.rss_mb() - rss_before < MEMORY_BOUND_MB, 'a 404 keeps no page in memory'


async def test_the_404_page_leads_to_the_lobby_and_missing_files_stay_json(chat_server: AppProcess) -> None:
    async with httpx.AsyncClient(base_url=chat_server.url) as http:
        page = await http.get('/no/such/page')
        missing_file = await http.get(f'/_nicegui/{__version__}/static/no-such-file.js')
    assert page.status_code == 404 and 'href="/"' in page.text and 'Not found' in page.text
    assert page.headers['x-frame-options'] == 'DENY'
    assert missing_file.status_code == 404 and missing_file.headers['content-type'] == 'application/json'
