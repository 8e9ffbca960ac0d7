"""Issue 21's Must show in a real Chromium: a Tokyo room priced in yen, booked by a guest who reads prices in euros.

1. A host in Japan lists a room in Shibuya with the new-listing form; the currency is left to the pin's
   country, so the room is priced in JPY: ¥12,000 a night and ¥3,000 cleaning, no decimals anywhere.
2. A guest searches Tokyo for two nights and picks euros under "Prices in": the result shows the room's
   own price (¥12,000) and, beside it, an approximate one in euros at the day's rates.
3. The book page's quote is in yen and says plainly that the card is charged in JPY; the guest pays
   with a test card; the host accepts on their reservations page and the card is charged ¥30,240.
4. The real worker process issues the receipt (R-000001); the guest opens its PDF from the booking page,
   and poppler's pdftotext reads every line in whole yen.
5. The stay starts and the host's share is paid out; the month's statement sweep issues the host's
   statement, which the host opens from their payouts page: the stay, Sharing's fees and the payout, in yen.

Two nights: 2 x ¥12,000 + ¥3,000 = ¥27,000; Sharing's 12 % guest fee ¥3,240: ¥30,240 charged.
The host's 3 % is ¥810: ¥26,190 paid out, so Sharing kept ¥4,050 of the charge.
"""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from bookings.models import Booking, BookingStatus
from bookings.services.clock import release_payout, start_booking
from core.money import format_money
from core.rates import convert, current_rates
from listings.models import Listing
from payments.models import Payment
from receipts.models import Document, Kind
from receipts.services import issue_due_documents
from tests.e2e.people import host_who_can_be_paid, log_in, off_the_browser_thread, open_page, person
from tests.e2e.test_journey_host_lists_guest_books import fill_card, photo_png
from tests.e2e.test_journey_reach import run_worker

TOKYO = ZoneInfo("Asia/Tokyo")
TITLE = "Quiet room in Shibuya"
NIGHT, CLEANING = 12_000, 3_000
TOTAL, HOST_PAYOUT = 30_240, 26_190
WHOLE_YEN_ONLY = re.compile(r"¥[\d,]+\.\d")  # "¥30,240.00" would be a yen amount with decimals


def pdf_lines(page: Page, live_url: str, href: str) -> tuple[str, list[str]]:
    """The PDF behind a link, fetched with the tab's own session, as pdftotext reads it (and its squeezed lines)."""
    response = page.request.get(live_url + href)
    assert response.status == 200, f"{href} answered {response.status}"
    assert response.headers["content-type"] == "application/pdf"
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=response.body(), capture_output=True, check=True)
    text = done.stdout.decode("utf-8")
    return text, [" ".join(line.split()) for line in text.splitlines()]


def two_nights_ahead() -> tuple:
    """A Monday two weeks or more from today in Tokyo, and the Wednesday after."""
    today = timezone.now().astimezone(TOKYO).date()
    monday = today + timedelta(weeks=2) + timedelta(days=(7 - today.weekday()) % 7)
    return monday, monday + timedelta(days=2)


def test_a_tokyo_room_in_yen_found_in_euros_paid_in_yen_with_its_receipt_and_the_hosts_statement(
    live_url, localstripe, browser_of, smtp, ledger_checked
):
    host_user = host_who_can_be_paid("kenji.host@example.com", display_name="Kenji Host", country="JP")
    person("emma.guest@example.com", display_name="Emma Guest", country="FR")
    host, guest = browser_of("host"), browser_of("guest")

    # 1. The host lists the room; the currency is the pin's country's.
    log_in(host.page, live_url, host_user.email, then="/listings/new/")
    page = host.page
    page.get_by_role("link", name="Room", exact=True).click()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Description").fill("Tatami, a futon and a quiet street five minutes from the station.")
    page.get_by_label("Address").fill("Shibuya, Tokyo")
    page.get_by_label("Address").press("Tab")
    # The first look-up after the server starts loads the gazetteer: seconds on a busy machine.
    expect(page.locator("#pin-map .leaflet-marker-icon"), "new listing: the address placed no pin").to_be_visible(
        timeout=30_000
    )
    expect(page.get_by_label("Currency"), "new listing: the currency is not left to the country").to_have_value("")
    page.get_by_label("Price per night").fill(str(NIGHT))
    page.get_by_label("Cleaning fee").fill(str(CLEANING))
    page.get_by_label("Photos").set_input_files(photo_png())
    host.snap("room-form-in-yen")
    page.get_by_role("button", name="Publish").click(timeout=30_000)
    expect(page.get_by_role("heading", name=TITLE), "new listing: its page did not open").to_be_visible()
    expect(page.locator("main"), "listing page: the price is not in whole yen").to_contain_text("¥12,000")
    host.snap("listing-published-in-yen")
    listing = Listing.objects.get(title=TITLE)
    assert (listing.currency, listing.unit_price, listing.fee_amount) == ("JPY", NIGHT, CLEANING)
    assert (listing.country_code, listing.time_zone) == ("JP", "Asia/Tokyo")

    # 2. The guest searches Tokyo and reads prices in euros.
    check_in, check_out = two_nights_ahead()
    log_in(guest.page, live_url, "emma.guest@example.com")
    page = guest.page
    open_page(page, live_url, f"/listings/search/?q=Tokyo&start={check_in}&end={check_out}&guests=1")
    results = page.locator("#results")
    expect(results.locator(".result"), "search: the Tokyo room is not found").to_have_count(1, timeout=30_000)
    page.locator("details.filters summary").click()
    page.get_by_label("Prices in").select_option("EUR")
    in_euros = format_money(convert(NIGHT, "JPY", "EUR", current_rates()), "EUR")
    card = results.locator(".result", has_text=TITLE)
    expect(card.locator(".approx-price"), "search: no approximate price in euros").to_have_text(f"(about {in_euros})")
    expect(card.locator(".price strong"), "search: the room's own price is not shown in yen").to_have_text("¥12,000")
    expect(results.locator(".price-rule"), "search: not told the guest pays in the listing's currency").to_contain_text(
        "you pay in the listing's currency"
    )
    guest.snap("search-in-euros-shows-both-prices")

    # 3. The quote in yen, charged in yen; the guest pays.
    card.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    reserve_bar = page.locator("#reserve-bar")
    # The bar's link leads to the book page once the dates are priced (before that, to the booking panel).
    expect(reserve_bar, "listing page: the reserve bar did not price the dates").to_contain_text("total for 2 nights")
    expect(reserve_bar.locator("#reserve-amount"), "reserve bar: not the total in yen").to_have_text("¥30,240")
    reserve_bar.get_by_role("link", name="Reserve").click()
    quote = page.locator("#quote")
    expect(quote.locator("th", has_text="Total"), "book page: the live quote did not appear").to_be_visible()
    expect(quote, "book page: not two nights in yen").to_contain_text("2 nights")
    for shown in ("¥24,000", "¥3,000", "¥3,240", "¥30,240"):
        expect(quote, f"book page: the quote lacks {shown}").to_contain_text(shown)
    expect(quote.locator("[data-charged-in]"), "book page: the quote does not say the charge is in yen").to_have_text(
        "You are charged in JPY; if your card is in another currency, your bank converts."
    )
    assert not WHOLE_YEN_ONLY.search(quote.inner_text()), "book page: a yen amount with decimals"
    fill_card(page, "book page")
    guest.snap("quote-in-yen-charged-in-jpy")
    page.get_by_role("button", name="Request to book").click()
    expect(page.get_by_text("Request sent to the host."), "book page: the request was not sent").to_be_visible()

    booking = Booking.objects.get(listing=listing)
    assert (booking.currency, booking.subtotal, booking.total, booking.host_payout) == (
        "JPY",
        2 * NIGHT,
        TOTAL,
        HOST_PAYOUT,
    )
    open_page(host.page, live_url, "/bookings/reservations/")
    row = host.page.locator("#reservations-live tr", has_text="Emma Guest")
    expect(row, "host's reservations: the request and its payout in yen").to_contain_text("¥26,190")
    host.snap("reservations-payout-in-yen")
    # On a phone the reservations table is wider than the screen and its Accept button sits under the next cell
    # (Playwright: "<td> intercepts pointer events"); the booking's own page has the same Accept.
    open_page(host.page, live_url, f"/bookings/{booking.pk}/")
    host.page.get_by_role("button", name="Accept").click()
    expect(host.page.locator("h1 .booking-status"), "host: not confirmed after Accept").to_have_text("Confirmed")
    host.snap("accepted")
    payment = Payment.objects.get(payer__email="emma.guest@example.com")
    assert (payment.status, payment.currency, payment.amount) == (Payment.Status.CAPTURED, "JPY", TOTAL)

    # 4. The worker issues the receipt; the guest opens it from the booking page.
    run_worker(live_url, localstripe, smtp)
    receipt = Document.objects.get(booking=booking, kind=Kind.RECEIPT)
    assert (receipt.display_number, receipt.currency, receipt.total) == ("R-000001", "JPY", TOTAL)
    open_page(page, live_url, f"/bookings/{booking.pk}/")
    link = page.get_by_role("link", name="Receipt R-000001", exact=True)
    expect(link, "booking page: no link to the receipt").to_be_visible()
    guest.snap("booking-page-links-the-receipt")
    text, lines = pdf_lines(page, live_url, link.get_attribute("href"))
    assert "R-000001" in text and TITLE in text
    assert "2 nights \u00d7 ¥12,000 ¥24,000" in lines
    assert "Cleaning fee ¥3,000" in lines
    assert "Sharing's service fee ¥3,240" in lines
    assert "Charged to your card ¥30,240" in lines
    assert not WHOLE_YEN_ONLY.search(text), "receipt: a yen amount with decimals"

    # 5. The stay starts, the host is paid out, and the month's sweep issues the statement.
    def stay_and_payout() -> None:
        confirmed = Booking.objects.get(pk=booking.pk)  # its payout time was set when the host accepted
        start_booking(booking_id=confirmed.pk, now=confirmed.start)
        release_payout(booking_id=confirmed.pk, now=confirmed.payout_release_at)

    off_the_browser_thread(stay_and_payout)
    paid_in = timezone.now().astimezone(UTC)
    next_month = (paid_in.replace(day=1) + timedelta(days=32)).replace(day=2)
    sweep_at = datetime(next_month.year, next_month.month, 2, 9, 0, tzinfo=UTC)
    off_the_browser_thread(lambda: issue_due_documents(now=sweep_at))
    statement = Document.objects.get(kind=Kind.STATEMENT, recipient=host_user)
    assert statement.display_number == "S-000001"

    open_page(host.page, live_url, reverse("payments:payout_settings"))
    link = host.page.get_by_role("link", name="Monthly statement S-000001", exact=True)
    expect(link, "payouts page: no link to the month's statement").to_be_visible()
    host.snap("payouts-page-links-the-statement")
    text, lines = pdf_lines(host.page, live_url, link.get_attribute("href"))
    day = paid_in.date().isoformat()
    # Guest paid, Sharing's fees, taxes, host fee VAT, earnings; the title may wrap around the figures.
    figures = "¥30,240 -¥4,050 ¥0 ¥0 ¥26,190"
    stay_line = [line for line in lines if line.startswith(day) and line.endswith(figures)]
    assert stay_line and f"#{booking.pk}" in text, "statement: the stay's line (no taxes)"
    assert "Paid out to you (JPY) ¥26,190" in lines
    assert not WHOLE_YEN_ONLY.search(text), "statement: a yen amount with decimals"
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.IN_PROGRESS
