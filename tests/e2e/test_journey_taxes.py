"""Journey: a guest living in France books a Paris room and sees the VAT and tourist tax lines, on the book
page and on the booking page, then reads them again in the receipt's PDF (pdftotext).

Rates: France's VAT of 20 % on Sharing's service fee, and Paris's tourist tax of €2.88 per person per
night; two people for two nights pay €11.52 of tourist tax.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Booking, BookingStatus
from receipts.models import Document
from receipts.tasks import issue_receipt_task
from taxes.models import OccupancyTax, VatRate
from tests.e2e.panel import book_from_panel
from tests.e2e.people import log_in, person
from tests.listings.factories import make_listing
from tests.receipts.helpers import capture_of, pdf_text

PARIS = ZoneInfo("Europe/Paris")
TOURIST_TAX = "€11.52"  # €2.88 x 2 people x 2 nights


def _stay() -> tuple[date, date]:
    today = timezone.now().astimezone(PARIS).date()
    monday = today + timedelta(weeks=2) + timedelta(days=(7 - today.weekday()) % 7)
    return monday, monday + timedelta(days=2)


def test_a_guest_from_france_sees_vat_and_the_paris_tourist_tax_then_reads_them_on_the_receipt(
    live_url, journey, ledger_checked
):
    VatRate.objects.create(country="FR", rate=Decimal("20"), valid_from=date(2026, 1, 1))
    OccupancyTax.objects.create(
        country="FR", city="Paris", per_person_night=288, currency="EUR", valid_from=date(2026, 1, 1)
    )
    host = person("hugo.host@example.com", display_name="Hugo Host")
    guest = person("fleur.guest@example.com", display_name="Fleur Guest", country="FR")
    listing = make_listing(owner=host, title="Room by the canal", unit_price=9000, fee_amount=2000, instant_book=True)
    check_in, check_out = _stay()
    page = journey.page

    log_in(page, live_url, guest.email, then=f"/listings/{listing.pk}/")
    page.get_by_label("Check-in").fill(check_in.isoformat())
    page.get_by_label("Check-out").fill(check_out.isoformat())
    page.get_by_label("Guests").fill("2")
    book_from_panel(page, "Book now")
    expect(page.get_by_role("heading", name=re.compile(r"^Book ")), "the book page").to_be_visible()
    quote = page.locator("#quote")
    expect(quote.locator("tr[data-tax]", has_text="Tourist tax (Paris)"), "book page: tourist tax").to_contain_text(
        TOURIST_TAX
    )
    expect(quote.locator("tr[data-tax]", has_text="VAT 20 %"), "book page: VAT line").to_contain_text("(FR)")
    journey.snap("book-page-tax-lines")
    page.get_by_placeholder("number").fill("4242424242424242")
    page.get_by_placeholder("exp_month").fill("12")
    page.get_by_placeholder("exp_year").fill("34")
    page.get_by_placeholder("cvc").fill("123")
    page.get_by_role("button", name="Book now").click()

    expect(page.locator("h1 .booking-status"), "booking page: instant book confirms").to_have_text("Confirmed")
    booking = Booking.objects.get(listing=listing, guest=guest)
    assert booking.status == BookingStatus.CONFIRMED
    vat = f"€{booking.vat / 100:.2f}"
    receipt_table = page.locator("table.quote").first
    expect(receipt_table.locator("tr", has_text="Tourist tax (Paris)"), "booking page: tourist tax").to_contain_text(
        TOURIST_TAX
    )
    expect(receipt_table.locator("tr", has_text="VAT 20 %"), "booking page: VAT").to_contain_text(vat)
    journey.snap("booking-page-tax-lines")

    # The worker issues the receipt once the charge is in the ledger; the guest opens its PDF.
    issue_receipt_task.call(capture_of(booking).pk)
    receipt = Document.objects.get(booking=booking)
    response = page.request.get(f"{live_url}/receipts/{receipt.pk}.pdf")
    assert response.status == 200, response.status
    lines = [" ".join(line.split()) for line in pdf_text(response.body()).splitlines()]
    assert f"Tourist tax (Paris) {TOURIST_TAX}" in lines
    assert f"VAT 20 % on Sharing's service fee (FR) {vat}" in lines
    assert f"Total of the booking €{booking.total / 100:.2f}" in lines
