"""Storage and cross-process delivery behind protocols the domain relies on.

`messages`: the `Backend` protocol for durable, ordered messages (SQLite, Redis Streams).
`presence`: the `SharedPresence` protocol for who is where across processes (Redis).
Stores know nothing of NiceGUI.
"""
