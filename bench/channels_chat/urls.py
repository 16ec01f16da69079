"""HTTP: only `GET /count`, the number of open chat sockets, which the bench polls until its tabs are in."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from bench.channels_chat import consumers


async def count(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f'{consumers.CONNECTED}\n', content_type='text/plain')


urlpatterns = [path('count', count)]
