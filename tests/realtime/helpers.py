"""Shared helpers for the realtime tests: sessions, sockets, threads."""

from __future__ import annotations

import asyncio
from importlib import import_module
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import transaction

from realtime import notify
from sharing.asgi import application
from tests.conftest import make_user

ORIGIN = (b"origin", b"http://testserver")

# Socket tests need committed data: the consumer reads the database in another thread.
live_db = pytest.mark.django_db(transaction=True)


def session_key_for(user: Any) -> str:
    """A logged-in session stored like a real log-in makes it: its key is the cookie and the app token."""
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


def browser_socket(session_key: str | None, *, origin: bytes | None = b"http://testserver", query: str = ""):
    headers = []
    if origin is not None:
        headers.append((b"origin", origin))
    if session_key:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_key}".encode()))
    path = "/ws/notifications/" + (f"?{query}" if query else "")
    return WebsocketCommunicator(application, path, headers=headers)


async def person(**fields: Any) -> tuple[Any, str]:
    """A verified user and their session key, made outside the test's event loop thread."""

    def _make() -> tuple[Any, str]:
        user = make_user(**fields)
        return user, session_key_for(user)

    return await database_sync_to_async(_make)()


async def connected(session_key: str, **kwargs: Any) -> tuple[WebsocketCommunicator, dict]:
    """An open socket and its hello message."""
    socket = browser_socket(session_key, **kwargs)
    ok, _ = await socket.connect(timeout=5)
    assert ok
    hello = await socket.receive_json_from(timeout=5)
    assert hello["type"] == "hello"
    return socket, hello


@database_sync_to_async
def committed_notifications(user: Any, count: int, kind: str = "booking.requested") -> list[int]:
    """`count` notifications for `user`, each committed in its own transaction as domain code would."""
    ids = []
    for number in range(count):
        with transaction.atomic():
            ids.extend(n.pk for n in notify([user], kind, {"number": number}))
    return ids


async def receive_notifications(socket: WebsocketCommunicator, count: int, timeout: float = 5) -> list[int]:
    """Ids of the next `count` notification messages, skipping other message types."""
    ids: list[int] = []
    async with asyncio.timeout(timeout):
        while len(ids) < count:
            message = await socket.receive_json_from(timeout=timeout)
            if message["type"] == "notification":
                ids.append(message["notification"]["id"])
    return ids


async def receive_type(socket: WebsocketCommunicator, kind: str, timeout: float = 5) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            message = await socket.receive_json_from(timeout=timeout)
            if message["type"] == kind:
                return message
