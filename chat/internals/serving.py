"""Whether `ui.run` will really serve, or only configure the app for NiceGUI's simulated `user`."""

from __future__ import annotations

from nicegui import helpers


def for_real() -> bool:
    """False under the `user` fixture, whose app shares the pytest process: it must not tune that process's
    collector or print a server's welcome."""
    return not helpers.is_user_simulation()
