"""Options come from flags and CHAT_* variables; flags win; bad values fail with one clear line."""

import resource
import signal
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from chat.config import SECRET_FILE, Settings, parse_settings


def test_defaults_serve_the_chat_on_loopback_port_8080(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv('CHAT_DATA_DIR')
    settings = parse_settings([])
    assert (settings.host, settings.port, settings.native, settings.reload) == ('127.0.0.1', 8080, False, False)
    assert settings.db_path == Path('data') / 'chat.db'


def test_environment_variables_set_options_and_flags_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('CHAT_PORT', '9000')
    monkeypatch.setenv('CHAT_HOST', '0.0.0.0')
    monkeypatch.setenv('CHAT_NATIVE', '1')
    monkeypatch.setenv('CHAT_DB', '/tmp/elsewhere.db')
    settings = parse_settings(['--port', '9001', '--no-native'])
    assert (settings.host, settings.port, settings.native) == ('0.0.0.0', 9001, False)
    assert settings.db_path == Path('/tmp/elsewhere.db')


def test_help_lists_every_option_with_its_variable(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_settings(['--help'])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    for flag in ('--host', '--port', '--native', '--reload', '--data-dir', '--db'):
        assert flag in text
        assert 'CHAT_' + flag[2:].replace('-', '_').upper() in text


@pytest.mark.parametrize('argv', [['--port', 'eighty'], ['--port', '70000'], ['--bogus']])
def test_bad_options_exit_with_a_message_not_a_traceback(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_settings(argv)
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert 'app.py: error:' in error and 'Traceback' not in error


def test_storage_secret_is_generated_once_with_private_permissions(chat_env: Path) -> None:
    first = Settings().resolve_storage_secret()
    assert len(first) >= 32
    assert Settings().resolve_storage_secret() == first
    assert stat.S_IMODE((chat_env / SECRET_FILE).stat().st_mode) == 0o600


def test_storage_secret_from_the_environment_wins(monkeypatch: pytest.MonkeyPatch, chat_env: Path) -> None:
    monkeypatch.setenv('CHAT_STORAGE_SECRET', 'from-the-environment')
    assert Settings().resolve_storage_secret() == 'from-the-environment'
    assert not (chat_env / SECRET_FILE).exists()


@contextmanager
def full_disk() -> Iterator[None]:
    """Every file write fails with EFBIG meanwhile, as on a full disk, whichever API does the writing."""
    previous_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous_handler)


def test_a_first_start_on_a_full_disk_leaves_no_empty_secret_behind(chat_env: Path) -> None:
    with full_disk(), pytest.raises(OSError):
        Settings().resolve_storage_secret()
    assert not (chat_env / SECRET_FILE).exists()
    assert len(Settings().resolve_storage_secret()) >= 32
    assert [path.name for path in chat_env.iterdir()] == [SECRET_FILE]


@pytest.mark.parametrize('content', ['', '\n', 'too-short'])
def test_an_empty_or_short_secret_file_is_refused(chat_env: Path, content: str) -> None:
    chat_env.mkdir()
    (chat_env / SECRET_FILE).write_text(content, encoding='utf-8')
    (chat_env / SECRET_FILE).chmod(0o600)
    with pytest.raises(ValueError, match='storage-secret'):
        Settings().resolve_storage_secret()


@pytest.mark.parametrize('secret', ['', 'too-short'])
def test_an_empty_or_short_secret_setting_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], secret: str
) -> None:
    monkeypatch.setenv('CHAT_STORAGE_SECRET', secret)
    with pytest.raises(SystemExit) as exited:
        parse_settings([])
    assert exited.value.code == 2
    assert 'storage' in one_error_line(capsys)


def test_a_secret_file_others_can_read_is_warned_about(chat_env: Path, caplog: pytest.LogCaptureFixture) -> None:
    secret = Settings().resolve_storage_secret()
    (chat_env / SECRET_FILE).chmod(0o644)
    assert Settings().resolve_storage_secret() == secret
    assert [record.levelname for record in caplog.records] == ['WARNING']
    assert SECRET_FILE in caplog.text and 'chmod 600' in caplog.text


@pytest.mark.parametrize('value', ['inf', '-inf', 'nan', 'Infinity'])
@pytest.mark.parametrize('flag', ['--messages-per-second', '--ip-messages-per-second', '--reconnect-timeout'])
def test_limits_must_be_finite_numbers(flag: str, value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_settings([f'{flag}={value}'])
    assert exited.value.code == 2
    assert flag[2:].replace('-', '_') in one_error_line(capsys)


@pytest.mark.parametrize('url', ['not-a-url', 'redis://:x@[::1', 'redis://127.0.0.1:port/0', 'http://127.0.0.1:6379'])
def test_an_unparseable_redis_url_is_refused(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_settings(['--redis-url', url])
    assert exited.value.code == 2
    assert 'redis_url' in one_error_line(capsys)


def test_redis_urls_redis_py_accepts_are_accepted() -> None:
    for url in ('redis://127.0.0.1:6379/0', 'rediss://:pw@cache.example:6380', 'unix:///run/redis.sock?db=1'):
        assert parse_settings(['--redis-url', url]).redis_url == url


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    """The single `app.py: error:` line on stderr (no usage block, no traceback), without its prefix."""
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith('app.py: error: '), lines
    return lines[0]


@pytest.mark.parametrize('budget', ['1', '7999', '-1'])
def test_a_storage_budget_below_the_largest_message_is_refused(budget: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_settings(['--ip-storage-per-day', budget])
    assert exited.value.code == 2
    assert 'ip_storage_per_day' in one_error_line(capsys)


def test_a_storage_budget_is_off_at_zero_or_at_least_the_largest_message() -> None:
    assert parse_settings(['--ip-storage-per-day', '0']).limits.ip_storage_per_day == 0
    assert parse_settings(['--ip-storage-per-day', '8000']).limits.ip_storage_per_day == 8000


def test_retention_comes_from_keep_messages_and_keep_days(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (parse_settings([]).retention.keep_messages, parse_settings([]).retention.keep_days) == (10_000, 90)
    monkeypatch.setenv('CHAT_KEEP_DAYS', '0')
    retention = parse_settings(['--keep-messages', '50']).retention
    assert (retention.keep_messages, retention.keep_days) == (50, 0)


@pytest.mark.parametrize('argv', [['--keep-messages', '-1'], ['--keep-days', 'inf'], ['--keep-days', '-2']])
def test_bad_retention_is_refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_settings(argv)
    assert exited.value.code == 2
    assert argv[0][2:].replace('-', '_') in one_error_line(capsys)


@pytest.mark.parametrize('how', ['flag', 'flag=', 'env'])
def test_the_replaced_history_length_stops_the_start_naming_its_successor(
    how: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An operator's old value must not be ignored in silence: rooms would be trimmed to another length."""
    argv = {'flag': ['--history-length', '500000'], 'flag=': ['--history-length=500000'], 'env': []}[how]
    if how == 'env':
        monkeypatch.setenv('CHAT_HISTORY_LENGTH', '500000')
    with pytest.raises(SystemExit) as exited:
        parse_settings(argv)
    assert exited.value.code == 2
    assert '--keep-messages (CHAT_KEEP_MESSAGES)' in one_error_line(capsys)


def test_sign_in_is_off_by_default_and_takes_header_names(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (parse_settings([]).auth_header, parse_settings([]).auth_name_header) == (None, None)
    monkeypatch.setenv('CHAT_AUTH_HEADER', 'Remote-User')
    settings = parse_settings(['--auth-name-header', 'Remote-Name'])
    assert (settings.auth_header, settings.auth_name_header) == ('Remote-User', 'Remote-Name')


@pytest.mark.parametrize(
    ('argv', 'says'),
    [
        (['--auth-header', 'Remote User'], 'auth_header: Value error, must be an HTTP header name'),
        (['--auth-header', ''], 'auth_header: Value error, must be an HTTP header name'),
        (['--auth-header', 'X-Forwarded-For'], 'auth_header: Value error, X-Forwarded-For is the proxy'),
        (['--auth-name-header', 'Remote-Name'], 'auth_name_header: Value error, needs --auth-header'),
        (['--auth-header', 'Remote-User', '--auth-name-header', 'remote-user'], 'must differ from --auth-header'),
    ],
)
def test_bad_sign_in_headers_are_refused(argv: list[str], says: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_settings(argv)
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert says in error and error.count('\n') == 1


def test_moderators_are_named_as_the_sign_in_proxy_names_them(monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse_settings([]).moderator_names == ()
    monkeypatch.setenv('CHAT_AUTH_HEADER', 'Remote-User')
    monkeypatch.setenv('CHAT_MODERATORS', 'alice, bob')
    assert parse_settings([]).moderator_names == ('alice', 'bob')
    assert parse_settings(['--moderators', 'carol']).moderator_names == ('carol',)


@pytest.mark.parametrize(
    ('argv', 'says'),
    [
        (['--moderators', 'alice'], 'moderators: Value error, needs --auth-header'),
        (['--auth-header', 'Remote-User', '--moderators', 'alice,,bob'], 'moderators: Value error, names the'),
        (['--auth-header', 'Remote-User', '--create-moderator-link'], 'create_moderator_link: Value error, '),
    ],
)
def test_bad_moderator_settings_are_refused(argv: list[str], says: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_settings(argv)
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert says in error and error.count('\n') == 1
