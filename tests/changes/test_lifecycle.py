"""A change's life: asked, answered (or withdrawn, or expired by the clock), told to the other side, kept in history."""

from __future__ import annotations

import pytest

from bookings.models import BookingChange
from bookings.services.changes import accept_change, ask_change, decline_change, expire_change, withdraw_change
from bookings.services.clock import advance_due_bookings
from core.errors import Conflict
from realtime.models import Notification
from tests.changes.helpers import MARCH, NOW, booked

pytestmark = pytest.mark.django_db


def kinds_for(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("kind", flat=True))


def test_the_host_is_told_of_a_change_and_both_of_its_acceptance():
    booking = booked()
    ask_change(guest=booking.guest, booking_id=booking.pk, start=MARCH(5), end=MARCH(7), guests=1, now=NOW)
    assert kinds_for(booking.listing.owner)[-1] == "booking.change_requested"
    accept_change(user=booking.listing.owner, booking_id=booking.pk, now=NOW)
    assert kinds_for(booking.guest)[-1] == "booking.change_accepted"
    assert kinds_for(booking.listing.owner)[-1] == "booking.change_accepted"


def test_the_history_shows_the_change_with_who_accepted_it():
    booking = booked()
    ask_change(guest=booking.guest, booking_id=booking.pk, start=MARCH(5), end=MARCH(7), guests=1, now=NOW)
    accept_change(user=booking.listing.owner, booking_id=booking.pk, now=NOW)
    last = booking.transitions.last()
    assert last.reason.startswith("Changed: 05 Mar 2027")
    assert last.by == booking.listing.owner
    change = BookingChange.objects.get()
    assert (change.status, change.answered_by) == (BookingChange.Status.ACCEPTED, booking.listing.owner)


def test_a_declined_change_leaves_the_booking_and_tells_who_asked():
    booking = booked()
    ask_change(guest=booking.guest, booking_id=booking.pk, start=MARCH(5), end=MARCH(7), guests=1, now=NOW)
    decline_change(user=booking.listing.owner, booking_id=booking.pk, reason="Cleaning that day.", now=NOW)
    booking.refresh_from_db()
    assert booking.units == 3
    assert kinds_for(booking.guest)[-1] == "booking.change_declined"
    assert BookingChange.objects.get().reason == "Cleaning that day."


def test_the_side_that_asked_can_withdraw_before_the_answer():
    booking = booked()
    ask_change(guest=booking.guest, booking_id=booking.pk, start=MARCH(5), end=MARCH(7), guests=1, now=NOW)
    withdraw_change(user=booking.guest, booking_id=booking.pk, now=NOW)
    assert BookingChange.objects.get().status == BookingChange.Status.WITHDRAWN
    # a new change may be asked once the first is closed
    ask_change(guest=booking.guest, booking_id=booking.pk, start=MARCH(6), end=MARCH(8), guests=1, now=NOW)
    assert BookingChange.objects.filter(status=BookingChange.Status.OPEN).count() == 1


def test_an_unanswered_change_expires_at_its_deadline_through_the_sweep():
    booking = booked()
    change = ask_change(guest=booking.guest, booking_id=booking.pk, start=MARCH(5), end=MARCH(7), guests=1, now=NOW)
    assert advance_due_bookings(now=change.respond_by - (change.respond_by - NOW) / 2)["changes_expired"] == 0
    counts = advance_due_bookings(now=change.respond_by)
    assert counts["changes_expired"] == 1
    change.refresh_from_db()
    assert change.status == BookingChange.Status.EXPIRED
    assert kinds_for(booking.guest)[-1] == "booking.change_expired"
    assert kinds_for(booking.listing.owner)[-1] == "booking.change_expired"
    # twice changes nothing
    assert advance_due_bookings(now=change.respond_by)["changes_expired"] == 0


def test_a_change_is_not_expired_before_its_deadline():
    booking = booked()
    change = ask_change(guest=booking.guest, booking_id=booking.pk, start=MARCH(5), end=MARCH(7), guests=1, now=NOW)
    with pytest.raises(Conflict, match="still be answered"):
        expire_change(change_id=change.pk, now=NOW)
    change.refresh_from_db()
    assert change.status == BookingChange.Status.OPEN


def test_the_answer_window_never_runs_past_the_start():
    booking = booked()
    late = booking.start - (booking.start - NOW) / 100  # a few hours before check-in
    change = ask_change(guest=booking.guest, booking_id=booking.pk, start=MARCH(5), end=MARCH(7), guests=1, now=late)
    assert change.respond_by == booking.start


def test_the_expiry_task_closes_a_change_at_its_deadline_and_skips_an_answered_one():
    from unittest import mock

    from bookings.tasks import expire_booking_change_task

    booking = booked()
    change = ask_change(guest=booking.guest, booking_id=booking.pk, start=MARCH(5), end=MARCH(7), guests=1, now=NOW)
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        assert expire_booking_change_task.call(change.pk).startswith("skipped")
    with mock.patch("django.utils.timezone.now", return_value=change.respond_by):
        assert expire_booking_change_task.call(change.pk) == "expired"
        assert expire_booking_change_task.call(change.pk) == "expired"  # twice changes nothing
    assert Notification.objects.filter(kind="booking.change_expired").count() == 2
