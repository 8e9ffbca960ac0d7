"""Reminders before deadlines: scheduled from the booking clock, emailed when due, skipped once the deadline is met."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django_tasks_db.models import DBTaskResult

from bookings import tasks
from bookings.services.answers import accept_booking
from bookings.services.cancellations import cancel_by_guest
from realtime.models import Notification
from reviews.models import ReviewWindow
from reviews.services import remind_reviewers
from tests.bookings.factories import NOW, confirmed_room, request_room
from tests.notifications.helpers import deliver
from tests.reviews.factories import completed, guest_review

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pay_through_localstripe(stripe_api, ledger_checked):
    pass


def at(moment):
    """Move the clock that services and tasks read."""
    return mock.patch("django.utils.timezone.now", return_value=moment)


def test_a_request_schedules_the_hosts_reminders_12_and_2_hours_before_it_expires(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = request_room()
    runs = sorted(
        (task.args_kwargs["args"][1], task.run_after)
        for task in DBTaskResult.objects.filter(task_path="bookings.tasks.remind_host_to_answer_task")
    )
    assert runs == [(2, booking.respond_by - timedelta(hours=2)), (12, booking.respond_by - timedelta(hours=12))]


def test_the_12_hour_reminder_reaches_the_host_by_email_when_the_clock_gets_there(smtp):
    booking = request_room()
    due = booking.respond_by - timedelta(hours=12)
    with at(due - timedelta(minutes=1)):
        assert tasks.remind_host_to_answer_task.call(booking.pk, 12).startswith("skipped")  # not yet
    with at(due):
        assert tasks.remind_host_to_answer_task.call(booking.pk, 12) == "requested"
        assert tasks.remind_host_to_answer_task.call(booking.pk, 12) == "requested"  # once
    [reminder] = Notification.objects.filter(kind="booking.answer_reminder")
    assert reminder.recipient == booking.listing.owner
    deliver([reminder], now=due)
    [message] = smtp.to(booking.listing.owner.email)
    assert message["Subject"].startswith("12 hours left to answer")
    assert f"/bookings/{booking.pk}/" in message.get_body(preferencelist=("plain",)).get_content()


def test_no_reminder_once_the_host_has_answered():
    booking = request_room()
    accept_booking(host=booking.listing.owner, booking_id=booking.pk, now=NOW + timedelta(hours=1))
    with at(booking.respond_by - timedelta(hours=12)):
        assert tasks.remind_host_to_answer_task.call(booking.pk, 12).startswith("skipped")
    assert not Notification.objects.filter(kind="booking.answer_reminder").exists()


def test_a_confirmation_schedules_starts_tomorrow_a_day_before_the_start(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = confirmed_room()
    task = DBTaskResult.objects.get(task_path="bookings.tasks.remind_starts_tomorrow_task")
    assert task.run_after == booking.start - timedelta(hours=24)


def test_both_sides_get_starts_tomorrow_and_the_guest_the_address(smtp):
    booking = confirmed_room()
    due = booking.start - timedelta(hours=24)
    with at(due):
        assert tasks.remind_starts_tomorrow_task.call(booking.pk) == "confirmed"
        tasks.remind_starts_tomorrow_task.call(booking.pk)
    assert Notification.objects.filter(kind="booking.starts_tomorrow").count() == 2
    deliver(Notification.objects.filter(kind="booking.starts_tomorrow"), now=due)
    [to_guest] = smtp.to(booking.guest.email)
    [to_host] = smtp.to(booking.listing.owner.email)
    guest_text = to_guest.get_body(preferencelist=("plain",)).get_content()
    assert booking.listing.address in guest_text
    assert "Check-in from: 15:00" in guest_text
    assert booking.listing.address not in to_host.get_body(preferencelist=("plain",)).get_content()
    assert "List-Unsubscribe" in to_guest  # a reminder can be turned off


def test_no_starts_tomorrow_for_a_cancelled_booking():
    booking = confirmed_room()
    cancel_by_guest(guest=booking.guest, booking_id=booking.pk, now=NOW + timedelta(hours=2))
    with at(booking.start - timedelta(hours=24)):
        assert tasks.remind_starts_tomorrow_task.call(booking.pk).startswith("skipped")
    assert not Notification.objects.filter(kind="booking.starts_tomorrow").exists()


def test_you_can_still_review_is_emailed_only_to_whoever_has_not_written(smtp):
    booking = completed()  # ended: the review window opened (reviews' ended hook)
    guest_review(booking)
    window = ReviewWindow.objects.get(booking=booking)
    remind_reviewers(booking_id=booking.pk, now=window.remind_at)
    deliver(Notification.objects.filter(kind="review.reminder"), now=window.remind_at)
    assert smtp.to(booking.guest.email) == []  # already wrote
    [message] = smtp.to(booking.listing.owner.email)
    assert "Last day to review" in message["Subject"]
    assert "List-Unsubscribe-Post" in message
