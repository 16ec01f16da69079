"""A test-only app: the chat with its session cleanup every second instead of every ten minutes.

Started as `python tests/session_cleanup_app.py` with app.py's options (see `AppProcess`).
"""

from __future__ import annotations

from chat.application import run
from chat.config import parse_settings
from chat.internals import sessions

if __name__ == '__main__':
    sessions.CLEANUP_EVERY = 1.0
    run(parse_settings())
