"""Sharing's ASGI app plus the load bench's two references, served by the same server in the same process.

- `GET /bench/bare/`: a bare Django JSON view (the whole middleware stack, no database, no template):
  the ceiling a Django request can reach on this server, to which the real routes are compared.
- `ws /ws/bench/echo/`: a bare Channels consumer that echoes each message (no auth, no channel layer).

Only `bench/stack_load.py` runs this module (as the web command of `scripts/stack.py`); production
runs `sharing.asgi:application`.
"""

from __future__ import annotations

import os

import django
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sharing.settings")
django.setup()
settings.ROOT_URLCONF = __name__  # before the first request resolves a URL

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402

from sharing import urls as sharing_urls  # noqa: E402
from sharing.asgi import application as sharing_application  # noqa: E402


def bare(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True, "path": request.path})


urlpatterns = [path("bench/bare/", bare), *sharing_urls.urlpatterns]


class Echo(AsyncWebsocketConsumer):
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.send(text_data=text_data)


echo = Echo.as_asgi()


async def application(scope: dict, receive, send) -> None:  # type: ignore[no-untyped-def]
    if scope["type"] == "websocket" and scope["path"] == "/ws/bench/echo/":
        await echo(scope, receive, send)
    else:
        await sharing_application(scope, receive, send)
