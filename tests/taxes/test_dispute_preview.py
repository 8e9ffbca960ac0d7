"""The desk's preview of a settlement after the release shows, on its own line, the refund's share of the taxes
that comes back out of the tax accounts (`return_taxes`), apart from what comes back out of Sharing's fee; the
confirmed settlement then moves exactly those amounts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from bookings.services.clock import release_payout, start_booking
from payments.services.host_payouts import taxes_collected
from tests.bookings.factories import NOW, confirmed_room
from tests.disputes.helpers import open_as_guest, payment_of, support_user
from tests.listings.factories import make_listing
from tests.payments.helpers import host_with_payout_account
from tests.taxes.factories import french_guest, paris_tax, vat

pytestmark = pytest.mark.django_db


def euros(minor: int) -> str:
    return f"€{Decimal(minor).scaleb(-2):,.2f}"


def _released_taxed_booking():
    vat()
    paris_tax()
    host = host_with_payout_account(settings.STRIPE_API_BASE)
    booking = confirmed_room(listing=make_listing(owner=host), guest=french_guest(), guests=2, now=NOW)
    start_booking(booking_id=booking.pk, now=booking.start)
    release_payout(booking_id=booking.pk, now=booking.payout_release_at)
    booking.refresh_from_db()
    return booking


def _row(text: str, label: str) -> str:
    """The table row whose heading starts with `label` (the whole <tr>), or "" when there is none."""
    start = text.find(f"<th>{label}")
    return text[start : text.find("</tr>", start)] if start >= 0 else ""


def test_the_preview_shows_the_taxes_given_back_apart_from_sharings_fee(client):
    booking = _released_taxed_booking()
    payment = payment_of(booking)
    collected = sum(taxes_collected(payment).values())
    fees = payment.platform_fee_amount - collected  # what Sharing kept of its own at the release
    assert collected > 0 and fees > 0
    dispute = open_as_guest(booking, now=booking.payout_release_at + timedelta(hours=1))
    client.force_login(support_user())
    url = reverse("admin:disputes_dispute_resolve", args=[dispute.pk])
    form = {"guest_refund": str(Decimal(booking.total).scaleb(-2)), "host_payout": "0", "reason": "Nothing was there."}
    text = client.post(url, form).content.decode()
    taxes_row = _row(text, "Taken back from the taxes collected at the release")
    fee_row = _row(text, "Taken back from Sharing&#x27;s fee kept at the release") or _row(
        text, "Taken back from Sharing's fee kept at the release"
    )
    # A full refund gives back every tax collected; only the rest comes out of Sharing's own fee.
    assert euros(collected) in taxes_row, taxes_row
    assert euros(fees) in fee_row, fee_row
    assert client.post(url, {**form, "confirm": "1"}).status_code == 302
    assert sum(taxes_collected(payment_of(booking)).values()) == 0  # the settlement gave back what was shown
