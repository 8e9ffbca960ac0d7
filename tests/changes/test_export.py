"""A person's data export holds the changes of their bookings, for the guest and the host alike."""

from __future__ import annotations

import json

import pytest

from bookings.services.changes import ask_change
from personaldata.archive import build_archive
from tests.changes.helpers import MARCH, NOW, booked
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_the_export_of_both_sides_holds_the_change_and_a_strangers_does_not():
    booking = booked()
    change = ask_change(guest=booking.guest, booking_id=booking.pk, start=MARCH(5), end=MARCH(7), guests=1, now=NOW)
    for person in (booking.guest, booking.listing.owner):
        rows = json.loads(build_archive(person))["booking_changes"]
        assert [(row["id"], row["status"], row["total"]) for row in rows] == [(change.pk, "open", change.total)]
        assert "payment_id" not in rows[0]
    assert json.loads(build_archive(make_user()))["booking_changes"] == []
