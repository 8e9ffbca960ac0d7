"""Taxes collected with the payment go to their own ledger accounts when the escrow is released, and refunds
give back the right share of them; `ledger_check` stays clean throughout (the conftest's fixture)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings

from bookings.models import Booking
from bookings.pricing import apply_bps
from bookings.services.cancellations import cancel_by_guest, cancel_by_host
from bookings.services.clock import complete_booking, release_payout, start_booking
from listings.models import CancellationPolicy
from payments.ledger import balance, check_ledger
from payments.models import PLATFORM_FEES, Payment
from tests.bookings.factories import CHECK_IN, NOW, confirmed_room
from tests.listings.factories import make_listing
from tests.payments.helpers import host_with_payout_account
from tests.taxes.factories import french_guest, paris_tax, vat

pytestmark = pytest.mark.django_db


def _paris_booking(policy: str = CancellationPolicy.MODERATE, nights: int = 3) -> Booking:
    vat()
    paris_tax()
    host = host_with_payout_account(settings.STRIPE_API_BASE)
    listing = make_listing(owner=host, cancellation_policy=policy)
    check_out = CHECK_IN + timedelta(days=nights)
    return confirmed_room(listing=listing, guest=french_guest(), guests=2, check_in=CHECK_IN, check_out=check_out)


def _reference(booking: Booking) -> str:
    return f"booking:{booking.pk}"


def test_the_booking_freezes_vat_on_the_service_fee_and_the_paris_tax_per_person_per_night():
    booking = _paris_booking()
    assert booking.vat == apply_bps(booking.guest_service_fee, 2000)
    assert (booking.vat_country, booking.vat_rate) == ("FR", 20_000)
    assert booking.occupancy_tax == 288 * 2 * 3
    assert booking.occupancy_place == "FR:Paris"
    assert booking.total == (
        booking.subtotal + booking.fee + booking.guest_service_fee + booking.vat + booking.occupancy_tax
    )
    assert Payment.objects.get(reference=_reference(booking)).captured_amount == booking.total


def test_nothing_reaches_the_tax_accounts_before_the_payout_is_released():
    booking = _paris_booking()
    assert balance("tax:vat:FR", currency="EUR") == 0
    assert balance("tax:occupancy:FR:Paris", currency="EUR") == 0
    assert booking.payout_released_at is None


def test_the_release_puts_each_tax_in_its_account_and_the_fees_in_sharings():
    booking = _paris_booking()
    start_booking(booking_id=booking.pk, now=booking.start)
    complete_booking(booking_id=booking.pk, now=booking.end)
    release_payout(booking_id=booking.pk, now=booking.end)
    reference = _reference(booking)
    assert balance("tax:vat:FR", currency="EUR", reference=reference) == booking.vat
    assert balance("tax:occupancy:FR:Paris", currency="EUR", reference=reference) == booking.occupancy_tax
    fees = booking.guest_service_fee + booking.host_service_fee
    assert balance(PLATFORM_FEES, currency="EUR", reference=reference) == fees
    payment = Payment.objects.get(reference=reference)
    assert payment.escrow_amount == 0
    assert payment.host_payout_amount == booking.host_payout
    assert check_ledger() == []


def test_a_host_cancellation_gives_every_tax_back_and_collects_none():
    booking = _paris_booking()
    cancel_by_host(host=booking.listing.owner, booking_id=booking.pk, now=NOW + timedelta(days=1))
    booking.refresh_from_db()
    assert booking.refund_amount == booking.total
    assert (booking.vat_refunded, booking.occupancy_tax_refunded) == (booking.vat, booking.occupancy_tax)
    assert booking.taxes_kept() == {}
    assert balance("tax:occupancy:FR:Paris", currency="EUR") == 0


def test_a_late_guest_cancellation_keeps_vat_and_the_tax_on_the_nights_the_guest_still_pays_for():
    booking = _paris_booking(CancellationPolicy.MODERATE)
    # Moderate, 2 days before the start: half of the nights' price comes back, fees are kept.
    cancel_by_guest(guest=booking.guest, booking_id=booking.pk, now=booking.start - timedelta(days=2))
    booking.refresh_from_db()
    nights_refunded = apply_bps(booking.subtotal, 5000)
    host_side = booking.subtotal + booking.fee
    occupancy_back = (2 * booking.occupancy_tax * nights_refunded + host_side) // (2 * host_side)
    assert booking.vat_refunded == 0
    assert booking.occupancy_tax_refunded == occupancy_back
    assert booking.refund_amount == nights_refunded + occupancy_back
    assert booking.total == booking.refund_amount + booking.host_payout_after_cancellation + booking.platform_keeps

    release_payout(booking_id=booking.pk, now=booking.payout_release_at)
    reference = _reference(booking)
    assert balance("tax:vat:FR", currency="EUR", reference=reference) == booking.vat
    assert balance("tax:occupancy:FR:Paris", currency="EUR", reference=reference) == (
        booking.occupancy_tax - occupancy_back
    )
    assert Payment.objects.get(reference=reference).escrow_amount == 0
    assert check_ledger() == []


def test_a_booking_without_rates_has_no_tax_lines_and_no_tax_accounts():
    host = host_with_payout_account(settings.STRIPE_API_BASE)
    booking = confirmed_room(listing=make_listing(owner=host), guest=french_guest())
    assert (booking.vat, booking.occupancy_tax) == (0, 0)
    start_booking(booking_id=booking.pk, now=booking.start)
    complete_booking(booking_id=booking.pk, now=booking.end)
    release_payout(booking_id=booking.pk, now=booking.end)
    assert not [row for row in check_ledger()]
    assert balance("tax:vat:FR", currency="EUR") == 0


def test_a_cancellation_after_the_payout_keeps_the_books_balanced():
    booking = _paris_booking(CancellationPolicy.FLEXIBLE, nights=6)
    start_booking(booking_id=booking.pk, now=booking.start)
    release_payout(booking_id=booking.pk, now=booking.payout_release_at)
    # Flexible, during the stay: the nights not yet begun come back except the next one, with their tourist tax.
    cancel_by_guest(guest=booking.guest, booking_id=booking.pk, now=booking.start + timedelta(hours=30))
    booking.refresh_from_db()
    assert booking.occupancy_tax_refunded > 0 and booking.vat_refunded == 0
    payment = Payment.objects.get(reference=_reference(booking))
    assert payment.refunded_amount == booking.refund_amount
    assert payment.escrow_amount == 0
    assert check_ledger() == []
