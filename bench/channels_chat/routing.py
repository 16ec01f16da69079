"""The tutorial's routing.py: one consumer per socket of `ws/chat/<room_name>/`."""

from django.urls import re_path

from bench.channels_chat import consumers

websocket_urlpatterns = [re_path(r'ws/chat/(?P<room_name>\w+)/$', consumers.ChatConsumer.as_asgi())]
