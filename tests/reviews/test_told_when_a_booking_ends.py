"""Reviews are told when a booking ends (the bookings port BOOKING_ENDED_HOOKS): the review window opens at once."""

from datetime import timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from bookings.services.cancellations import cancel_by_guest
from bookings.services.clock import complete_booking
from realtime.models import Notification
from reviews.models import REMINDER_BEFORE_CLOSE, REVIEW_WINDOW, ReviewWindow
from tests.reviews.factories import confirmed, started

pytestmark = pytest.mark.django_db


def notified(kind: str) -> list[int]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


def test_completing_a_booking_opens_its_review_window_without_the_sweep(django_capture_on_commit_callbacks):
    booking = started()
    with django_capture_on_commit_callbacks(execute=True):
        complete_booking(booking_id=booking.pk, now=booking.end)
    window = ReviewWindow.objects.get(booking=booking)
    assert window.can_write_sent_at == booking.end
    assert window.closes_at == booking.end + REVIEW_WINDOW
    assert notified("review.can_write") == sorted([booking.guest_id, booking.listing.owner_id])
    runs = dict(DBTaskResult.objects.filter(task_path__startswith="reviews.").values_list("task_path", "run_after"))
    assert runs == {
        "reviews.tasks.remind_reviewers_task": window.closes_at - REMINDER_BEFORE_CLOSE,
        "reviews.tasks.close_review_window_task": window.closes_at,
    }


def test_a_stay_cancelled_under_way_opens_its_review_window_at_once(django_capture_on_commit_callbacks):
    booking = started()
    cancelled_at = booking.start + timedelta(hours=30)
    with django_capture_on_commit_callbacks(execute=True):
        cancel_by_guest(guest=booking.guest, booking_id=booking.pk, now=cancelled_at)
    assert ReviewWindow.objects.get(booking=booking).can_write_sent_at == cancelled_at
    assert notified("review.can_write") == sorted([booking.guest_id, booking.listing.owner_id])


def test_a_booking_cancelled_before_its_start_opens_no_review_window(django_capture_on_commit_callbacks):
    booking = confirmed()
    with django_capture_on_commit_callbacks(execute=True):
        cancel_by_guest(guest=booking.guest, booking_id=booking.pk, now=booking.start - timedelta(days=1))
    assert not ReviewWindow.objects.filter(booking=booking).exists()
    assert notified("review.can_write") == []
