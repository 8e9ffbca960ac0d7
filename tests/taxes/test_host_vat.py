"""VAT on Sharing's host fee by the host's country: frozen on the booking, out of the host's payout, collected
into tax:host_vat:<country> at the release; a refund after the payout gives the taxes' share back out of the
tax accounts (never out of the host's share or Sharing's fees). `ledger_check` runs after each (conftest)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings

from bookings.models import Booking
from bookings.services.cancellations import cancel_by_guest
from bookings.services.clock import release_payout, start_booking
from disputes import services as desk
from listings.models import CancellationPolicy
from payments.ledger import balance, check_ledger
from payments.models import PLATFORM_FEES, Payment
from taxes.rules import percent_of, share_back
from tests.bookings.factories import CHECK_IN, confirmed_room
from tests.disputes.helpers import open_as_guest, support_user
from tests.listings.factories import make_listing
from tests.payments.helpers import host_with_payout_account
from tests.taxes.factories import french_guest, paris_tax, vat

pytestmark = pytest.mark.django_db
ACCOUNTS = ("tax:vat:FR", "tax:occupancy:FR:Paris", "tax:host_vat:DE")


def _german_hosts_paris_room(nights: int = 6) -> Booking:
    """A Paris room (France's VAT for the French guest, Paris's tourist tax) whose host lives in Germany (19 %)."""
    vat("FR", "20")
    vat("DE", "19")
    paris_tax()
    host = host_with_payout_account(settings.STRIPE_API_BASE, country="DE")
    listing = make_listing(owner=host, cancellation_policy=CancellationPolicy.FLEXIBLE)
    check_out = CHECK_IN + timedelta(days=nights)
    return confirmed_room(listing=listing, guest=french_guest(), guests=2, check_in=CHECK_IN, check_out=check_out)


def _released(booking: Booking) -> Booking:
    start_booking(booking_id=booking.pk, now=booking.start)
    release_payout(booking_id=booking.pk, now=booking.payout_release_at)
    booking.refresh_from_db()
    return booking


def _in_tax_accounts(booking: Booking) -> dict[str, int]:
    reference = f"booking:{booking.pk}"
    return {account: balance(account, currency="EUR", reference=reference) for account in ACCOUNTS}


def test_the_host_fee_vat_follows_the_hosts_country_and_comes_out_of_the_payout_not_the_total():
    booking = _german_hosts_paris_room()
    assert (booking.host_vat_country, booking.host_vat_rate) == ("DE", 19_000)
    assert booking.host_vat == percent_of(booking.host_service_fee, 19_000) > 0
    host_side = booking.subtotal - booking.discount + booking.fee
    assert booking.host_payout == host_side - booking.host_service_fee - booking.host_vat
    assert booking.total == host_side + booking.guest_service_fee + booking.vat + booking.occupancy_tax


def test_the_release_collects_the_host_fee_vat_in_its_own_account():
    booking = _released(_german_hosts_paris_room())
    assert _in_tax_accounts(booking) == {
        "tax:vat:FR": booking.vat,
        "tax:occupancy:FR:Paris": booking.occupancy_tax,
        "tax:host_vat:DE": booking.host_vat,
    }
    reference = f"booking:{booking.pk}"
    fees = booking.guest_service_fee + booking.host_service_fee
    assert balance(PLATFORM_FEES, currency="EUR", reference=reference) == fees
    assert Payment.objects.get(reference=reference).host_payout_amount == booking.host_payout


def test_a_cancellation_after_the_payout_takes_the_taxes_share_back_from_the_tax_accounts():
    booking = _released(_german_hosts_paris_room())
    # Flexible, during the stay: the nights not yet begun come back except the next one, with their tourist tax.
    cancel_by_guest(guest=booking.guest, booking_id=booking.pk, now=booking.start + timedelta(hours=30))
    booking.refresh_from_db()
    assert booking.occupancy_tax_refunded > 0 and booking.host_vat_refunded > 0
    kept = booking.taxes_kept()
    assert _in_tax_accounts(booking) == {account: kept.get(account, 0) for account in ACCOUNTS}
    reference = f"booking:{booking.pk}"
    payment = Payment.objects.get(reference=reference)
    # Sharing keeps its fees on what the guest still pays for, the host their share: nothing paid the taxes back.
    assert balance(PLATFORM_FEES, currency="EUR", reference=reference) == booking.platform_keeps - sum(kept.values())
    assert payment.host_payout_amount == booking.host_payout_after_cancellation
    assert payment.refunded_amount == booking.refund_amount and payment.escrow_amount == 0
    assert check_ledger() == []


def test_a_desk_refund_after_the_payout_takes_each_taxes_share_back_from_its_account():
    booking = _released(_german_hosts_paris_room())
    collected = _in_tax_accounts(booking)
    refund = booking.total // 2
    dispute = open_as_guest(booking, now=booking.start + timedelta(hours=26))
    desk.resolve_dispute(
        staff=support_user(),
        dispute_id=dispute.pk,
        guest_refund=refund,
        host_payout=booking.host_payout // 2,
        reason="Half the stay without heating.",
        now=booking.start + timedelta(hours=27),
    )
    assert _in_tax_accounts(booking) == {
        account: paid - share_back(paid, refund, booking.total) for account, paid in collected.items()
    }
    assert Payment.objects.get(reference=f"booking:{booking.pk}").refunded_amount == refund
    assert check_ledger() == []


def test_a_desk_settlement_needing_more_than_sharings_fees_takes_the_rest_from_the_taxes_not_other_fees():
    booking = _released(_german_hosts_paris_room())
    dispute = open_as_guest(booking, now=booking.start + timedelta(hours=26))
    # The host keeps everything but a small refund: more than Sharing's fees on the booking must come back.
    desk.resolve_dispute(
        staff=support_user(),
        dispute_id=dispute.pk,
        guest_refund=100,
        host_payout=booking.total - 100,
        reason="A small goodwill refund; the host keeps the rest.",
        now=booking.start + timedelta(hours=27),
    )
    reference = f"booking:{booking.pk}"
    assert balance(PLATFORM_FEES, currency="EUR", reference=reference) == 0
    assert _in_tax_accounts(booking) == dict.fromkeys(ACCOUNTS, 0)
    assert Payment.objects.get(reference=reference).host_payout_amount == booking.total - 100
    assert check_ledger() == []
