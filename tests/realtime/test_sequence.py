"""Each person's notifications are numbered 1, 2, 3... in commit order, without one lock for everybody.

Real threads, each with its own database connection: on PostgreSQL only the recipient's
`NotificationSequence` row orders notifying transactions, so these tests prove that a reader
resuming "after id N" never skips one, and that notifications to different people do not
wait for each other (with `lock_timeout` turning a wait into an error, not with a clock).
"""

from __future__ import annotations

import threading

import pytest
from django.db import OperationalError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from realtime import notify, selectors
from realtime.models import Notification, NotificationSequence
from tests.conftest import make_user
from tests.support.threads import run_concurrently

CALLS = 40


def _seqs_and_ids(user) -> list[tuple[int, int]]:
    return list(Notification.objects.filter(recipient=user).order_by("id").values_list("seq", "id"))


@pytest.mark.django_db(transaction=True)
def test_concurrent_notifiers_number_each_persons_notifications_in_commit_order_and_a_reader_misses_none():
    people = [make_user() for _ in range(4)]
    reader_target = people[0]
    # Overlapping recipient lists in different orders, as bookings, messages and dispatch waves make them.
    audiences = [[people[i % 4], people[(i * 3 + 1) % 4], people[0]] for i in range(CALLS)]
    seen: list[int] = []
    writers_done = threading.Event()

    def reader() -> None:
        # A socket that keeps asking "what came after the last id I saw?" while writers commit.
        try:
            cursor = 0
            while True:
                finished = writers_done.is_set()
                for notification in selectors.notifications_after(reader_target, after_id=cursor, limit=200):
                    seen.append(notification.pk)
                    cursor = notification.pk
                if finished:
                    return
        finally:
            connection.close()

    def call(audience):
        def write():
            with transaction.atomic():
                return [n.pk for n in notify(audience, "booking.requested", {})]

        return write

    reading = threading.Thread(target=reader)
    reading.start()
    results, errors = run_concurrently([call(audience) for audience in audiences])
    writers_done.set()
    reading.join(timeout=120)

    assert errors == []
    assert len(results) == CALLS
    for person in people:
        rows = _seqs_and_ids(person)
        # Numbered 1..n without a hole, and id order is the same order.
        assert [seq for seq, _ in rows] == list(range(1, len(rows) + 1))
        assert NotificationSequence.objects.get(user=person).last_seq == len(rows)
    assert seen == [pk for _, pk in _seqs_and_ids(reader_target)]
    assert len(seen) == CALLS


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_notifying_one_person_does_not_wait_for_an_open_notification_to_another_but_the_same_person_does():
    alice, bob = make_user(), make_user()
    alice_notified, release = threading.Event(), threading.Event()

    def open_notification_to_alice():
        with transaction.atomic():
            notify([alice], "booking.requested", {})
            alice_notified.set()
            release.wait(timeout=60)

    holder = threading.Thread(target=lambda: run_concurrently([open_notification_to_alice]))
    holder.start()
    try:
        assert alice_notified.wait(timeout=60)
        # A wait for a lock would raise instead of committing.
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '5s'")
            notify([bob], "booking.accepted", {})
        assert list(Notification.objects.filter(recipient=bob).values_list("seq", flat=True)) == [1]

        with pytest.raises(OperationalError, match="lock timeout"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '100ms'")
            notify([alice], "booking.accepted", {})
    finally:
        release.set()
        holder.join(timeout=60)
    # The refused one took no number: Alice's next notification is her second.
    [later] = notify([alice], "booking.accepted", {})
    assert [seq for seq, _ in _seqs_and_ids(alice)] == [1, 2]
    assert later.seq == 2


@pytest.mark.django_db(transaction=True)
def test_migration_numbers_existing_notifications_per_recipient_in_id_order():
    executor = MigrationExecutor(connection)
    before, after = [("realtime", "0002_threads_and_messages")], [("realtime", "0005_require_notification_seq")]
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps.get_model("realtime", "Notification")
        alice, bob = make_user(), make_user()
        for recipient in (alice, bob, alice, alice, bob):
            old.objects.create(recipient_id=recipient.pk, kind="booking.requested", payload={})
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        # Then every later migration again: the rest of the suite runs on this database.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert [seq for seq, _ in _seqs_and_ids(alice)] == [1, 2, 3]
    assert [seq for seq, _ in _seqs_and_ids(bob)] == [1, 2]
    # New notifications carry on from there.
    [next_for_alice] = notify([alice], "booking.accepted", {})
    assert next_for_alice.seq == 4
