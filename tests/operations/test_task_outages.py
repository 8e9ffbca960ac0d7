"""Background tasks and their failures: Stripe down leaves the money pending for the re-driver (never "done");
a dead worker's task is re-queued."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bookings import tasks
from bookings.models import BookingStatus
from bookings.money import booking_reference
from operations.workers import requeue_stale_tasks
from payments.models import MoneyOperation, Payment
from payments.outbox import redrive_money_operations
from tests.bookings.factories import confirmed_room, request_room

pytestmark = pytest.mark.django_db
STRIPE_DOWN = "http://127.0.0.1:9"  # nothing listens on the discard port


def at(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0", verbosity=0)


def release_of(booking) -> MoneyOperation:
    return MoneyOperation.objects.get(payment__reference=booking_reference(booking.pk), kind=MoneyOperation.Kind.CANCEL)


@pytest.mark.usefixtures("stripe_api", "ledger_checked")
def test_an_expiry_that_meets_a_stripe_outage_expires_and_its_release_waits_for_the_redriver(settings):
    booking = request_room()
    harness = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = STRIPE_DOWN
    with at(booking.respond_by + timedelta(hours=1)):
        assert tasks.expire_booking_task.call(booking.pk) == BookingStatus.EXPIRED
    # The outage is not hidden: the release of the hold is pending with its reason, not done.
    release = release_of(booking)
    assert (release.status, release.attempts) == (MoneyOperation.Status.PENDING, 1)
    assert release.last_error.startswith("stripe_unreachable")
    assert Payment.objects.get(pk=release.payment_id).status == Payment.Status.AUTHORIZED

    settings.STRIPE_API_BASE = harness
    assert redrive_money_operations(now=booking.respond_by + timedelta(hours=2))["done"] == 1
    assert release_of(booking).status == MoneyOperation.Status.DONE
    assert Payment.objects.get(pk=release.payment_id).status == Payment.Status.CANCELED


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("stripe_api")
def test_the_worker_expires_a_booking_during_a_stripe_outage_and_keeps_the_release_pending(settings):
    booking = request_room()  # commits, and so enqueues its expiry at the answer deadline
    settings.STRIPE_API_BASE = STRIPE_DOWN
    with at(booking.respond_by + timedelta(hours=1)):
        run_worker()
    result = DBTaskResult.objects.get(task_path="bookings.tasks.expire_booking_task")
    booking.refresh_from_db()
    assert (result.status, booking.status) == ("SUCCESSFUL", BookingStatus.EXPIRED)
    release = release_of(booking)
    assert release.status == MoneyOperation.Status.PENDING  # for the re-driver, not recorded as sent
    assert release.last_error.startswith("stripe_unreachable")


@pytest.mark.usefixtures("stripe_api", "ledger_checked")
def test_a_refusal_by_the_rules_is_still_skipped():
    booking = confirmed_room()
    with at(booking.respond_by + timedelta(hours=1)):
        assert tasks.expire_booking_task.call(booking.pk).startswith("skipped")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("stripe_api")
def test_a_task_left_running_by_a_dead_worker_is_queued_again_after_the_lease():
    booking = request_room()  # commits, and so enqueues its expiry at the answer deadline
    # A worker claimed it, then was killed before finishing: the row stays RUNNING. (The request also
    # enqueued its reminders and email deliveries, which stay queued.)
    expiry = DBTaskResult.objects.filter(task_path="bookings.tasks.expire_booking_task")
    expiry.update(status="RUNNING", started_at=timezone.now() - timedelta(minutes=10))
    assert requeue_stale_tasks(lease=timedelta(minutes=5)) == "requeued=1"
    with at(booking.respond_by + timedelta(hours=1)):
        run_worker()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED
    assert expiry.get().status == "SUCCESSFUL"


@pytest.mark.usefixtures("stripe_api", "ledger_checked")
def test_a_task_running_within_its_lease_is_left_alone():
    booking = request_room()
    tasks.expire_booking_task.enqueue(booking.pk)
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now() - timedelta(minutes=1))
    assert requeue_stale_tasks(lease=timedelta(minutes=5)) == "requeued=0"
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"RUNNING"}
