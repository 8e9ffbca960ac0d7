"""Every WebSocket route (matrix.WEBSOCKETS, checked against the ASGI router by test_route_coverage.py) refuses
a foreign origin and an anonymous visitor, and nobody hears someone else's notifications.

tests/realtime/test_socket.py and test_token_auth.py test the notification socket in depth (cookie
without origin, app tokens, replay); this file makes the same refusals hold for every route.
"""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connections, transaction

from realtime import notify
from sharing.asgi import application
from tests.conftest import make_user
from tests.realtime.helpers import live_db, session_key_for
from tests.security.matrix import WEBSOCKETS

pytestmark = live_db


@pytest.fixture(autouse=True)
async def _close_the_consumers_connection():
    # The consumer's database thread keeps its connection (CONN_MAX_AGE); on PostgreSQL an open one
    # stops the test database from being dropped at the end of the session.
    yield
    await database_sync_to_async(connections.close_all)()


# Routes whose path needs values (none yet): route pattern -> a concrete path.
WEBSOCKET_PATHS: dict[str, str] = {}


def socket(route: str, session_key: str | None, origin: bytes | None = b"http://testserver") -> WebsocketCommunicator:
    headers = [(b"origin", origin)] if origin else []
    if session_key:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_key}".encode()))
    return WebsocketCommunicator(application, "/" + WEBSOCKET_PATHS.get(route, route), headers=headers)


@database_sync_to_async
def _person() -> tuple[object, str]:
    user = make_user()
    return user, session_key_for(user)


@pytest.mark.parametrize("route", WEBSOCKETS)
async def test_a_foreign_origin_is_refused_even_with_a_valid_session(route: str):
    _, key = await _person()
    ok, _ = await socket(route, key, origin=b"https://evil.example").connect(timeout=5)
    assert not ok


@pytest.mark.parametrize("route", WEBSOCKETS)
async def test_an_anonymous_visitor_is_refused(route: str):
    ok, _ = await socket(route, None).connect(timeout=5)
    assert not ok


@pytest.mark.parametrize("route", WEBSOCKETS)
async def test_a_forged_session_cookie_is_refused(route: str):
    ok, _ = await socket(route, "0" * 32).connect(timeout=5)
    assert not ok


async def test_a_second_person_asking_for_someone_elses_stream_hears_nothing_of_it():
    owner, _ = await _person()
    _, stranger_key = await _person()
    stranger = socket("ws/notifications/", stranger_key)
    ok, _ = await stranger.connect(timeout=5)
    assert ok
    hello = await stranger.receive_json_from(timeout=5)
    assert hello["user"] != owner.pk
    # There is no subscribe message: asking to join another person's group is answered with an error.
    await stranger.send_json_to({"type": "subscribe", "user": owner.pk, "group": f"user-{owner.pk}"})
    assert (await stranger.receive_json_from(timeout=5))["type"] == "error"

    @database_sync_to_async
    def _notify_owner() -> None:
        with transaction.atomic():
            notify([owner], "booking.requested", {"title": "Someone booked your room"})

    await _notify_owner()
    assert await stranger.receive_nothing(timeout=0.5)
    await stranger.disconnect()
