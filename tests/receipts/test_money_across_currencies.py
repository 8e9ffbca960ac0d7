"""Receipts and host statements in currencies with 0 and 2 decimals (JPY, KRW, EUR, USD): every figure exact,
in minor units on the document and as the site's formatter prints it in the PDF, and the totals add up.

Each stay is 3 nights plus a cleaning fee; Sharing's 12 % guest fee and 3 % host fee by its one rounding.
No country settles KRW (Stripe opens no accounts in Korea), so a won stay has a receipt but no statement.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from django.conf import settings
from freezegun import freeze_time

from bookings.models import Booking
from bookings.services.clock import release_payout, start_booking
from core.money import format_money, to_major
from receipts.models import Document, DocumentFile, Kind
from receipts.render import render_csv
from receipts.services import deliver, issue_statement
from receipts.tasks import issue_receipt_task
from tests.bookings.factories import confirmed_room
from tests.listings.factories import make_listing
from tests.payments.helpers import host_with_payout_account
from tests.receipts.helpers import capture_of, pdf_text

pytestmark = pytest.mark.django_db

MARCH = date(2027, 3, 1)
APRIL_2ND = datetime(2027, 4, 2, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Stay:
    """A room and what 3 nights in it must come to, in minor units, worked out by hand."""

    currency: str
    country: str
    place: dict
    night: int
    cleaning: int
    total: int  # 3 nights + cleaning + 12 %
    host_payout: int  # 3 nights + cleaning - 3 %


STAYS = {
    "JPY": Stay(
        "JPY",
        "JP",
        {"city": "Tokyo", "address": "1-1 Shibuya, Tokyo", "latitude": 35.6595, "longitude": 139.7005},
        night=12_000,
        cleaning=3_000,
        total=43_680,  # 39,000 + 4,680
        host_payout=37_830,  # 39,000 - 1,170
    ),
    "KRW": Stay(
        "KRW",
        "KR",
        {"city": "Seoul", "address": "1 Sejong-daero, Seoul", "latitude": 37.5663, "longitude": 126.9779},
        night=90_000,
        cleaning=20_000,
        total=324_800,  # 290,000 + 34,800
        host_payout=281_300,  # 290,000 - 8,700
    ),
    "EUR": Stay(
        "EUR",
        "FR",
        {"city": "Paris", "address": "10 Rue de Rivoli, Paris", "latitude": 48.8556, "longitude": 2.3601},
        night=8_000,
        cleaning=2_000,
        total=29_120,  # 260.00 + 31.20
        host_payout=25_220,  # 260.00 - 7.80
    ),
    "USD": Stay(
        "USD",
        "US",
        {"city": "New York", "address": "1 Wall Street, New York", "latitude": 40.7069, "longitude": -74.0113},
        night=15_005,
        cleaning=3_499,
        total=54_336,  # 485.14 + 58.22 (12 % of 485.14 = 58.2168)
        host_payout=47_059,  # 485.14 - 14.55 (3 % = 14.5542)
    ),
}
TIME_ZONES = {"JPY": "Asia/Tokyo", "KRW": "Asia/Seoul", "EUR": "Europe/Paris", "USD": "America/New_York"}


def paid_stay(stay: Stay, *, owner=None) -> Booking:
    listing = make_listing(
        owner=owner,
        title=f"A room in {stay.place['city']}",
        currency=stay.currency,
        country_code=stay.country,
        time_zone=TIME_ZONES[stay.currency],
        unit_price=stay.night,
        fee_amount=stay.cleaning,
        **stay.place,
    )
    return confirmed_room(listing=listing)


def squeezed(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines()]


def no_decimals_on_zero_decimal_amounts(text: str, stay: Stay) -> bool:
    """A yen or won amount never shows a decimal part ("¥43,680.00" or "324,800.00 KRW" would be wrong)."""
    if stay.currency == "JPY":
        return not re.search(r"¥[\d,]+\.\d", text)
    if stay.currency == "KRW":
        return not re.search(r"\d\.\d+ KRW", text)
    return True


@pytest.mark.parametrize("code", list(STAYS))
def test_the_receipt_states_each_line_and_the_charge_exactly(code):
    stay = STAYS[code]
    booking = paid_stay(stay)
    assert (booking.currency, booking.total, booking.host_payout) == (code, stay.total, stay.host_payout)

    issue_receipt_task.call(capture_of(booking).pk)

    receipt = Document.objects.get(booking=booking, kind=Kind.RECEIPT)
    assert (receipt.display_number, receipt.currency, receipt.total) == ("R-000001", code, stay.total)
    text = pdf_text(bytes(DocumentFile.objects.get(document=receipt).pdf))
    lines = squeezed(text)
    subtotal = 3 * stay.night
    fee = stay.total - subtotal - stay.cleaning
    assert f"3 nights \u00d7 {format_money(stay.night, code)} {format_money(subtotal, code)}" in lines
    assert f"Cleaning fee {format_money(stay.cleaning, code)}" in lines
    assert f"Sharing's service fee {format_money(fee, code)}" in lines
    assert f"Charged to your card {format_money(stay.total, code)}" in lines
    assert no_decimals_on_zero_decimal_amounts(text, stay)


@pytest.mark.parametrize("code", ["JPY", "EUR", "USD"])
def test_the_hosts_statement_states_the_stay_the_fees_and_the_payout_exactly(code):
    stay = STAYS[code]
    host = host_with_payout_account(settings.STRIPE_API_BASE, country=stay.country)
    with freeze_time("2027-03-01 08:00:00", tick=True):
        booking = paid_stay(stay, owner=host)
    with freeze_time("2027-03-06 12:00:00", tick=True):
        start_booking(booking_id=booking.pk, now=booking.start)
        release_payout(booking_id=booking.pk, now=booking.payout_release_at)

    statement = issue_statement(host_id=host.pk, month=MARCH, now=APRIL_2ND)
    deliver(document_id=statement.pk)

    assert (statement.kind, statement.display_number) == (Kind.STATEMENT, "S-000001")
    text = pdf_text(bytes(DocumentFile.objects.get(document=statement).pdf))
    lines = squeezed(text)
    fees = stay.total - stay.host_payout
    title = f"#{booking.pk} A room in {stay.place['city']}"
    charged, kept, taxes, earned = (format_money(amount, code) for amount in (stay.total, -fees, 0, stay.host_payout))
    assert f"2027-03-06 {title} {charged} {kept} {taxes} {taxes} {earned}" in lines  # no tax rate set here
    assert f"Paid out to you ({code}) {earned}" in lines
    assert f"Still owed to you at the month's end ({code}) {format_money(0, code)}" in lines
    assert no_decimals_on_zero_decimal_amounts(text, stay)
    rows = list(csv.reader(io.StringIO(render_csv(statement))))
    plain = [str(to_major(amount, code)) for amount in (stay.total, -fees, 0, 0, stay.host_payout)]
    assert ["Bookings paid out to your balance", "2027-03-06", title, *plain, code] in rows
