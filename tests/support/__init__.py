"""The chat's test harness, shared by `tests/` and `bench/`: how to start, drive and break the app.

Like `nicegui.testing`, it holds no tests: test modules import from here, never from each other.
"""
