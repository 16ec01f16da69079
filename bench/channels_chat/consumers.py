"""The tutorial's asynchronous `ChatConsumer`, plus a count of open sockets for the bench."""

from __future__ import annotations

import json
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer

CONNECTED = 0  # sockets accepted and not yet disconnected, in this (the only) daphne process


class ChatConsumer(AsyncWebsocketConsumer):
    """A socket in a room: what it receives goes to the room's group, and what the group sends goes to it."""

    async def connect(self) -> None:
        global CONNECTED
        self.room_name = self.scope['url_route']['kwargs']['room_name']
        self.room_group_name = f'chat_{self.room_name}'
        await self.channel_layer.group_add(self.room_group_name, self.channel_name)
        await self.accept()
        CONNECTED += 1

    async def disconnect(self, close_code: int) -> None:
        global CONNECTED
        await self.channel_layer.group_discard(self.room_group_name, self.channel_name)
        CONNECTED -= 1

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        message = json.loads(text_data or '')['message']
        await self.channel_layer.group_send(self.room_group_name, {'type': 'chat.message', 'message': message})

    async def chat_message(self, event: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps({'message': event['message']}))
