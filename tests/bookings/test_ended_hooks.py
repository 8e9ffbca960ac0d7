"""The booking-ended port (settings.BOOKING_ENDED_HOOKS): told after commit, never of a rollback, never in the way."""

from datetime import timedelta

import pytest
from django.db import transaction

from bookings.models import BookingStatus
from bookings.services.cancellations import cancel_by_host
from bookings.services.clock import complete_booking, start_booking
from bookings.services.disputes import clear_dispute, mark_disputed
from tests.bookings.factories import confirmed_room

pytestmark = pytest.mark.django_db

told: list[dict] = []


def record(**call) -> None:
    told.append(call)


def broken(**call) -> None:
    raise RuntimeError("the reviews app is down")


@pytest.fixture(autouse=True)
def _recording_hook(settings):
    settings.BOOKING_ENDED_HOOKS = ["tests.bookings.test_ended_hooks.record"]
    told.clear()


def in_progress():
    booking = confirmed_room()
    return start_booking(booking_id=booking.pk, now=booking.start)


def test_a_completion_is_told_once_it_commits(django_capture_on_commit_callbacks):
    booking = in_progress()
    with django_capture_on_commit_callbacks() as callbacks:
        complete_booking(booking_id=booking.pk, now=booking.end)
        assert told == []
    for callback in callbacks:
        callback()
    assert told == [{"booking_id": booking.pk, "now": booking.end}]


def test_a_rolled_back_completion_tells_nobody(django_capture_on_commit_callbacks):
    booking = in_progress()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        complete_booking(booking_id=booking.pk, now=booking.end)
        raise RuntimeError("something later in the same transaction failed")
    assert told == []
    booking.refresh_from_db()
    assert booking.status == BookingStatus.IN_PROGRESS


def test_a_host_cancelling_a_stay_under_way_is_told(django_capture_on_commit_callbacks):
    booking = in_progress()
    at = booking.start + timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        cancel_by_host(host=booking.listing.owner, booking_id=booking.pk, now=at)
    assert told == [{"booking_id": booking.pk, "now": at}]


def test_a_cancellation_before_the_start_is_not_an_end_of_a_stay(django_capture_on_commit_callbacks):
    booking = confirmed_room()
    with django_capture_on_commit_callbacks(execute=True):
        cancel_by_host(host=booking.listing.owner, booking_id=booking.pk, now=booking.start - timedelta(days=1))
    assert told == []


def test_a_dispute_cleared_after_the_end_completes_the_booking_and_is_told(django_capture_on_commit_callbacks):
    booking = in_progress()
    mark_disputed(booking_id=booking.pk, now=booking.start + timedelta(hours=1))
    later = booking.end + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        clear_dispute(booking_id=booking.pk, now=later)
    assert told == [{"booking_id": booking.pk, "now": later}]


def test_a_failing_hook_leaves_the_completion_standing(settings, django_capture_on_commit_callbacks, caplog):
    settings.BOOKING_ENDED_HOOKS = ["tests.bookings.test_ended_hooks.broken", "tests.bookings.test_ended_hooks.record"]
    booking = in_progress()
    with django_capture_on_commit_callbacks(execute=True):
        complete_booking(booking_id=booking.pk, now=booking.end)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.COMPLETED
    assert told == [{"booking_id": booking.pk, "now": booking.end}]
    assert "the reviews app is down" in caplog.text
