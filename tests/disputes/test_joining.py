"""A new grievance about a booking joins its open dispute instead of being refused; with none open, one opens."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookings.models import BookingStatus
from core.errors import Conflict, NotFound
from disputes import services
from disputes.joining import join_open_dispute
from disputes.models import Category, Dispute, DisputeStatus
from tests.conftest import make_user
from tests.disputes.helpers import open_as_guest, paid_booking, support_user

pytestmark = pytest.mark.django_db


def _join(booking, user, *, now):
    return join_open_dispute(
        user=user, booking_id=booking.pk, category=Category.PAYMENT, description="The extra charge is wrong.", now=now
    )


def test_with_no_dispute_open_the_grievance_opens_one():
    booking = paid_booking()
    joined = _join(booking, booking.guest, now=booking.start + timedelta(hours=1))
    assert joined.opened and joined.dispute.category == Category.PAYMENT
    booking.refresh_from_db()
    assert booking.status == BookingStatus.DISPUTED


def test_the_other_party_joins_the_open_dispute_instead_of_being_refused():
    booking = paid_booking()
    now = booking.start + timedelta(hours=2)
    first = open_as_guest(booking, now=now)
    with pytest.raises(Conflict, match="already open"):
        services.open_dispute(
            user=booking.listing.owner, booking_id=booking.pk, category=Category.DAMAGE, description="Dent.", now=now
        )
    joined = _join(booking, booking.listing.owner, now=now)
    assert (joined.opened, joined.dispute.pk) == (False, first.pk)
    assert Dispute.objects.count() == 1


def test_joining_hands_a_dispute_waiting_for_evidence_back_to_the_desk():
    booking = paid_booking()
    now = booking.start + timedelta(hours=2)
    dispute = open_as_guest(booking, now=now)
    services.request_more_evidence(
        staff=support_user(), dispute_id=dispute.pk, message="Photos?", deadline=now + timedelta(days=1), now=now
    )
    _join(booking, booking.guest, now=now)
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.OPEN


def test_a_stranger_cannot_join_or_open_a_dispute_on_someone_elses_booking():
    booking = paid_booking()
    now = booking.start + timedelta(hours=2)
    open_as_guest(booking, now=now)
    with pytest.raises(NotFound):
        _join(booking, make_user(), now=now)
    with pytest.raises(NotFound):
        _join(paid_booking(), make_user(), now=now)
    assert Dispute.objects.count() == 1
