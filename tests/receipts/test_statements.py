"""A host's monthly statement (PDF and CSV): bookings paid out to their balance with Sharing's fees, and payouts."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
from django.conf import settings
from freezegun import freeze_time

from bookings.models import Booking
from bookings.services.clock import release_payout, start_booking
from core.errors import DomainError
from receipts.models import Document, DocumentFile, Kind
from receipts.render import render_csv
from receipts.services import deliver, issue_due_documents, issue_statement
from tests.payments.helpers import host_with_payout_account
from tests.receipts.helpers import paid_paris_room, paid_tokyo_room, pdf_text

pytestmark = pytest.mark.django_db

MARCH = date(2027, 3, 1)
APRIL_2ND = datetime(2027, 4, 2, 9, 0, tzinfo=UTC)


def paid_out_in_march(booking: Booking) -> Booking:
    """The stay starts and the host's share is released and transferred, all in March 2027 (the ledger's clock)."""
    with freeze_time("2027-03-06 12:00:00", tick=True):
        start_booking(booking_id=booking.pk, now=booking.start)
        return release_payout(booking_id=booking.pk, now=booking.payout_release_at)


def squeezed(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines()]


def test_a_eur_statement_shows_what_the_guest_paid_the_fees_the_earnings_and_the_payout():
    host = host_with_payout_account(settings.STRIPE_API_BASE)
    with freeze_time("2027-03-01 08:00:00", tick=True):
        booking = paid_paris_room(owner=host)
    paid_out_in_march(booking)
    fees = booking.total - booking.host_payout

    statement = issue_statement(host_id=host.pk, month=MARCH, now=APRIL_2ND)
    deliver(document_id=statement.pk)

    assert (statement.kind, statement.display_number, statement.recipient) == (Kind.STATEMENT, "S-000001", host)
    lines = squeezed(pdf_text(bytes(DocumentFile.objects.get(document=statement).pdf)))
    assert "Monthly statement" in lines
    assert "Month 2027-03" in lines
    earnings = f"€{booking.host_payout / 100:.2f}"
    # No tax rate is set in this test: the Taxes and Host fee VAT columns read nothing.
    earned = f"2027-03-06 #{booking.pk} A room to share €291.20 -€{fees / 100:.2f} €0.00 €0.00 {earnings}"
    assert earned in lines
    assert f"2027-03-06 #{booking.pk} A room to share {earnings}" in lines  # the payout
    assert f"Paid out to you (EUR) {earnings}" in lines
    assert "Still owed to you at the month's end (EUR) €0.00" in lines


def test_a_jpy_statement_reads_whole_yen_and_its_csv_has_plain_figures():
    host = host_with_payout_account(settings.STRIPE_API_BASE, country="JP")
    with freeze_time("2027-03-01 08:00:00", tick=True):
        booking = paid_tokyo_room(owner=host)
    paid_out_in_march(booking)
    fees = booking.total - booking.host_payout

    statement = issue_statement(host_id=host.pk, month=MARCH, now=APRIL_2ND)
    deliver(document_id=statement.pk)

    text = pdf_text(bytes(DocumentFile.objects.get(document=statement).pdf))
    lines = squeezed(text)
    title = f"#{booking.pk} 東京の静かな部屋"
    assert f"2027-03-06 {title} ¥{booking.total:,} -¥{fees:,} ¥0 ¥0 ¥{booking.host_payout:,}" in lines
    assert f"Paid out to you (JPY) ¥{booking.host_payout:,}" in lines
    assert not re.search(r"¥[\d,]+\.\d", text)  # whole yen, never "¥36,000.00"
    rows = list(csv.reader(io.StringIO(render_csv(statement))))
    assert [
        "Bookings paid out to your balance",
        "2027-03-06",
        title,
        str(booking.total),
        str(-fees),
        "0",
        "0",
        str(booking.host_payout),
        "JPY",
    ] in rows


def test_a_statement_waits_for_the_end_of_its_month():
    host = host_with_payout_account(settings.STRIPE_API_BASE)

    with pytest.raises(DomainError, match="not over yet"):
        issue_statement(host_id=host.pk, month=MARCH, now=datetime(2027, 3, 31, 23, 0, tzinfo=UTC))

    assert not Document.objects.exists()


def test_the_sweep_issues_last_months_statement_once_per_host():
    host = host_with_payout_account(settings.STRIPE_API_BASE)
    with freeze_time("2027-03-01 08:00:00", tick=True):
        booking = paid_paris_room(owner=host)
    paid_out_in_march(booking)

    first = issue_due_documents(now=APRIL_2ND)
    second = issue_due_documents(now=APRIL_2ND)

    assert (first["statements"], second["statements"]) == (1, 0)
    statement = Document.objects.get(kind=Kind.STATEMENT)
    assert (statement.recipient, statement.period_start) == (host, MARCH)
    assert statement.file is not None  # rendered and sent by the same sweep
