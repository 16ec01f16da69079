"""Settings from command-line flags and `CHAT_*` environment variables (flags win).

The flags are generated from the `Settings` fields, so an option, its variable and
its help text can never drift apart.
"""

from __future__ import annotations

import argparse
import secrets
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from chat.domain.limits import LimitSettings
from chat.domain.model import DEFAULT_ROOM, ChatError, validate_room

SECRET_FILE = 'storage-secret'
LIMITS = LimitSettings()


class Settings(BaseSettings):
    """Everything an operator can set; each field is `--field-name` and `CHAT_FIELD_NAME`."""

    model_config = SettingsConfigDict(env_prefix='CHAT_', extra='ignore')

    host: str = Field('127.0.0.1', description='address to listen on; 0.0.0.0 lets other machines join')
    port: int = Field(8080, ge=1, le=65535, description='port to listen on')
    native: bool = Field(False, description='open the chat in a native desktop window')
    room: str = Field(DEFAULT_ROOM, description='room the native window opens')
    reload: bool = Field(False, description='restart the server when the code changes (development)')
    data_dir: Path = Field(Path('data'), description='directory for the database and the session secret')
    db: Path | None = Field(None, description='SQLite database file (default: DATA_DIR/chat.db)')
    redis_url: str | None = Field(
        None, description='share rooms between processes through Redis, e.g. redis://127.0.0.1:6379/0'
    )
    history_length: int = Field(100_000, ge=100, description='messages kept per room in Redis (approximately)')
    reconnect_timeout: float = Field(
        75.0, ge=1, description='seconds a tab may be offline (sleep, network change) and catch up without a reload'
    )
    storage_secret: str | None = Field(
        None, description='secret that signs browser sessions (default: generated once into DATA_DIR)'
    )
    session_days: float = Field(
        30.0, ge=0, description='days a browser session file is kept after its browser was last seen'
    )
    session_files: int = Field(100_000, ge=1, description='session files kept at most (the oldest go first)')
    log_level: Literal['debug', 'info', 'warning', 'error'] = Field(
        'info', description='lowest level logged to stderr, as key=value lines'
    )
    message_burst: int = Field(LIMITS.message_burst, ge=0, description='messages a tab may send in a quick burst')
    messages_per_second: float = Field(
        LIMITS.messages_per_second, ge=0, description='messages per second a tab may send after its burst'
    )
    ip_message_burst: int = Field(
        LIMITS.ip_message_burst, ge=0, description='messages one network address may send in a quick burst'
    )
    ip_messages_per_second: float = Field(
        LIMITS.ip_messages_per_second, ge=0, description='messages per second one network address may send'
    )
    rooms_per_minute: int = Field(LIMITS.rooms_per_minute, ge=0, description='new rooms one address may start a minute')
    tabs_per_ip: int = Field(LIMITS.tabs_per_ip, ge=0, description='chat tabs one network address may have open')

    @field_validator('room')
    @classmethod
    def _valid_room(cls, room: str) -> str:
        try:
            return validate_room(room)
        except ChatError as error:
            raise ValueError(error.message) from None

    @property
    def limits(self) -> LimitSettings:
        """The rate limits for the room model (each setting is a field of the same name); 0 switches one off."""
        return LimitSettings(**{field.name: getattr(self, field.name) for field in fields(LimitSettings)})

    @property
    def db_path(self) -> Path:
        return self.db if self.db is not None else self.data_dir / 'chat.db'

    def resolve_storage_secret(self) -> str:
        """Return the configured secret, else the one kept in the data directory, creating it on first use.

        A generated secret is stored with mode 0600 so sessions stay valid across restarts
        without a secret ever being written into the code.
        """
        if self.storage_secret:
            return self.storage_secret
        path = self.data_dir / SECRET_FILE
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(32), encoding='utf-8')
        return path.read_text(encoding='utf-8').strip()


def parse_settings(argv: Sequence[str] | None = None) -> Settings:
    """Build `Settings` from `argv` and the environment; exit with a one-line message on bad values."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    given = {name: value for name, value in vars(args).items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as error:
        problems = '; '.join(f'{"-".join(map(str, e["loc"])) or "settings"}: {e["msg"]}' for e in error.errors())
        parser.error(problems)


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='app.py',
        description='A real-time room chat on NiceGUI.',
        epilog='Every option can also be set with its CHAT_* environment variable; flags win.',
    )
    for name, field in Settings.model_fields.items():
        flag = '--' + name.replace('_', '-')
        env = f'CHAT_{name.upper()}'
        default = 'off' if field.default is False else field.default
        help_text = f'{field.description} [env {env}' + (f', default {default}]' if default is not None else ']')
        if field.annotation is bool:
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=None, help=help_text)
        else:
            parser.add_argument(flag, default=None, metavar=name.upper(), help=help_text)
    return parser
