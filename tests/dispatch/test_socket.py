"""The dispatch socket: offers arrive live, positions reach only the two parties, bad input gets an error frame."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connections

from bookings.services.clock import start_booking
from dispatch.services.acceptance import accept_offer
from sharing.asgi import application
from tests.conftest import make_user
from tests.dispatch.factories import NOW, provider, request_driver
from tests.realtime.helpers import session_key_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def _close_worker_thread_connections():
    yield
    await database_sync_to_async(connections.close_all)()


async def socket_of(user) -> tuple[WebsocketCommunicator, dict]:
    key = await database_sync_to_async(session_key_for)(user)
    headers = [(b"origin", b"http://testserver"), (b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}".encode())]
    socket = WebsocketCommunicator(application, "/ws/dispatch/", headers=headers)
    ok, _ = await socket.connect(timeout=5)
    assert ok
    hello = await socket.receive_json_from(timeout=5)
    assert hello["type"] == "hello"
    return socket, hello


async def next_of_type(socket: WebsocketCommunicator, kind: str, timeout: float = 5) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            message = await socket.receive_json_from(timeout=timeout)
            if message["type"] == kind:
                return message


async def test_anonymous_socket_is_refused():
    socket = WebsocketCommunicator(application, "/ws/dispatch/", headers=[(b"origin", b"http://testserver")])
    ok, code = await socket.connect(timeout=5)
    assert code == 4401
    assert not ok
    await socket.disconnect()


async def test_offers_arrive_live_and_a_taken_request_withdraws_them_and_leaves_no_stale_offer_on_reconnect():
    first, second = await database_sync_to_async(lambda: (provider(km=1), provider(km=2)))()
    first_socket, _ = await socket_of(first.owner)
    second_socket, hello = await socket_of(second.owner)
    assert hello["offers"] == []

    request = await database_sync_to_async(request_driver)()
    offer = await next_of_type(second_socket, "offer")
    assert offer["request"] == request.pk and offer["distance_km"] == pytest.approx(2, abs=0.1)
    await next_of_type(first_socket, "offer")
    await second_socket.disconnect()  # offline while the request is taken

    await database_sync_to_async(accept_offer)(provider=first.owner, request_id=request.pk, now=NOW)
    assigned = await next_of_type(first_socket, "assigned")
    assert assigned["request"] == request.pk

    again, hello = await socket_of(second.owner)
    assert hello["offers"] == []
    await again.disconnect()
    await first_socket.disconnect()


async def test_a_later_offer_arrives_live_with_its_pickup_time():
    near = await database_sync_to_async(provider)(km=1)
    socket, _ = await socket_of(near.owner)

    pickup = NOW + timedelta(hours=2, minutes=30)
    request = await database_sync_to_async(request_driver)(when=pickup.isoformat())
    offer = await next_of_type(socket, "offer")
    assert offer["request"] == request.pk
    # 11:30 UTC is 12:30 in Paris, the listing's time zone.
    assert offer["pickup"] == "in 2 h 30 min, 12:30" and offer["pickup_at"] == pickup.isoformat()
    await socket.disconnect()


async def test_positions_reach_only_the_two_parties_and_stop_when_the_job_starts():
    first, second = await database_sync_to_async(lambda: (provider(km=1), provider(km=2)))()
    stranger = await database_sync_to_async(make_user)()
    request = await database_sync_to_async(request_driver)()
    request = await database_sync_to_async(accept_offer)(provider=first.owner, request_id=request.pk, now=NOW)

    requester_socket, _ = await socket_of(request.requester)
    driver_socket, _ = await socket_of(first.owner)
    loser_socket, _ = await socket_of(second.owner)
    stranger_socket, _ = await socket_of(stranger)

    await driver_socket.send_json_to({"type": "location", "request": request.pk, "lat": 48.86, "lng": 2.35})
    seen = await next_of_type(requester_socket, "location")
    assert (seen["from"], seen["lat"], seen["lng"]) == ("provider", 48.86, 2.35)
    await requester_socket.send_json_to({"type": "location", "request": request.pk, "lat": 48.8566, "lng": 2.3522})
    assert (await next_of_type(driver_socket, "location"))["from"] == "requester"

    # Someone else cannot share into the job, and nobody else hears it.
    await stranger_socket.send_json_to({"type": "location", "request": request.pk, "lat": 1, "lng": 1})
    refused = await stranger_socket.receive_json_from(timeout=5)
    assert (refused["type"], refused["detail"]) == ("error", "No such request.")
    for socket in (loser_socket, stranger_socket):
        assert await socket.receive_nothing(timeout=0.3)
    assert await driver_socket.receive_nothing(timeout=0.1)

    booking = request.booking
    await database_sync_to_async(start_booking)(booking_id=booking.pk, now=booking.start)
    await driver_socket.send_json_to({"type": "location", "request": request.pk, "lat": 48.86, "lng": 2.35})
    stopped = await next_of_type(driver_socket, "error")
    assert stopped["code"] == "sharing_stopped"
    assert await requester_socket.receive_nothing(timeout=0.3)
    for socket in (requester_socket, driver_socket, loser_socket, stranger_socket):
        await socket.disconnect()


@pytest.mark.parametrize(
    "frame",
    [
        "not json",
        "[1, 2]",
        '{"type": "subscribe", "group": "dispatch.user.1"}',
        '{"type": "location", "request": "1", "lat": 1, "lng": 1}',
        '{"type": "location", "request": 1, "lat": "x", "lng": 1}',
        '{"type": "location", "request": 1, "lat": 91, "lng": 1}',
        '{"type": "heartbeat", "listing": true, "lat": 1, "lng": 1}',
        '{"type": "heartbeat", "listing": 99999, "lat": 1, "lng": 1}',
        "x" * 2000,
    ],
)
async def test_bad_messages_get_an_error_frame_and_the_socket_stays_open(frame):
    user = await database_sync_to_async(make_user)()
    socket, _ = await socket_of(user)
    await socket.send_to(text_data=frame)
    error = await socket.receive_json_from(timeout=5)
    assert error["type"] == "error" and error["detail"]
    await socket.send_json_to({"type": "ping"})
    assert (await socket.receive_json_from(timeout=5))["type"] == "pong"
    await socket.disconnect()


async def test_a_provider_heartbeat_over_the_socket_moves_their_position():
    from dispatch.models import Availability

    listing = await database_sync_to_async(provider)(km=1, now=None)
    socket, _ = await socket_of(listing.owner)
    await socket.send_json_to({"type": "heartbeat", "listing": listing.pk, "lat": 48.87, "lng": 2.36})
    await socket.send_json_to({"type": "ping"})
    assert (await socket.receive_json_from(timeout=5))["type"] == "pong"
    row = await database_sync_to_async(Availability.objects.get)(listing=listing)
    assert (row.latitude, row.longitude) == (48.87, 2.36)
    await socket.disconnect()
