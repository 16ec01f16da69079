"""Settings from command-line flags and `CHAT_*` environment variables (flags win).

The flags are generated from the `Settings` fields, so an option, its variable and
its help text can never drift apart.
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import re
import secrets
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Literal, NoReturn

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from redis.connection import parse_url

from chat.domain.limits import LimitSettings
from chat.domain.model import DEFAULT_ROOM, MAX_MESSAGE_BYTES, ChatError, validate_room
from chat.domain.moderation import LINK_DAYS, moderator_names
from chat.logs import log_event
from chat.stores.messages import DEFAULT_RETENTION, Retention

SECRET_FILE = 'storage-secret'
MIN_SECRET_LENGTH = 16  # a generated secret has 43; anything this short is a mistake, not a choice
LIMITS = LimitSettings()
PROG = 'app.py'
# 20 tabs' WebSockets and a browser's 6 parallel requests fit many times over; far below 1 024 open files
CONNECTIONS_PER_IP = 100
HEADER_NAME = re.compile(r'[A-Za-z0-9][A-Za-z0-9-]{0,63}')
PROXY_HEADERS = {'x-forwarded-for', 'x-forwarded-proto', 'forwarded', 'host', 'cookie'}

log = logging.getLogger(__name__)


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
    keep_messages: int = Field(
        DEFAULT_RETENTION.keep_messages,
        ge=0,
        description='messages kept per room, the newest (0: all), in SQLite or Redis',
    )
    keep_days: float = Field(
        DEFAULT_RETENTION.keep_days, ge=0, allow_inf_nan=False, description='days a message is kept (0: for ever)'
    )
    reconnect_timeout: float = Field(
        75.0,
        ge=1,
        allow_inf_nan=False,
        description='seconds a tab may be offline (sleep, network change) and catch up without a reload',
    )
    storage_secret: str | None = Field(
        None,
        min_length=MIN_SECRET_LENGTH,
        description=f'secret that signs browser sessions, {MIN_SECRET_LENGTH}+ characters '
        '(default: generated once into DATA_DIR)',
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
        LIMITS.messages_per_second,
        ge=0,
        allow_inf_nan=False,
        description='messages per second a tab may send after its burst',
    )
    ip_message_burst: int = Field(
        LIMITS.ip_message_burst, ge=0, description='messages one network address may send in a quick burst'
    )
    ip_messages_per_second: float = Field(
        LIMITS.ip_messages_per_second,
        ge=0,
        allow_inf_nan=False,
        description='messages per second one network address may send',
    )
    rooms_per_minute: int = Field(LIMITS.rooms_per_minute, ge=0, description='new rooms one address may start a minute')
    tabs_per_ip: int = Field(LIMITS.tabs_per_ip, ge=0, description='chat tabs one network address may have open')
    ip_storage_per_day: int = Field(
        LIMITS.ip_storage_per_day,
        ge=0,
        description=f'bytes of message text (UTF-8) one network address may store a day; 0, or at least '
        f'{MAX_MESSAGE_BYTES} (the largest message)',
    )
    reaction_burst: int = Field(
        LIMITS.reaction_burst, ge=0, description='reactions a tab may add or take back in a burst'
    )
    reactions_per_second: float = Field(
        LIMITS.reactions_per_second,
        ge=0,
        allow_inf_nan=False,
        description='reactions per second a tab may add or take back after its burst',
    )
    ip_reaction_burst: int = Field(
        LIMITS.ip_reaction_burst, ge=0, description='reactions one network address may add or take back in a burst'
    )
    ip_reactions_per_second: float = Field(
        LIMITS.ip_reactions_per_second,
        ge=0,
        allow_inf_nan=False,
        description='reactions per second one network address may add or take back',
    )
    invites_per_minute: int = Field(
        LIMITS.invites_per_minute, ge=0, description='invite links one network address may open a minute'
    )
    connections_per_ip: int = Field(
        CONNECTIONS_PER_IP, ge=0, description='connections (HTTP and WebSocket) one network address may hold open'
    )
    auth_header: str | None = Field(
        None,
        description='sign-in: the header a trusted proxy names the signed-in person in, e.g. Remote-User '
        '(default: anyone may chat, without signing in)',
    )
    auth_name_header: str | None = Field(
        None, description='sign-in: the header with the display name, e.g. Remote-Name (default: AUTH_HEADER)'
    )
    moderators: str | None = Field(
        None,
        description='sign-in: the moderators, named as the sign-in proxy names them, separated by commas, e.g. '
        'alice,bob (without sign-in, see --create-moderator-link)',
    )
    create_moderator_link: bool = Field(
        False,
        description=f'print a link that makes the browser opening it a moderator (once, within {LINK_DAYS} days) '
        'and exit without serving',
    )

    @field_validator('room')
    @classmethod
    def _valid_room(cls, room: str) -> str:
        try:
            return validate_room(room)
        except ChatError as error:
            raise ValueError(error.message) from None

    @field_validator('ip_storage_per_day')
    @classmethod
    def _budget_fits_a_message(cls, budget: int) -> int:
        """A budget smaller than the largest message would refuse that message for ever, with a wait that never ends."""
        if 0 < budget < MAX_MESSAGE_BYTES:
            raise ValueError(f'must be 0 (off) or at least {MAX_MESSAGE_BYTES}, the bytes of the largest message')
        return budget

    @field_validator('redis_url')
    @classmethod
    def _parseable_redis_url(cls, url: str | None) -> str | None:
        """Parse the URL as the Redis client will, so a typo stops the start instead of the first message."""
        if url is not None:
            # its ValueError names the problem, e.g. a missing redis:// scheme or a port that is no number
            parse_url(url)  # type: ignore[no-untyped-call]
        return url

    @field_validator('auth_header')
    @classmethod
    def _valid_auth_header(cls, header: str | None) -> str | None:
        if header is not None:
            _require_header_name(header)
            if header.lower() in PROXY_HEADERS:
                raise ValueError(f"{header} is the proxy's own header, not a sign-in name")
        return header

    @field_validator('auth_name_header')
    @classmethod
    def _valid_auth_name_header(cls, header: str | None, info: ValidationInfo) -> str | None:
        if header is not None:
            _require_header_name(header)
            signed_in_by = info.data.get('auth_header')
            if signed_in_by is None:
                raise ValueError('needs --auth-header (CHAT_AUTH_HEADER), the header that names who signed in')
            if header.lower() == signed_in_by.lower():
                raise ValueError('must differ from --auth-header, which is the default name anyway')
        return header

    @field_validator('moderators')
    @classmethod
    def _valid_moderators(cls, names: str | None, info: ValidationInfo) -> str | None:
        if names is not None:
            if info.data.get('auth_header') is None:
                raise ValueError(
                    'needs --auth-header (CHAT_AUTH_HEADER); without sign-in, make moderators with '
                    '--create-moderator-link'
                )
            moderator_names(names)
        return names

    @field_validator('create_moderator_link')
    @classmethod
    def _links_are_for_anonymous_chats(cls, create: bool, info: ValidationInfo) -> bool:
        if create and info.data.get('auth_header') is not None:
            raise ValueError('with --auth-header, name the moderators with --moderators (CHAT_MODERATORS) instead')
        return create

    @property
    def moderator_names(self) -> tuple[str, ...]:
        """The identities `--moderators` names, as the sign-in proxy sends them."""
        return moderator_names(self.moderators) if self.moderators is not None else ()

    @property
    def limits(self) -> LimitSettings:
        """The rate limits for the room model (each setting is a field of the same name); 0 switches one off."""
        return LimitSettings(**{field.name: getattr(self, field.name) for field in fields(LimitSettings)})

    @property
    def retention(self) -> Retention:
        return Retention(self.keep_messages, self.keep_days)

    @property
    def db_path(self) -> Path:
        return self.db if self.db is not None else self.data_dir / 'chat.db'

    def prepare_storage(self) -> str:
        """Create the data directory (and the database file's) and return the session secret.

        Run before serving, so a path that cannot work fails the start with a `ValueError` naming the
        setting, rather than the first request or message with a traceback.
        """
        with _naming('--data-dir'):
            _make_directory(self.data_dir)
            if self.redis_url is None:  # NiceGUI keeps each browser's session file there
                _require_writable(self.data_dir)
        with _naming('the session secret file'):
            secret = self.resolve_storage_secret()
        if self.redis_url is None:
            with _naming('--db'):
                _make_directory(self.db_path.parent)
                _require_writable(self.db_path.parent)  # SQLite keeps its -wal and -shm files next to the database
                os.close(os.open(self.db_path, os.O_RDWR | os.O_CREAT, 0o666))
        return secret

    def resolve_storage_secret(self) -> str:
        """Return the configured secret, else the one kept in the data directory, creating it on first use.

        A generated secret is stored with mode 0600 so sessions stay valid across restarts
        without a secret ever being written into the code. A secret file that is empty or short
        (say, left by an older version on a full disk) is refused, as it would sign every session
        with a guessable key.
        """
        if self.storage_secret is not None:
            return self.storage_secret
        path = self.data_dir / SECRET_FILE
        try:
            secret = path.read_text(encoding='utf-8').strip()
        except FileNotFoundError:
            return _write_new_secret(path)
        if len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(
                f'{path} holds {len(secret)} characters, fewer than {MIN_SECRET_LENGTH}; '
                'delete it to generate a new secret (everyone then gets a new session)'
            )
        if path.stat().st_mode & 0o077:
            log_event(log, logging.WARNING, 'storage_secret_readable', path=path, fix=f'chmod 600 {path}')
        return secret


def _require_header_name(header: str) -> None:
    if not HEADER_NAME.fullmatch(header):
        raise ValueError('must be an HTTP header name, such as Remote-User: letters, digits and "-"')


def _write_new_secret(path: Path) -> str:
    """Write a new secret to `path` all at once: a crash or a full disk leaves the old state, never an empty file.

    The temporary file is created with mode 0600 next to `path` (so the rename stays within one file
    system), synced, then renamed over `path`; the directory is synced so the rename itself survives.
    """
    secret = secrets.token_urlsafe(32)
    _make_directory(path.parent)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f'.{path.name}.')
    try:
        with os.fdopen(descriptor, 'w', encoding='utf-8') as file:
            file.write(secret)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return secret


def _make_directory(path: Path) -> None:
    """`mkdir -p`, reporting a file in the way as "Not a directory" rather than mkdir's puzzling "File exists"."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path)) from None


def _require_writable(directory: Path) -> None:
    """Raise an `OSError` unless this process may create files in `directory`, as the chat must keep doing there."""
    if not os.access(directory, os.W_OK | os.X_OK):
        code = errno.EROFS if os.statvfs(directory).f_flag & os.ST_RDONLY else errno.EACCES
        raise OSError(code, os.strerror(code), str(directory))


@contextmanager
def _naming(setting: str) -> Iterator[None]:
    """Turn an `OSError` inside the block into a one-line `ValueError` that names the setting to change."""
    try:
        yield
    except OSError as error:
        where = f' {error.filename}' if error.filename else ''
        raise ValueError(f'{setting}{where}: {error.strerror or error}') from error


def exit_with_error(message: str) -> NoReturn:
    """Stop the app before it serves with one `app.py: error: ...` line, as argparse words it, and status 2."""
    sys.stderr.write(f'{PROG}: error: {message}\n')
    sys.exit(2)


def parse_settings(argv: Sequence[str] | None = None) -> Settings:
    """Build `Settings` from `argv` and the environment; exit with a one-line message on bad values."""
    _refuse_history_length(sys.argv[1:] if argv is None else argv)
    parser = _build_parser()
    args = parser.parse_args(argv)
    given = {name: value for name, value in vars(args).items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as error:
        problems = '; '.join(f'{"-".join(map(str, e["loc"])) or "settings"}: {e["msg"]}' for e in error.errors())
        parser.error(problems)


def _refuse_history_length(argv: Sequence[str]) -> None:
    """Stop a start that still sets the Redis-only setting `--keep-messages` replaced, rather than ignore its value."""
    if 'CHAT_HISTORY_LENGTH' in os.environ or any(arg.split('=')[0] == '--history-length' for arg in argv):
        exit_with_error(
            '--history-length (CHAT_HISTORY_LENGTH) was replaced by --keep-messages (CHAT_KEEP_MESSAGES), '
            'which SQLite and Redis both follow'
        )


class _Parser(argparse.ArgumentParser):
    """argparse without the usage block on errors: one line saying what is wrong (`--help` has the rest)."""

    def error(self, message: str) -> NoReturn:
        exit_with_error(message)


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
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
