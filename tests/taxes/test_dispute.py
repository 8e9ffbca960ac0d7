"""A dispute's settlement refunding part of a booking gives back each tax's share of the refund and collects
the rest of it into the tax accounts; `ledger_check` stays clean (the conftest's fixture)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings

from disputes import services
from payments.ledger import balance
from taxes.rules import share_back
from tests.bookings.factories import NOW, confirmed_room
from tests.disputes.helpers import open_as_guest, payment_of, support_user
from tests.listings.factories import make_listing
from tests.payments.helpers import host_with_payout_account
from tests.taxes.factories import french_guest, paris_tax, vat

pytestmark = pytest.mark.django_db


def _taxed_paid_booking():
    vat()
    paris_tax()
    host = host_with_payout_account(settings.STRIPE_API_BASE)
    return confirmed_room(listing=make_listing(owner=host), guest=french_guest(), guests=2, now=NOW)


def test_a_partial_refund_collects_each_tax_less_the_refunds_share():
    booking = _taxed_paid_booking()
    dispute = open_as_guest(booking)
    refund = booking.total // 3
    payout = booking.host_payout // 2
    services.resolve_dispute(
        staff=support_user(),
        dispute_id=dispute.pk,
        guest_refund=refund,
        host_payout=payout,
        reason="Half the stay had no hot water.",
        now=booking.start + timedelta(hours=3),
    )
    reference = f"booking:{booking.pk}"
    vat_kept = booking.vat - share_back(booking.vat, refund, booking.total)
    occupancy_kept = booking.occupancy_tax - share_back(booking.occupancy_tax, refund, booking.total)
    assert balance("tax:vat:FR", currency="EUR", reference=reference) == vat_kept
    assert balance("tax:occupancy:FR:Paris", currency="EUR", reference=reference) == occupancy_kept
    payment = payment_of(booking)
    assert payment.escrow_amount == 0
    assert payment.host_payout_amount == payout
    assert payment.refunded_amount == refund


def test_a_full_refund_by_the_desk_collects_no_tax():
    booking = _taxed_paid_booking()
    dispute = open_as_guest(booking)
    services.resolve_dispute(
        staff=support_user(),
        dispute_id=dispute.pk,
        guest_refund=booking.total,
        host_payout=0,
        reason="The room was not there.",
        now=booking.start + timedelta(hours=3),
    )
    assert balance("tax:vat:FR", currency="EUR") == 0
    assert balance("tax:occupancy:FR:Paris", currency="EUR") == 0
    assert payment_of(booking).escrow_amount == 0


def test_when_the_desk_leaves_less_than_the_taxes_the_release_collects_only_what_is_left():
    booking = _taxed_paid_booking()
    dispute = open_as_guest(booking)
    refund = booking.total - booking.host_payout - 100  # Sharing is left with 1.00 EUR beside the host's payout
    services.resolve_dispute(
        staff=support_user(),
        dispute_id=dispute.pk,
        guest_refund=refund,
        host_payout=booking.host_payout,
        reason="A refund of everything but the host's share.",
        now=booking.start + timedelta(hours=3),
    )
    reference = f"booking:{booking.pk}"
    accounts = ("tax:vat:FR", "tax:occupancy:FR:Paris", "tax:host_vat:FR")
    collected = sum(balance(account, currency="EUR", reference=reference) for account in accounts)
    assert collected == 100
    assert payment_of(booking).escrow_amount == 0
