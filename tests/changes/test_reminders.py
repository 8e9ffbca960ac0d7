"""The side that must answer a change is reminded 12 h and 2 h before its window closes, once each, by the sweep."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookings.services.changes import accept_change, ask_change, propose_change
from bookings.services.clock import advance_due_bookings
from realtime.models import Notification
from tests.changes.helpers import MARCH, NOW, booked

pytestmark = pytest.mark.django_db
KIND = "booking.change_reminder"


def reminders_of(user) -> list[str]:
    rows = Notification.objects.filter(recipient=user, kind=KIND).order_by("pk")
    return [row.payload["message_words"]["params"]["hours"] for row in rows]


def reminded(at) -> int:
    return advance_due_bookings(now=at)["changes_reminded"]


def test_the_host_is_reminded_12_and_2_hours_before_a_guests_change_expires_once_each():
    booking = booked()
    change = ask_change(guest=booking.guest, booking_id=booking.pk, start=MARCH(5), end=MARCH(7), guests=1, now=NOW)
    closes = change.respond_by
    assert closes == NOW + timedelta(hours=24)

    assert reminded(closes - timedelta(hours=13)) == 0
    assert reminded(closes - timedelta(hours=12)) == 1
    assert reminded(closes - timedelta(hours=11)) == 0  # sent once
    assert reminded(closes - timedelta(hours=2)) == 1
    assert reminded(closes - timedelta(hours=1)) == 0

    assert reminders_of(booking.listing.owner) == ["12", "2"]
    assert reminders_of(booking.guest) == []
    message = Notification.objects.filter(kind=KIND).last().payload["message"]
    assert message == "A change of this booking waits for your answer: it lapses in 2 hours if you do not answer."


def test_the_guest_is_reminded_of_the_hosts_proposal():
    booking = booked()
    change = propose_change(host=booking.listing.owner, booking_id=booking.pk, start=MARCH(5), end=MARCH(7), guests=1)
    # proposed "now" (the real clock); the sweep runs at the window's moments
    assert reminded(change.respond_by - timedelta(hours=12)) == 1
    assert reminders_of(booking.guest) == ["12"] and reminders_of(booking.listing.owner) == []


def test_a_sweep_that_missed_the_12_hour_reminder_sends_only_the_2_hour_one():
    booking = booked()
    change = ask_change(guest=booking.guest, booking_id=booking.pk, start=MARCH(5), end=MARCH(7), guests=1, now=NOW)
    assert reminded(change.respond_by - timedelta(minutes=90)) == 1
    assert reminded(change.respond_by - timedelta(minutes=30)) == 0
    assert reminders_of(booking.listing.owner) == ["2"]


def test_an_answered_change_is_not_reminded():
    booking = booked()
    change = ask_change(guest=booking.guest, booking_id=booking.pk, start=MARCH(5), end=MARCH(7), guests=1, now=NOW)
    accept_change(user=booking.listing.owner, booking_id=booking.pk, now=NOW)
    assert reminded(change.respond_by - timedelta(hours=12)) == 0
    assert reminded(change.respond_by - timedelta(hours=2)) == 0
    assert reminders_of(booking.listing.owner) == []
