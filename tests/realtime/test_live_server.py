"""End to end: a real `websockets` client against real daphne processes on the test database."""

from __future__ import annotations

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from realtime import services
from tests.realtime.helpers import committed_notifications, live_db, person
from tests.realtime.live import post_json
from tests.support.servers import daphne_servers

pytestmark = live_db


async def next_of(ws, kind: str, timeout: float = 30) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == kind:
                return message


async def both(ws, kinds: set[str], timeout: float = 30) -> dict[str, dict]:
    """The next message of each kind, whatever order they come in."""
    found: dict[str, dict] = {}
    async with asyncio.timeout(timeout):
        while set(found) != kinds:
            message = json.loads(await ws.recv())
            if message["type"] in kinds:
                found[message["type"]] = message
    return found


@database_sync_to_async
def thread_between(*people):
    return services.ensure_thread(key="booking:99", title="Van, Sunday", participants=people)


def browser(port: int, session_key: str, query: str = ""):
    return connect(
        f"ws://127.0.0.1:{port}/ws/notifications/{query}",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": f"sessionid={session_key}"},
        open_timeout=30,
    )


async def test_real_browser_socket_gets_a_message_posted_through_the_server_and_resumes_after_reconnect():
    guest, guest_key = await person()
    host, host_key = await person()
    thread = await thread_between(guest, host)
    with daphne_servers(1) as [port]:
        # Anonymous and foreign-origin handshakes are refused by the real server too.
        with pytest.raises(InvalidStatus):
            async with connect(f"ws://127.0.0.1:{port}/ws/notifications/", origin=f"http://127.0.0.1:{port}"):
                pass
        with pytest.raises(InvalidStatus):
            async with connect(
                f"ws://127.0.0.1:{port}/ws/notifications/",
                origin="https://evil.example",
                additional_headers={"Cookie": f"sessionid={host_key}"},
            ):
                pass

        async with browser(port, host_key) as ws:
            hello = await next_of(ws, "hello")
            assert hello["user"] == host.pk
            status, created = await asyncio.to_thread(
                post_json, port, f"/api/v1/threads/{thread.pk}/messages", {"body": "On my way"}, guest_key
            )
            assert status == 201
            live = await both(ws, {"thread.message", "notification"})
            assert live["thread.message"]["message"]["id"] == created["id"]
            assert live["notification"]["notification"]["payload"]["message_id"] == created["id"]
            last_seen = live["notification"]["notification"]["id"]

        missed = await committed_notifications(host, 3)  # while the host's socket is closed
        async with browser(port, host_key, query=f"?last_id={last_seen}") as ws:
            await next_of(ws, "hello")
            replayed = [(await next_of(ws, "notification"))["notification"]["id"] for _ in range(3)]
            assert replayed == missed
            assert (await next_of(ws, "replay.done"))["last_id"] == missed[-1]


@pytest.mark.redis_only
async def test_scale_out_notification_committed_on_one_server_reaches_a_client_on_another():
    guest, guest_key = await person()
    host, host_key = await person()
    thread = await thread_between(guest, host)
    with daphne_servers(2) as [first, second]:
        # The mobile app of the host, token in a subprotocol, is connected to the first server...
        async with connect(
            f"ws://127.0.0.1:{first}/ws/notifications/",
            subprotocols=["sharing.v1", f"session-token.{host_key}"],
            open_timeout=30,
        ) as ws:
            assert ws.subprotocol == "sharing.v1"
            await next_of(ws, "hello")
            # ...and the guest writes through the second: the commit happens in that process.
            status, created = await asyncio.to_thread(
                post_json, second, f"/api/v1/threads/{thread.pk}/messages", {"body": "Here at the gate"}, guest_key
            )
            assert status == 201
            notification = await next_of(ws, "notification")
            assert notification["notification"]["kind"] == "message.new"
            assert notification["notification"]["payload"]["message_id"] == created["id"]
