"""The chat as NiceGUI's `user` fixture runs it, configured by the CHAT_* variables conftest sets."""

from chat.config import Settings
from chat.server import run

run(Settings())
