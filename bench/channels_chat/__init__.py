"""The Django Channels tutorial's chat (part 3, "Rewrite Chat Server as Asynchronous"), as a comparison server.

`daphne -b 127.0.0.1 -p N bench.channels_chat.asgi:application` serves it: a room is the group of the
sockets at `ws/chat/<room_name>/`, in the in-memory channel layer of the one daphne process; a message
is `{"message": text}` both ways. `GET /count` answers how many sockets are connected.
"""
