"""The one place that touches NiceGUI, python-socketio and uvicorn internals.

Everything here relies on something those libraries do not promise (a handler table, a class
attribute, a logger's own handlers); `tests/test_internals_pins.py` pins each of them, so an
upgrade that moves one fails there, loudly, rather than somewhere in the chat.
"""
