"""The guard in front of NiceGUI's socket handlers; what it drops is tested against a real server in
test_misbehaving_clients.py."""

from __future__ import annotations

from nicegui import core

from chat.internals import socket_guard


def test_installing_again_replaces_the_guards_instead_of_nesting_them() -> None:
    """Each simulated app of a test run installs the guard; the handlers must stay one guard deep."""
    socket_guard.install()
    socket_guard.install()
    for name in [*socket_guard.OWNED, 'handshake', 'connect']:
        guard = core.sio.handlers['/'][name]
        assert not hasattr(guard.__wrapped__, '__wrapped__'), f'{name} is guarded twice'
