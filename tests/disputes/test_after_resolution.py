"""After a resolution: the dispute's split is final, so the booking's cancellation policy no longer applies."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookings.models import BookingStatus
from bookings.services.cancellations import cancel_by_guest, cancel_by_host
from bookings.services.clock import start_booking
from core.errors import Conflict
from disputes import services
from tests.disputes.helpers import open_as_guest, paid_booking, payment_of, support_user

pytestmark = pytest.mark.django_db


def resolved_during_the_stay(refund: int, payout: int):
    booking = paid_booking()
    start_booking(booking_id=booking.pk, now=booking.start)
    dispute = open_as_guest(booking)
    services.resolve_dispute(
        staff=support_user(),
        dispute_id=dispute.pk,
        guest_refund=refund,
        host_payout=payout,
        reason="The heating failed for two nights.",
        now=booking.start + timedelta(hours=3),
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.IN_PROGRESS
    return booking


def money(booking) -> tuple[int, int, int, int]:
    payment = payment_of(booking)
    return payment.refunded_amount, payment.host_payout_amount, payment.platform_fee_amount, payment.escrow_amount


@pytest.mark.parametrize("side", ["guest", "host"])
@pytest.mark.parametrize(("refund", "payout"), [(12_000, 14_000), (0, 0)])
def test_neither_side_can_cancel_a_booking_a_dispute_settled_and_no_money_moves(side, refund, payout):
    # Before the fix the guest's cancellation refunded the policy's amount on top of the split (or
    # failed half-way with a message in cents), and the host's gave the guest everything back.
    booking = resolved_during_the_stay(refund, payout)
    before = money(booking)
    later = booking.start + timedelta(hours=4)
    with pytest.raises(Conflict) as refused:
        if side == "guest":
            cancel_by_guest(guest=booking.guest, booking_id=booking.pk, now=later)
        else:
            cancel_by_host(host=booking.listing.owner, booking_id=booking.pk, now=later)
    assert refused.value.code == "settled_by_dispute"
    assert "dispute already settled this booking's money" in refused.value.message
    booking.refresh_from_db()
    assert booking.status == BookingStatus.IN_PROGRESS
    assert money(booking) == before


def test_the_booking_page_offers_no_cancellation_nor_refund_once_a_dispute_settled_it(client):
    booking = resolved_during_the_stay(12_000, 14_000)
    client.force_login(booking.guest)
    page = client.get(booking.get_absolute_url()).content.decode()
    assert "it can no longer be cancelled" in page
    assert "If you cancel now" not in page
    assert "Cancel booking" not in page


def test_a_booking_never_disputed_still_shows_its_refund_and_cancel_button(client):
    booking = paid_booking()
    client.force_login(booking.guest)
    page = client.get(booking.get_absolute_url()).content.decode()
    assert "If you cancel now you get back" in page
    assert "Cancel booking" in page
    assert "it can no longer be cancelled" not in page


def test_the_booking_page_says_the_earlier_dispute_is_decided_when_offering_a_new_one(client):
    booking = resolved_during_the_stay(12_000, 14_000)
    client.force_login(booking.listing.owner)

    page = client.get(booking.get_absolute_url()).content.decode()

    assert "Report a new problem (the earlier dispute is decided)" in page
    assert "Report a problem (open a dispute)" not in page
