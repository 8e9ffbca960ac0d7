"""Mobile clients: allauth's app session token authenticates the socket (query parameter or subprotocol)."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from sharing.asgi import application
from tests.conftest import PASSWORD
from tests.realtime.helpers import committed_notifications, live_db, person, receive_notifications

pytestmark = live_db


@database_sync_to_async
def app_login(email: str) -> str:
    """Log in the way the mobile app does and return the session token allauth hands out."""
    response = Client().post(
        "/_allauth/app/v1/auth/login", {"email": email, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()["meta"]["session_token"]


async def test_app_token_from_a_real_login_opens_the_socket_without_origin_or_cookie():
    user, _ = await person()
    token = await app_login(user.email)
    socket = WebsocketCommunicator(application, f"/ws/notifications/?token={token}")
    ok, _ = await socket.connect(timeout=5)
    assert ok
    hello = await socket.receive_json_from(timeout=5)
    assert hello["user"] == user.pk
    ids = await committed_notifications(user, 1)
    assert await receive_notifications(socket, 1) == ids
    await socket.disconnect()


async def test_app_token_as_subprotocol_picks_the_app_protocol():
    user, _ = await person()
    token = await app_login(user.email)
    socket = WebsocketCommunicator(
        application, "/ws/notifications/", subprotocols=["sharing.v1", f"session-token.{token}"]
    )
    ok, subprotocol = await socket.connect(timeout=5)
    assert ok
    assert subprotocol == "sharing.v1"
    assert (await socket.receive_json_from(timeout=5))["user"] == user.pk
    await socket.disconnect()


async def test_invalid_token_is_refused_and_does_not_fall_back_to_the_cookie():
    _, key = await person()
    socket = WebsocketCommunicator(
        application,
        "/ws/notifications/?token=forged",
        headers=[(b"origin", b"http://testserver"), (b"cookie", f"sessionid={key}".encode())],
    )
    ok, _ = await socket.connect(timeout=5)
    assert not ok


async def test_token_client_sending_a_foreign_origin_is_still_refused():
    user, _ = await person()
    token = await app_login(user.email)
    socket = WebsocketCommunicator(
        application, f"/ws/notifications/?token={token}", headers=[(b"origin", b"https://evil.example")]
    )
    ok, _ = await socket.connect(timeout=5)
    assert not ok
