"""Logs as operators read them: one key=value line per event, tracebacks included, never what people wrote."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from chat.logs import LogfmtFormatter, log_event
from tests.support.app_process import AppProcess
from tests.support.protocol import Network
from tests.support.tabs import open_tabs

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
