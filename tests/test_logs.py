"""Logs as operators read them: one key=value line per event, tracebacks included, never what people wrote."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from chat.logs import MAX_VALUE, LogfmtFormatter, log_event
from tests.support.app_process import AppProcess
from tests.support.protocol import Network
from tests.support.tabs import open_tabs
from tests.support.waiting import wait_for

SECRET = 'a very private sentence'


def formatted(record: logging.LogRecord) -> str:
    return LogfmtFormatter().format(record)


def capture(emit: Callable[[logging.Logger], None]) -> logging.LogRecord:
    records: list[logging.LogRecord] = []
    logger = logging.getLogger('chat.test')
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger.addHandler(handler)
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
    return records[0]


def test_an_event_is_one_line_of_fields_with_odd_values_quoted() -> None:
    record = capture(
        lambda log: log_event(log, logging.WARNING, 'store_failed', room='lobby', error='disk I/O "full"\n')
    )
    line = formatted(record)
    assert line.startswith('time=') and ' level=warning logger=chat.test ' in line
    assert line.endswith('event=store_failed room=lobby error="disk I/O \\"full\\"\\n"')
    assert '\n' not in line


def test_a_traceback_stays_on_the_line_and_other_libraries_get_a_message_field() -> None:
    def fail(log: logging.Logger) -> None:
        try:
            raise ValueError('boom')
        except ValueError:
            log_event(log, logging.ERROR, 'subscriber_failed', room='lobby', message_id=7, ip=None, exc_info=True)

    line = formatted(capture(fail))
    assert 'event=subscriber_failed room=lobby message_id=7 traceback="Traceback' in line and 'ip=' not in line
    assert 'ValueError: boom' in line and '\n' not in line
    plain = formatted(capture(lambda log: log.warning('something %s happened', 'odd')))
    assert plain.endswith('message="something odd happened"')


async def test_the_server_logs_events_but_not_what_people_wrote(
    start_server: Callable[..., AppProcess], chat_env: Path, network: Network
) -> None:
    server = start_server(chat_env, '--log-level', 'debug')
    async with open_tabs(network, f'{server.url}/room/logged') as (tab,):
        for index in range(6):  # one more than the burst a tab may send
            await tab.post(f'{SECRET} {index}')
        await tab.wait_for(lambda: len(tab.bubbles) == 5 and tab.composer_text() == f'{SECRET} 5', timeout=10)
    server.stop()
    output = server.log()
    assert 'event=rooms_started store=SQLiteBackend' in output and 'event=rooms_stopped' in output
    assert 'event=message_posted room=logged message_id=5 characters=25' in output
    assert 'event=message_not_posted room=logged reason=rate_limited ip=127.0.0.1' in output
    assert SECRET not in output, 'what people write is not logged, not even at debug level'
    assert SECRET not in server.output(), 'nor printed'
    assert all(line.startswith('time=') for line in output.splitlines()), output


def test_a_field_is_cut_at_a_fixed_length_and_marked() -> None:
    line = formatted(capture(lambda log: log_event(log, logging.WARNING, 'browser_log', message='x' * 10_000)))
    assert line.endswith(f'message="{"x" * MAX_VALUE}…[cut {10_000 - MAX_VALUE} characters]"')
    plain = formatted(capture(lambda log: log.warning('%s not found', '/' + 'y' * 60_000)))
    assert len(plain) < MAX_VALUE + 200 and plain.endswith('characters]"')


def test_no_field_can_start_a_line_or_forge_another_field() -> None:
    forged = 'a\nb\rc\x1b[31md\x85e\u2028f\u2029g\x00h\u202ei" level=error event=forged'
    ip = '203.0.113.7'
    line = formatted(capture(lambda log: log_event(log, logging.WARNING, 'browser_log', ip=ip, message=forged)))
    assert line.splitlines() == [line] and line.isprintable()
    assert line.endswith(
        'event=browser_log ip=203.0.113.7 message="a\\nb\\rc\\u001b[31md\\u0085e\\u2028f\\u2029g\\u0000h\\u202ei\\"'
        ' level=error event=forged"'
    )


async def test_what_people_type_is_never_logged_and_what_browsers_send_is_cut(
    start_server: Callable[..., AppProcess], chat_env: Path, network: Network
) -> None:
    """Every way a person types something into the chat, and every free text a client sends, at debug level."""
    typed = {place: f'{place}{uuid.uuid4().hex[:16]}' for place in ('message', 'long', 'name', 'badname', 'room')}
    sent = {place: f'{place}-{uuid.uuid4().hex}' for place in ('browser', 'path')}
    server = start_server(chat_env, '--log-level', 'debug')
    async with open_tabs(network, f'{server.url}/room/typed') as (tab,):
        await tab.post(typed['message'])
        await tab.wait_for(lambda: len(tab.bubbles) == 1 and tab.composer_text() == '', timeout=10)
        await tab.post(typed['long'] + 'x' * 2000)
        await tab.wait_for(lambda: tab.composer_error() is not None, timeout=10)
        await tab.rename(typed['name'])
        await tab.rename(typed['badname'] + '\n' * 40)
        await tab.socket.emit('log', {'client_id': tab.client_id, 'level': 'error', 'message': sent['browser'] * 100})
        async with httpx.AsyncClient(base_url=server.url) as http:
            assert (await http.get(f'/room/{typed["room"]} with spaces!')).status_code == 200
            assert (await http.get(f'/{sent["path"]}{"z" * 60_000}')).status_code == 404
        logged = lambda: all(text in server.log() for text in sent.values())  # noqa: E731
        await asyncio.to_thread(wait_for, logged, 10, 'the browser error and the 404')
    server.stop()
    output = server.log()
    assert not [place for place, text in typed.items() if text in output or text in server.output()], output
    for text in sent.values():
        (line,) = [line for line in output.splitlines() if text in line]
        assert len(line) < MAX_VALUE + 300 and 'characters]' in line, line
    assert 'Traceback' not in output
