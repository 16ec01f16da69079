"""The chat's own rules and state: messages, names, limits, presence and the room model.

Plain Python: nothing here imports NiceGUI, SQLite or Redis (a test holds it to that).
"""
