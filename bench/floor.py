"""The floor: the least a Python server can do to relay a chat room, `python -m bench.floor --port N`.

One room, no storage, no parsing: every text frame received is broadcast as-is to every connection,
its sender included, with the `websockets` library's `broadcast` (written to each socket at once, no
waiting for slow ones). What our app spends beyond this per delivered message is what its pages,
store and protocol cost. `GET /count` answers how many sockets are connected, so the bench knows when
its tabs are in the room.
"""

from __future__ import annotations

import argparse
import asyncio
from http import HTTPStatus

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.http11 import Request, Response

CONNECTED: set[ServerConnection] = set()


async def relay(connection: ServerConnection) -> None:
    CONNECTED.add(connection)
    try:
        async for frame in connection:
            broadcast(CONNECTED, frame)
    finally:
        CONNECTED.discard(connection)


def count(connection: ServerConnection, request: Request) -> Response | None:
    """Answer `GET /count` with the number of sockets; any other path goes on to the WebSocket handshake."""
    return connection.respond(HTTPStatus.OK, f'{len(CONNECTED)}\n') if request.path == '/count' else None


async def main(port: int) -> None:
    async with serve(relay, '127.0.0.1', port, process_request=count) as server:
        await server.serve_forever()


if __name__ == '__main__':
    parser = argparse.ArgumentParser(prog='python -m bench.floor', description=__doc__)
    parser.add_argument('--port', type=int, required=True)
    asyncio.run(main(parser.parse_args().port))
