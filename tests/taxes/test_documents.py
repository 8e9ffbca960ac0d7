"""The guest's receipt (PDF) shows the tax lines; the host's monthly statement has a Taxes column."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.conf import settings
from freezegun import freeze_time

from bookings.services.clock import release_payout, start_booking
from receipts.models import Document, DocumentFile
from receipts.services import deliver, issue_statement
from receipts.tasks import issue_receipt_task
from tests.bookings.factories import confirmed_room
from tests.listings.factories import make_listing
from tests.payments.helpers import host_with_payout_account
from tests.receipts.helpers import capture_of, pdf_text
from tests.taxes.factories import french_guest, paris_tax, vat

pytestmark = pytest.mark.django_db


def _lines(document: Document) -> list[str]:
    text = pdf_text(bytes(DocumentFile.objects.get(document=document).pdf))
    return [" ".join(line.split()) for line in text.splitlines()]


def _paris_booking(host=None):
    vat()
    paris_tax()
    listing = make_listing(owner=host) if host else make_listing()
    return confirmed_room(listing=listing, guest=french_guest(), guests=2)


def test_the_receipt_pdf_lists_vat_and_the_tourist_tax_before_the_total():
    booking = _paris_booking()
    issue_receipt_task.call(capture_of(booking).pk)
    receipt = Document.objects.get(booking=booking)
    deliver(document_id=receipt.pk)
    lines = _lines(receipt)
    assert f"VAT 20 % on Sharing's service fee (FR) €{booking.vat / 100:.2f}" in lines
    assert "Tourist tax (Paris) €17.28" in lines
    assert f"Total of the booking €{booking.total / 100:.2f}" in lines
    assert receipt.total == booking.total


def test_the_hosts_statement_shows_the_taxes_collected_apart_from_sharings_fees():
    host = host_with_payout_account(settings.STRIPE_API_BASE)
    with freeze_time("2027-03-01 08:00:00", tick=True):
        booking = _paris_booking(host)
    with freeze_time("2027-03-06 12:00:00", tick=True):
        start_booking(booking_id=booking.pk, now=booking.start)
        release_payout(booking_id=booking.pk, now=booking.payout_release_at)
    statement = issue_statement(host_id=host.pk, month=date(2027, 3, 1), now=datetime(2027, 4, 2, 9, tzinfo=UTC))
    deliver(document_id=statement.pk)
    lines = _lines(statement)
    assert "Date Booking Guest paid Sharing's fees Taxes Host fee VAT Your earnings" in lines
    fees = booking.guest_service_fee + booking.host_service_fee
    taxes = booking.vat + booking.occupancy_tax
    assert booking.host_vat > 0  # the host lives where the listing is: France's VAT on Sharing's host fee
    row = (
        f"2027-03-06 #{booking.pk} A room to share €{booking.total / 100:.2f} -€{fees / 100:.2f} "
        f"-€{taxes / 100:.2f} -€{booking.host_vat / 100:.2f} €{booking.host_payout / 100:.2f}"
    )
    assert row in lines
