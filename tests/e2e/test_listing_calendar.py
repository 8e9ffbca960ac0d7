"""The listing page's calendar as a range picker, on a phone (taps) and a desktop (keyboard only): the days
chosen fill the booking panel and its live quote; a booked day can neither start a stay nor lie inside one."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from playwright.sync_api import expect

from listings.models import BusyPeriod
from tests.e2e.people import DESKTOP, log_in, own_tab, person, snap
from tests.listings.factories import make_listing

PARIS = ZoneInfo("Europe/Paris")


def _days_ahead(n: int):
    return timezone.now().astimezone(PARIS).date() + timedelta(days=n)


def test_tapping_two_days_fills_the_booking_panel_and_prices_the_stay(live_url, journey, browser):
    listing = make_listing(title="Quiet room near the canal", unit_price=9000, cancellation_policy="moderate")
    blocked = _days_ahead(6)
    BusyPeriod.objects.create(
        listing=listing,
        start=datetime.combine(blocked, time(15), tzinfo=PARIS),
        end=datetime.combine(blocked + timedelta(days=1), time(11), tzinfo=PARIS),
    )
    guest = person("gaspard.cal@example.com", display_name="Gaspard")
    page = journey.page
    log_in(page, live_url, guest.email, then=listing.get_absolute_url())

    day = lambda d: page.locator(f'#range-calendar button[data-date="{d.isoformat()}"]')  # noqa: E731
    expect(day(blocked), "a booked day is offered as a check-in").to_have_attribute("aria-disabled", "true")
    expect(page.locator("#range-calendar caption").first).to_contain_text(str(_days_ahead(0).year))

    check_in, check_out = _days_ahead(3), _days_ahead(5)
    day(check_in).click()
    expect(page.locator("#range-status")).to_contain_text("Now pick the check-out")
    # Past the booked night, no check-out is offered: the stay would span it.
    expect(day(blocked + timedelta(days=1)), "a stay across a booked night is offered").to_have_attribute(
        "aria-disabled", "true"
    )
    day(check_out).click()
    expect(page.get_by_label("Check-in")).to_have_value(check_in.isoformat())
    expect(page.get_by_label("Check-out")).to_have_value(check_out.isoformat())
    quote = page.locator("#panel-quote table.quote")
    expect(quote, "the calendar's dates were not priced").to_contain_text("2 nights")
    expect(page.locator("[data-cancellation]")).to_contain_text("Moderate cancellation")
    expect(page.locator("#reserve-amount"), "the reserve bar kept the nightly price").not_to_have_text("€90.00")
    journey.snap("calendar-range-picked-phone")

    with own_tab(browser, live_url, guest, then=listing.get_absolute_url(), device=DESKTOP) as desktop:
        # Keyboard only: one tab stop lands on the first free day; arrows move; Enter picks.
        first_free = desktop.locator("#range-calendar button[tabindex='0']")
        first_free.focus()
        desktop.keyboard.press("ArrowRight")
        desktop.keyboard.press("Enter")
        desktop.keyboard.press("ArrowRight")
        desktop.keyboard.press("ArrowRight")
        desktop.keyboard.press("Enter")
        expect(desktop.locator("#range-status")).to_contain_text(" to ")
        expect(desktop.locator("#panel-quote table.quote")).to_contain_text("2 nights")
        snap(journey, desktop, "calendar-range-picked-desktop-keyboard")
