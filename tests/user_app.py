"""The chat as NiceGUI's `user` fixture runs it, configured by the CHAT_* variables conftest sets."""

from chat.application import run
from chat.config import Settings

run(Settings())
