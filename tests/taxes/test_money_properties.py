"""End to end money properties with every tax, in a currency without decimals (JPY) and one with two (EUR).

Each example books a Paris room (France's VAT on the guest's fee, Germany's on the host's: the host lives
there, Paris's tourist tax by percentage) through the Stripe harness, then completes or cancels it (before
the start, or after the payout was released: the claw-back path). What was charged always equals what was
refunded plus what the host, Sharing and the tax accounts kept, per currency; each tax account holds
exactly the taxes the booking kept; and `ledger_check` finds nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.models import Booking, BookingStatus
from bookings.services.cancellations import cancel_by_guest, cancel_by_host
from bookings.services.clock import complete_booking, release_payout, start_booking
from listings.models import CancellationPolicy
from payments.ledger import balance, check_ledger
from payments.models import PLATFORM_FEES, Payment
from taxes.models import OccupancyTax, VatRate
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.promotions.factories import book_room

ACCOUNTS = ("tax:vat:FR", "tax:host_vat:DE", "tax:occupancy:FR:Paris")
OUTCOMES = st.sampled_from(["completed", "guest_cancels_before", "guest_cancels_during", "host_cancels"])


def _rates() -> None:
    """Created once per test: hypothesis runs its examples in one transaction, and rates never overlap."""
    since = date(2026, 1, 1)
    if not VatRate.objects.exists():
        VatRate.objects.create(country="FR", rate=Decimal("20"), valid_from=since)
        VatRate.objects.create(country="DE", rate=Decimal("19"), valid_from=since)
        OccupancyTax.objects.create(country="FR", city="Paris", percent=Decimal("5.5"), valid_from=since)


@pytest.mark.django_db
@given(
    currency=st.sampled_from(["JPY", "EUR"]),
    unit_price=st.integers(2_000, 40_000),
    fee=st.integers(0, 3_000),
    policy=st.sampled_from(list(CancellationPolicy.values)),
    outcome=OUTCOMES,
    days_before=st.sampled_from([20, 6, 3, 0]),
)
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_charges_taxes_refunds_and_payouts_sum_per_currency_and_the_tax_accounts_hold_the_taxes_kept(
    currency, unit_price, fee, policy, outcome, days_before
):
    _rates()
    host = make_user(country="DE")
    listing = make_listing(
        owner=host, currency=currency, unit_price=unit_price, fee_amount=fee, cancellation_policy=policy
    )
    listing.instant_book = True
    listing.save(update_fields=["instant_book"])
    guest = make_user(country="FR")
    booking = book_room(listing=listing, guest=guest)
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.vat > 0 and booking.host_vat > 0 and booking.occupancy_tax > 0
    if outcome == "completed":
        start_booking(booking_id=booking.pk, now=booking.start)
        complete_booking(booking_id=booking.pk, now=booking.end)
        release_payout(booking_id=booking.pk, now=booking.end)
    elif outcome == "guest_cancels_before":
        cancel_by_guest(guest=guest, booking_id=booking.pk, now=booking.start - timedelta(days=days_before, hours=1))
    elif outcome == "guest_cancels_during":
        # After the payout was released (24 h after the start): the taxes' share comes back from the tax accounts.
        start_booking(booking_id=booking.pk, now=booking.start)
        release_payout(booking_id=booking.pk, now=booking.start + timedelta(hours=24))
        cancel_by_guest(guest=guest, booking_id=booking.pk, now=booking.start + timedelta(hours=30))
    else:
        cancel_by_host(host=host, booking_id=booking.pk, now=booking.start - timedelta(days=1))
    booking = Booking.objects.get(pk=booking.pk)
    if booking.payout_released_at is None and booking.payout_amount > 0 and booking.payout_release_at is not None:
        release_payout(booking_id=booking.pk, now=booking.payout_release_at)

    reference = f"booking:{booking.pk}"
    payment = Payment.objects.get(reference=reference)
    assert payment.currency == currency and payment.captured_amount == booking.total
    assert payment.escrow_amount == 0  # everything went somewhere
    kept = booking.taxes_kept()
    in_accounts = {account: balance(account, currency=currency, reference=reference) for account in ACCOUNTS}
    assert in_accounts == {account: kept.get(account, 0) for account in ACCOUNTS}
    fees = balance(PLATFORM_FEES, currency=currency, reference=reference)
    if booking.refund_amount is not None:
        assert payment.refunded_amount == booking.refund_amount
        assert payment.host_payout_amount == booking.host_payout_after_cancellation
        assert fees + sum(kept.values()) == booking.platform_keeps
    else:
        assert payment.host_payout_amount == booking.host_payout
        assert fees == booking.guest_service_fee + booking.host_service_fee
    taxes = sum(in_accounts.values())
    assert booking.total == payment.refunded_amount + payment.host_payout_amount + fees + taxes
    assert check_ledger() == []
