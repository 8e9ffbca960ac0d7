"""Journey 5: a guest instant-books a car with the card form (Stripe.js on the harness), then cancels it.

The listing's moderate policy refunds half of the hours' price when the start is less than
5 days away: three hours at 15.00 EUR two days from now give back exactly 22.50 EUR, which
the booking page announces before the guest cancels and shows once they have.
"""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Booking, BookingStatus
from listings.models import CancellationPolicy, ListingKind
from payments.models import Payment
from tests.e2e.panel import book_from_panel
from tests.e2e.people import log_in, person
from tests.listings.factories import make_listing

PARIS = ZoneInfo("Europe/Paris")
HOURS = 3
HOUR_PRICE = 1500
# Moderate, less than 5 days before the start: half of the hours' price (3 x 15.00 / 2); fees are kept.
REFUND = "€22.50"


def test_a_car_booked_instantly_and_cancelled_refunds_exactly_what_the_policy_says(live_url, journey, ledger_checked):
    host = person("carla@example.com", display_name="Carla Car")
    guest = person("gus@example.com", display_name="Gus Guest")
    listing = make_listing(
        owner=host,
        kind=ListingKind.CAR,
        title="Clio for the weekend",
        instant_book=True,
        cancellation_policy=CancellationPolicy.MODERATE,
        unit_price=HOUR_PRICE,
    )
    # Two days ahead at a whole hour of the car's local time, as the form's hour steps offer; the
    # end is three real hours later (through UTC, so a clock change in between cannot bill 2 or 4).
    start = (timezone.now().astimezone(PARIS) + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    end = (start.astimezone(UTC) + timedelta(hours=HOURS)).astimezone(PARIS)
    page = journey.page

    log_in(page, live_url, guest.email, then=f"/listings/{listing.pk}/")
    panel = page.locator("#booking-panel")
    panel.get_by_label("From").fill(start.strftime("%Y-%m-%dT%H:%M"))
    panel.get_by_label("Until").fill(end.strftime("%Y-%m-%dT%H:%M"))
    journey.snap("listing-dates-picked")
    book_from_panel(page, "Book now")

    expect(page.get_by_role("heading", name="Book Clio for the weekend"), "book page").to_be_visible()
    expect(page.locator("#quote"), "book page: the quote for three hours").to_contain_text("€45.00")
    expect(page.get_by_role("heading", name="Cancellation: Moderate"), "book page: the policy").to_be_visible()
    page.get_by_placeholder("number").fill("4242424242424242")
    page.get_by_placeholder("exp_month").fill("12")
    page.get_by_placeholder("exp_year").fill("34")
    page.get_by_placeholder("cvc").fill("123")
    journey.snap("book-page-card-filled")
    page.get_by_role("button", name="Book now").click()

    expect(
        page.locator("ul.messages").get_by_text("Booked: see you there."), f"booking page after booking ({page.url})"
    ).to_be_visible()
    booking = Booking.objects.get(listing=listing, guest=guest)
    assert page.url == f"{live_url}/bookings/{booking.pk}/"
    expect(page.locator("h1 .booking-status"), "booking page: instant book confirms").to_have_text("Confirmed")
    expect(
        page.locator("main").get_by_text("If you cancel now you get back"), "booking page: refund before cancelling"
    ).to_contain_text(REFUND)
    journey.snap("booked-refund-announced")

    page.get_by_role("link", name="Cancel booking").click()
    expect(
        page.locator("main .cancel-refund"), "cancel page: the refund is announced before confirming"
    ).to_contain_text(REFUND)
    journey.snap("cancel-confirmation")
    page.get_by_role("button", name=re.compile("^Yes, cancel")).click()
    expect(page.locator("ul.messages").get_by_text("Done."), "booking page after cancelling").to_be_visible()
    expect(page.locator("h1 .booking-status"), "booking page: status").to_have_text("Cancelled by the guest")
    refunded = page.locator("table.quote tr", has_text="Refunded to the guest")
    expect(refunded, "booking page: refund line of the price table").to_contain_text(REFUND)
    expect(
        page.locator("main").get_by_text("Refunded to the guest's card:"), "booking page: money section"
    ).to_contain_text(REFUND)
    trail = page.locator("table.money-trail tr", has_text="Refund to the guest").filter(
        has_text="Refunded to the guest"
    )
    expect(trail, "booking page: money trail refund row").to_contain_text(REFUND)
    journey.snap("cancelled-refund-shown")

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED_BY_GUEST
    assert booking.refund_amount == HOURS * HOUR_PRICE // 2
    payment = Payment.objects.get(reference=f"booking:{booking.pk}", status=Payment.Status.CAPTURED)
    assert payment.refunded_amount == HOURS * HOUR_PRICE // 2
