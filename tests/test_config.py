"""Options come from flags and CHAT_* variables; flags win; bad values fail with one clear line."""

import stat
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
    monkeypatch.setenv('CHAT_STORAGE_SECRET', 'from-env')
    assert Settings().resolve_storage_secret() == 'from-env'
    assert not (chat_env / SECRET_FILE).exists()
