"""The /ws/notifications/ socket: who may connect, what each person hears, replay after a reconnect."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction

from realtime import notify
from realtime.models import Notification
from realtime.services import user_group
from tests.realtime.helpers import (
    browser_socket,
    committed_notifications,
    connected,
    live_db,
    person,
    receive_notifications,
    receive_type,
)

pytestmark = live_db


async def test_anonymous_connection_is_refused():
    socket = browser_socket(None)
    ok, code = await socket.connect(timeout=5)
    assert not ok
    assert code == 4401


async def test_unknown_session_cookie_is_refused():
    socket = browser_socket("not-a-real-session-key")
    ok, _ = await socket.connect(timeout=5)
    assert not ok


async def test_foreign_origin_is_refused_even_with_a_valid_session():
    _, key = await person()
    socket = browser_socket(key, origin=b"https://evil.example")
    ok, _ = await socket.connect(timeout=5)
    assert not ok


async def test_browser_without_origin_is_refused():
    _, key = await person()
    socket = browser_socket(key, origin=None)
    ok, _ = await socket.connect(timeout=5)
    assert not ok


async def test_logged_in_person_gets_hello_with_unread_count():
    user, key = await person()
    await committed_notifications(user, 2)
    socket, hello = await connected(key)
    assert hello["user"] == user.pk
    assert hello["unread"] == 2
    assert hello["last_id"] == await database_sync_to_async(lambda: Notification.objects.latest("id").pk)()
    await socket.disconnect()


async def test_committed_notification_arrives_live():
    user, key = await person()
    socket, _ = await connected(key)
    [sent] = await committed_notifications(user, 1, kind="booking.accepted")
    message = await socket.receive_json_from(timeout=5)
    assert message["type"] == "notification"
    assert message["notification"]["id"] == sent
    assert message["notification"]["kind"] == "booking.accepted"
    assert message["notification"]["read"] is False
    await socket.disconnect()


async def test_rolled_back_notification_is_neither_sent_nor_stored():
    user, key = await person()
    socket, _ = await connected(key)

    @database_sync_to_async
    def booking_that_fails() -> None:
        with pytest.raises(RuntimeError), transaction.atomic():
            notify([user], "booking.requested", {"booking": 1})
            raise RuntimeError("the booking could not be saved")

    await booking_that_fails()
    assert await socket.receive_nothing(timeout=0.3)
    assert await database_sync_to_async(Notification.objects.filter(recipient=user).count)() == 0
    # The socket still works: the next committed one arrives.
    [sent] = await committed_notifications(user, 1)
    assert await receive_notifications(socket, 1) == [sent]
    await socket.disconnect()


async def test_people_never_receive_each_others_notifications_even_when_asking_to_join():
    _, alice_key = await person()
    bob, bob_key = await person()
    alice_socket, _ = await connected(alice_key)
    bob_socket, _ = await connected(bob_key)
    # Alice tries every way of asking for Bob's group by name.
    for attempt in (
        {"type": "subscribe", "group": user_group(bob.pk)},
        {"type": "join", "group": user_group(bob.pk)},
        {"type": "group_add", "group": user_group(bob.pk)},
        {"type": "resume", "last_id": 0, "user": bob.pk, "group": user_group(bob.pk)},
    ):
        await alice_socket.send_json_to(attempt)
    replies = [await alice_socket.receive_json_from(timeout=5) for _ in range(4)]
    assert [r["type"] for r in replies] == ["error", "error", "error", "replay.done"]

    bob_ids = await committed_notifications(bob, 2)
    assert await receive_notifications(bob_socket, 2) == bob_ids
    assert await alice_socket.receive_nothing(timeout=0.3)
    # Even a raw push to Bob's group (what a compromised client would hope to hear) stays with Bob.
    await get_channel_layer().group_send(
        user_group(bob.pk), {"type": "notification.push", "message": {"id": 10**9, "seq": 3}}
    )
    assert await alice_socket.receive_nothing(timeout=0.3)
    await alice_socket.disconnect()
    await bob_socket.disconnect()


async def test_reconnect_with_last_id_gets_exactly_the_missed_ones_in_order_then_live_ones():
    user, key = await person()
    other, _ = await person()
    seen = await committed_notifications(user, 2)
    socket, _ = await connected(key)
    await socket.disconnect()
    missed = await committed_notifications(user, 3)
    await committed_notifications(other, 2)  # someone else's: never part of the replay

    socket, _ = await connected(key)
    await socket.send_json_to({"type": "resume", "last_id": seen[-1]})
    assert await receive_notifications(socket, 3) == missed
    done = await socket.receive_json_from(timeout=5)
    assert done == {"type": "replay.done", "last_id": missed[-1]}
    live = await committed_notifications(user, 1)
    assert await receive_notifications(socket, 1) == live
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()


async def test_resume_at_connect_time_with_query_parameter():
    user, key = await person()
    ids = await committed_notifications(user, 3)
    socket, _ = await connected(key, query=f"last_id={ids[0]}")
    assert await receive_notifications(socket, 2) == ids[1:]
    assert (await socket.receive_json_from(timeout=5))["type"] == "replay.done"
    await socket.disconnect()


async def test_live_pushes_during_or_before_a_replay_are_not_sent_twice():
    user, key = await person()
    socket, _ = await connected(key)
    ids = await committed_notifications(user, 3)
    # The three live pushes are queued behind this resume; the replay sends them first.
    await socket.send_json_to({"type": "resume", "last_id": 0})
    received = []
    while True:
        message = await socket.receive_json_from(timeout=5)
        if message["type"] == "replay.done":
            break
        received.append(message["notification"]["id"])
    # Replay from 0 plus whatever live pushes were handled before it; never a later duplicate.
    assert received[-3:] == ids
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_a_push_that_overtakes_an_earlier_one_fills_the_gap_from_the_database():
    user, key = await person()
    socket, _ = await connected(key)

    @database_sync_to_async
    def two_stored_without_push() -> list[Notification]:
        with transaction.atomic():
            first = Notification.objects.create(recipient=user, seq=1, kind="a", payload={})
            second = Notification.objects.create(recipient=user, seq=2, kind="b", payload={})
        return [first, second]

    first, second = await two_stored_without_push()
    layer = get_channel_layer()
    # The second push arrives first (two transactions, two threads): the socket must still
    # deliver in order, and then drop the late first push.
    await layer.group_send(user_group(user.pk), {"type": "notification.push", "message": second.as_message()})
    await layer.group_send(user_group(user.pk), {"type": "notification.push", "message": first.as_message()})
    assert await receive_notifications(socket, 2) == [first.pk, second.pk]
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_a_bogus_last_id_cannot_hide_future_notifications():
    user, key = await person()
    socket, _ = await connected(key)
    await socket.send_json_to({"type": "resume", "last_id": 10**12})
    assert (await socket.receive_json_from(timeout=5))["type"] == "replay.done"
    live = await committed_notifications(user, 1)
    assert await receive_notifications(socket, 1) == live
    await socket.disconnect()


async def test_mark_one_and_all_read_over_the_socket_updates_every_tab():
    user, key = await person()
    other, _ = await person()
    ids = await committed_notifications(user, 3)
    [foreign] = await committed_notifications(other, 1)
    tab_one, _ = await connected(key)
    tab_two, _ = await connected(key)

    await tab_one.send_json_to({"type": "read", "id": ids[0]})
    for tab in (tab_one, tab_two):
        assert await receive_type(tab, "read") == {"type": "read", "ids": [ids[0]], "unread": 2}

    # Someone else's id is ignored, never marked.
    await tab_one.send_json_to({"type": "read", "ids": [foreign]})
    assert await receive_type(tab_one, "read") == {"type": "read", "ids": [], "unread": 2}
    assert await database_sync_to_async(lambda: Notification.objects.get(pk=foreign).read_at)() is None

    await tab_two.send_json_to({"type": "read_all"})
    assert await receive_type(tab_one, "read") == {"type": "read", "ids": None, "unread": 0}
    assert await database_sync_to_async(Notification.objects.filter(recipient=user, read_at=None).count)() == 0
    await tab_one.disconnect()
    await tab_two.disconnect()


async def test_malformed_messages_get_an_error_not_a_crash():
    _, key = await person()
    socket, _ = await connected(key)
    for raw in ("not json", "[1, 2]", '{"type": "read", "id": "x"}', '{"type": "resume"}', "x" * 5000):
        await socket.send_to(text_data=raw)
        assert (await socket.receive_json_from(timeout=5))["type"] == "error"
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=5) == {"type": "pong"}
    await socket.disconnect()
