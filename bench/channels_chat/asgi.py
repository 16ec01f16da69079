"""The tutorial's asgi.py: HTTP to Django, WebSockets through the origin check and the auth stack to the chat."""

import os

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.core.asgi import get_asgi_application

os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'bench.channels_chat.settings')
# Django is set up before anything imports models (the auth stack does), as the tutorial says.
django_asgi_app = get_asgi_application()

from bench.channels_chat.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        'http': django_asgi_app,
        'websocket': AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
