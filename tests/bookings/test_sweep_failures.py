"""A transition failing in the sweep or a task is counted, retried with backoff, then queued for staff."""

from datetime import timedelta
from unittest import mock

import pytest

from bookings import tasks
from bookings.models import BookingStatus, StuckTransition
from bookings.money import booking_reference
from bookings.services.clock import advance_due_bookings
from payments.errors import PaymentStateError
from payments.models import Payment
from payments.services import guest_payments
from tests.bookings.factories import request_room

pytestmark = pytest.mark.django_db


def charged_request():
    """A request whose card was charged without the booking being accepted (the crash the issue measured):
    its expiry cannot release the authorisation any more, so the expiry fails every time."""
    booking = request_room()
    payment = Payment.objects.get(reference=booking_reference(booking.pk))
    guest_payments.capture_payment(payment=payment)
    guest_payments.refund_payment(payment=payment, amount=payment.amount)  # keeps the ledger clean for ledger_check
    return booking


def test_a_failing_expiry_is_counted_as_failed_not_as_nothing_to_do():
    booking = charged_request()

    counts = advance_due_bookings(now=booking.respond_by)

    assert (counts["expired"], counts["failed"], counts["given_up"]) == (0, 1, 0)
    stuck = StuckTransition.objects.get(step="expired", object_id=booking.pk)
    assert stuck.attempts == 1
    assert "already charged" in stuck.last_error
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REQUESTED


def test_a_failed_transition_waits_for_its_backoff_before_the_next_try():
    booking = charged_request()
    advance_due_bookings(now=booking.respond_by)

    soon = advance_due_bookings(now=booking.respond_by + timedelta(seconds=30))
    later = advance_due_bookings(now=booking.respond_by + timedelta(minutes=2))

    assert (soon["failed"], soon["waiting"]) == (0, 1)
    assert (later["failed"], later["waiting"]) == (1, 0)
    assert StuckTransition.objects.get(step="expired", object_id=booking.pk).attempts == 2


def test_after_the_last_try_the_transition_waits_for_staff(settings):
    settings.SWEEP_MAX_ATTEMPTS = 2
    booking = charged_request()
    advance_due_bookings(now=booking.respond_by)

    second = advance_due_bookings(now=booking.respond_by + timedelta(hours=1))
    afterwards = advance_due_bookings(now=booking.respond_by + timedelta(days=2))

    assert (second["failed"], second["given_up"]) == (1, 1)
    assert (afterwards["failed"], afterwards["waiting"]) == (0, 1)
    assert StuckTransition.objects.get(step="expired", object_id=booking.pk).gave_up


def test_a_failing_expiry_task_fails_as_a_task_and_is_recorded_for_the_sweep():
    booking = charged_request()
    clock = mock.patch("django.utils.timezone.now", return_value=booking.respond_by)
    with clock, pytest.raises(PaymentStateError, match="already charged"):
        tasks.expire_booking_task.call(booking.pk)

    assert StuckTransition.objects.get(step="expired", object_id=booking.pk).attempts == 1


def test_a_transition_that_succeeds_after_failing_is_resolved():
    booking = request_room()
    StuckTransition.objects.create(
        step="expired",
        object_id=booking.pk,
        attempts=1,
        next_attempt_at=booking.respond_by,
        first_failed_at=booking.respond_by,
        last_failed_at=booking.respond_by,
    )

    counts = advance_due_bookings(now=booking.respond_by)

    assert (counts["expired"], counts["failed"]) == (1, 0)
    assert StuckTransition.objects.get(step="expired", object_id=booking.pk).resolved_at is not None


def test_the_scheduled_sweep_reports_a_run_with_failures_as_failed_not_done():
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    booking = charged_request()
    out = StringIO()
    at_deadline = mock.patch("django.utils.timezone.now", return_value=booking.respond_by)
    with at_deadline, pytest.raises(CommandError, match="1 due transitions failed"):
        call_command("advance_bookings", stdout=out)
    assert "failed=1" in out.getvalue()
