"""`make stack` end to end: nginx, 2 uvicorn web processes, 2 workers and the scheduler from the Procfile,
with the production settings (collectstatic included), on this pass's PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from listings.models import ListingKind
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.payments.fixtures import WEBHOOK_SECRET, card
from tests.realtime.helpers import session_key_for
from tests.support.servers import BASE_DIR, child_environment, free_port

pytestmark = [pytest.mark.postgres_only, pytest.mark.redis_only, pytest.mark.django_db(transaction=True)]


def two_free_ports() -> int:
    """A port such that it and the next one are free (web.1 and web.2)."""
    for _ in range(50):
        port = free_port()
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two consecutive free ports")


def readyz(listen: int) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{listen}/readyz", timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:  # 503 not ready yet, or 502 while the web processes start
        return error.code, {}
    except OSError:
        return 0, {}


@pytest.fixture
def stack(tmp_path: Path, stripe_api: str, settings) -> Iterator[dict]:
    listen, web = free_port(), two_free_ports()
    env = child_environment(
        DEBUG="false",
        # The sessions this test logs people in with are signed with its key.
        SECRET_KEY=settings.SECRET_KEY,
        STRIPE_API_BASE=stripe_api,
        STRIPE_SECRET_KEY=settings.STRIPE_SECRET_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    log = tmp_path / "stack.log"
    command = [
        sys.executable,
        "scripts/stack.py",
        "--listen",
        str(listen),
        "--web-base-port",
        str(web),
        "--run-dir",
        str(tmp_path / "run"),
        "--database-url",
        env["DATABASE_URL"],
        "--redis-url",
        env["REDIS_URL"],
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while (status := readyz(listen))[0] != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the stack never turned ready ({status}):\n{log.read_text(errors='replace')[-5000:]}")
            time.sleep(1)
        yield {"listen": listen, "web_ports": [web, web + 1], "log": log}
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


def post_json(listen: int, path: str, body: dict, token: str) -> tuple[int, dict, str]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{listen}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "X-Session-Token": token, "X-Request-ID": "test-booking-1"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read()), response.headers["X-Request-ID"]


async def next_notification(ws, timeout: float = 30) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == "notification":
                return message["notification"]


def socket_to(port: int, session_key: str):
    return connect(
        f"ws://127.0.0.1:{port}/ws/notifications/",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": f"sessionid={session_key}"},
        open_timeout=20,
    )


def test_a_booking_through_nginx_notifies_the_host_on_both_web_processes_and_through_nginx(stack):
    host = make_user(display_name="Stack Host")
    listing = make_listing(owner=host, kind=ListingKind.CAR, instant_book=True)
    guest_key = session_key_for(make_user())
    host_key = session_key_for(host)
    payment_method = card()
    first, second = stack["web_ports"]

    async def scenario() -> list[dict]:
        # The host has a page open on each web process, and the app connected through nginx: whichever
        # process nginx gives the booking to, one socket is held by the other one.
        async with (
            socket_to(first, host_key) as on_first,
            socket_to(second, host_key) as on_second,
            socket_to(stack["listen"], host_key) as through_nginx,
        ):
            for ws in (on_first, on_second, through_nginx):
                assert json.loads(await ws.recv())["type"] == "hello"
            status, booking, request_id = await asyncio.to_thread(
                post_json,
                stack["listen"],
                "/api/v1/bookings/",
                {
                    "payment_method": payment_method,
                    "listing_id": listing.pk,
                    "start": "2027-03-05T10:00:00+01:00",
                    "end": "2027-03-05T13:00:00+01:00",
                },
                guest_key,
            )
            assert status == 201, booking
            assert request_id == "test-booking-1"
            return [await next_notification(ws) for ws in (on_first, on_second, through_nginx)]

    notifications = asyncio.run(scenario())
    assert {n["kind"] for n in notifications} <= {"booking.requested", "booking.confirmed"}
    assert len({n["id"] for n in notifications}) == 1
