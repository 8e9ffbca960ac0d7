"""Conversations: who is in a thread, what they may write, and what the others are told."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.db import connection, transaction

from core.errors import DomainError, NotFound, PermissionDenied
from realtime import selectors, services
from realtime.models import Message, Notification, ThreadParticipant
from tests.conftest import make_user
from tests.realtime.helpers import connected, live_db, person, receive_type


def booking_thread(guest, host):
    return services.ensure_thread(
        key="booking:12", title="Room in Lyon, 3-5 May", link_url="/bookings/12/", participants=[guest, host]
    )


@pytest.mark.django_db
def test_ensure_thread_is_idempotent_and_adds_missing_participants(user, other_user):
    first = booking_thread(user, other_user)
    again = booking_thread(user, other_user)
    staff = make_user(is_staff=True)
    widened = services.ensure_thread(key="booking:12", title="ignored", participants=[staff])
    assert first.pk == again.pk == widened.pk
    assert widened.title == "Room in Lyon, 3-5 May"
    assert set(ThreadParticipant.objects.filter(thread=first).values_list("user_id", flat=True)) == {
        user.pk,
        other_user.pk,
        staff.pk,
    }


@pytest.mark.django_db
def test_participant_message_is_stored_as_plain_text_and_notifies_only_the_others(user, other_user):
    thread = booking_thread(user, other_user)
    outsider = make_user()
    with transaction.atomic():
        message = services.post_message(thread=thread, sender=user, body="  <b>Hi</b> there \r\n")
    assert message.body == "<b>Hi</b> there"
    [notification] = Notification.objects.filter(kind="message.new")
    assert notification.recipient == other_user
    assert notification.payload["thread_id"] == thread.pk
    assert notification.url == thread.get_absolute_url()
    assert not Notification.objects.filter(recipient__in=[user, outsider]).exists()
    # Writing counts as having read.
    assert ThreadParticipant.objects.get(thread=thread, user=user).last_read_message_id == message.pk


@pytest.mark.django_db
def test_stranger_cannot_write_in_a_thread_and_nothing_is_stored(user, other_user):
    thread = booking_thread(user, other_user)
    stranger = make_user()
    with pytest.raises(PermissionDenied, match="not part of this conversation"):
        services.post_message(thread=thread, sender=stranger, body="let me in")
    assert not Message.objects.exists()
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_writing_never_moves_the_senders_read_receipt_back(user, other_user):
    thread = booking_thread(user, other_user)
    # The sender already read a message that committed after this one took its id (another tab, mark_thread_read).
    ThreadParticipant.objects.filter(thread=thread, user=user).update(last_read_message_id=10**9)
    services.post_message(thread=thread, sender=user, body="late one")
    assert ThreadParticipant.objects.get(thread=thread, user=user).last_read_message_id == 10**9


@pytest.mark.django_db(transaction=True)
def test_a_message_locks_nothing_up_front_and_updates_the_shared_thread_row_last(user, other_user):
    """Every writer of a thread updates its row: that lock is taken by the transaction's last statement, so
    other writers wait for one statement and a commit, not for the whole message (bench/slow_stripe.py)."""
    thread = booking_thread(user, other_user)
    statements: list[tuple[bool, str]] = []

    def record(execute, sql, params, many, context):
        statements.append((context["connection"].in_atomic_block, sql))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        services.post_message(thread=thread, sender=user, body="hello")
    in_transaction = [sql for inside, sql in statements if inside and not sql.startswith(("BEGIN", "SAVEPOINT"))]
    assert not any("FOR UPDATE" in sql for _, sql in statements)
    assert in_transaction[0].startswith('INSERT INTO "realtime_message"')
    assert in_transaction[-1].startswith('UPDATE "realtime_thread"')
    # Who is in the thread and whether they may write are read before the transaction, in one statement.
    assert sum('FROM "realtime_threadparticipant"' in sql for inside, sql in statements if not inside) == 1


@pytest.mark.django_db
def test_stranger_cannot_read_a_thread(user, other_user):
    thread = booking_thread(user, other_user)
    with pytest.raises(NotFound):
        selectors.thread_for(make_user(), thread.pk)
    with pytest.raises(PermissionDenied):
        services.mark_thread_read(thread=thread, user=make_user())
    assert selectors.thread_for(user, thread.pk) == thread


@pytest.mark.django_db
@pytest.mark.parametrize(("body", "reason"), [("   ", "Write a message first"), ("x" * 2001, "at most 2000")])
def test_empty_or_too_long_message_is_refused(user, other_user, body, reason):
    thread = booking_thread(user, other_user)
    with pytest.raises(DomainError, match=reason) as refusal:
        services.post_message(thread=thread, sender=user, body=body)
    assert refusal.value.field == "body"
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_staff_access_is_granted_only_to_staff(user, other_user):
    thread = booking_thread(user, other_user)
    with pytest.raises(PermissionDenied):
        services.grant_thread_access(thread=thread, user=make_user())
    staff = make_user(is_staff=True)
    with pytest.raises(NotFound):
        selectors.thread_for(staff, thread.pk)
    membership = services.grant_thread_access(thread=thread, user=staff)
    assert membership.role == ThreadParticipant.Role.STAFF
    assert selectors.thread_for(staff, thread.pk) == thread
    services.post_message(thread=thread, sender=staff, body="Staff here: I'm looking at the dispute.")
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {user.pk, other_user.pk}


@pytest.mark.django_db
def test_reading_a_thread_moves_the_receipt_and_clears_its_message_notifications(user, other_user):
    thread = booking_thread(user, other_user)
    first = services.post_message(thread=thread, sender=user, body="one")
    second = services.post_message(thread=thread, sender=user, body="two")
    assert Notification.objects.filter(recipient=other_user, read_at=None).count() == 2
    assert services.mark_thread_read(thread=thread, user=other_user, up_to_id=first.pk) == first.pk
    assert Notification.objects.filter(recipient=other_user, read_at=None).count() == 1
    assert services.mark_thread_read(thread=thread, user=other_user) == second.pk
    assert Notification.objects.filter(recipient=other_user, read_at=None).count() == 0
    # A receipt never moves backwards.
    assert services.mark_thread_read(thread=thread, user=other_user, up_to_id=first.pk) == second.pk
    [inbox_entry] = selectors.inbox(other_user)
    assert inbox_entry.unread == 0
    assert selectors.inbox(user)[0].unread == 0


@pytest.mark.django_db
def test_inbox_counts_unread_messages_from_others(user, other_user):
    thread = booking_thread(user, other_user)
    services.post_message(thread=thread, sender=user, body="one")
    services.post_message(thread=thread, sender=user, body="two")
    assert [t.unread for t in selectors.inbox(other_user)] == [2]
    assert [t.unread for t in selectors.inbox(user)] == [0]
    assert list(selectors.inbox(make_user())) == []


# --- live delivery over the socket -----------------------------------------------------


@database_sync_to_async
def _thread_between(*people):
    return services.ensure_thread(key="listing:5:user:9", title="Question about the car", participants=people)


@live_db
async def test_message_and_read_receipt_reach_the_other_partys_open_page_but_not_a_strangers():
    guest, guest_key = await person()
    host, host_key = await person()
    _, stranger_key = await person()
    thread = await _thread_between(guest, host)
    host_socket, _ = await connected(host_key)
    guest_socket, _ = await connected(guest_key)
    stranger_socket, _ = await connected(stranger_key)

    message = await database_sync_to_async(services.post_message)(thread=thread, sender=guest, body="Is it free?")
    # The host's page gets the message itself and, for the bell, a notification.
    received = {m["type"]: m for m in [await host_socket.receive_json_from(timeout=5) for _ in range(2)]}
    live = received["thread.message"]
    assert live["thread"] == thread.pk
    assert live["message"]["body"] == "Is it free?"
    assert live["message"]["sender"] == guest.pk
    assert received["notification"]["notification"]["kind"] == "message.new"
    # The sender's other tabs see their own message too.
    assert (await receive_type(guest_socket, "thread.message"))["message"]["id"] == message.pk

    await host_socket.send_json_to({"type": "thread.read", "thread": thread.pk, "up_to_id": message.pk})
    receipt = await receive_type(guest_socket, "thread.read")
    assert receipt == {"type": "thread.read", "thread": thread.pk, "user": host.pk, "last_read_id": message.pk}

    # The stranger heard nothing, and cannot send a receipt for a thread that is not theirs.
    assert await stranger_socket.receive_nothing(timeout=0.3)
    await stranger_socket.send_json_to({"type": "thread.read", "thread": thread.pk})
    refusal = await stranger_socket.receive_json_from(timeout=5)
    assert refusal["type"] == "error"
    assert "not yours" in refusal["detail"]
    for socket in (host_socket, guest_socket, stranger_socket):
        await socket.disconnect()
