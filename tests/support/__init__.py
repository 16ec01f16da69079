"""The chat's test harness, shared by `tests/` and `bench/`: how to start, drive and break the app.

Like `nicegui.testing`, it holds no tests: test modules import from here, never from each other,
and `tests/conftest.py` builds its fixtures from it. One module per job:

- `app_process`: `python app.py` on a free port, its output and log, a retry when the port was taken
- `processes`: free ports, process groups, pipes read as they are written, CPU and memory from /proc
- `redis_server`: a private `redis-server`
- `environment`: what the machine offers (Chromium, redis-server); in CI a missing one fails
- `waiting`: `wait_for`, polling with a deadline
- `protocol`: a browser tab at NiceGUI's protocol level (`ProtocolClient`), as the load generator uses it
- `tabs`: `open_tabs`, many protocol-client tabs at once
- `raw_socket`: Engine.IO framed by hand, for clients that misbehave
- `cable`: a TCP relay a test can unplug
- `chromium`: headless Chromium sessions
- `browser`: a person at Chromium: open a room, type, read the bubbles
- `simulated_user`: a person at NiceGUI's simulated `User`
- `seeding`: a data directory with earlier messages
- `percentiles`: the one percentile definition
- `text`: text as clients can type it, for property tests
- `stores`: stores that misbehave on cue (held appends, a broken SQLite file, a crashed presence)
"""
