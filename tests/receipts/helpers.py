"""Builders for the receipts tests: paid bookings in EUR and JPY, their ledger movements, PDF text."""

from __future__ import annotations

import subprocess

from bookings.models import Booking
from bookings.money import booking_reference
from listings.models import ListingKind
from payments.models import ESCROW, GUEST_FUNDING, REFUNDS_PAID, LedgerTransaction
from tests.bookings.factories import confirmed_room
from tests.listings.factories import make_listing

TOKYO = {
    "title": "東京の静かな部屋",
    "address": "1-1 Shibuya, Tokyo",
    "city": "Tokyo",
    "country_code": "JP",
    "latitude": 35.6595,
    "longitude": 139.7005,
    "time_zone": "Asia/Tokyo",
    "currency": "JPY",
    "unit_price": 12000,
    "fee_amount": 3000,
}


def paid_paris_room(**fields) -> Booking:
    """A Paris room, 3 nights at 80.00 EUR + 20.00 EUR cleaning, accepted and charged."""
    return confirmed_room(**fields)


def paid_tokyo_room(*, owner=None, guest=None) -> Booking:
    """A Tokyo room priced in JPY (no decimals), 3 nights at 12,000 JPY + 3,000 JPY cleaning, charged."""
    listing = make_listing(kind=ListingKind.ROOM, owner=owner, **TOKYO) if owner else make_listing(**TOKYO)
    return confirmed_room(listing=listing, guest=guest) if guest else confirmed_room(listing=listing)


def capture_of(booking: Booking) -> LedgerTransaction:
    return LedgerTransaction.objects.get(
        reference=booking_reference(booking.pk), entries__account=GUEST_FUNDING, entries__amount__lt=0
    )


def refund_of(booking: Booking) -> LedgerTransaction:
    return LedgerTransaction.objects.get(
        reference=booking_reference(booking.pk), entries__account=REFUNDS_PAID, entries__amount__gt=0
    )


def escrow_in(ledger_tx: LedgerTransaction) -> int:
    return ledger_tx.entries.get(account=ESCROW).amount


def pdf_text(pdf: bytes) -> str:
    """What poppler's pdftotext reads in the PDF (layout kept, so a row's cells stay on one line)."""
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode("utf-8")
