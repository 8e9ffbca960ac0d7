"""Journey: a guest asks for one night less, the host accepts, and both see the new dates and the refund.

The booking is made through the services (paid at once through the harness); the change is asked on the
change form and accepted on the booking page, in the browser, as people would. The refund of the
difference goes to the guest's card through the money outbox in the server process.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import BookingChange
from bookings.money import booking_reference
from core.money import format_money
from payments.models import Payment
from tests.bookings.factories import confirmed_room
from tests.e2e.people import log_in, off_the_browser_thread, person
from tests.listings.factories import make_listing


def test_the_guest_asks_for_one_night_less_the_host_accepts_and_the_refund_shows(live_url, journey, ledger_checked):
    host = person("hugo@example.com", display_name="Hugo Host")
    guest = person("greta@example.com", display_name="Greta Guest")
    listing = make_listing(owner=host, title="Room under the roofs")
    check_in = (timezone.now() + timedelta(days=20)).date()
    booking = off_the_browser_thread(
        lambda: confirmed_room(
            listing=listing, guest=guest, check_in=check_in, check_out=check_in + timedelta(days=3), now=timezone.now()
        )
    )
    new_check_out = check_in + timedelta(days=2)
    page = journey.page

    log_in(page, live_url, guest.email, then=f"/bookings/{booking.pk}/")
    page.get_by_role("link", name="Ask for other dates or guests").click()
    expect(page.get_by_role("heading", name="Change Room under the roofs"), "change form").to_be_visible()
    page.get_by_label("Check-out").fill(new_check_out.isoformat())
    journey.snap("change-form-filled")
    page.get_by_role("button", name="Ask the host").click()
    expect(page.locator("ul.messages"), f"booking page after asking ({page.url})").to_contain_text("Change sent")
    expect(page.locator(".open-change"), "the guest sees the change waiting").to_contain_text("back to the guest")
    journey.snap("change-asked")

    change = BookingChange.objects.get(booking=booking)
    refund = format_money(change.back, "EUR")
    log_in(page, live_url, host.email, then=f"/bookings/{booking.pk}/")
    expect(page.locator(".open-change"), "the host sees what the guest asks").to_contain_text(
        "Greta Guest asks to change this booking"
    )
    journey.snap("host-sees-the-change")
    page.get_by_role("button", name="Accept the change").click()
    expect(page.locator("ul.messages"), "booking page after accepting").to_contain_text("Change accepted")

    log_in(page, live_url, guest.email, then=f"/bookings/{booking.pk}/")
    main = page.locator("main")
    expect(main.locator("section.card").first, "the booking's new dates").to_contain_text(
        new_check_out.strftime("%a %-d %b %Y")
    )
    expect(main.locator(".change-refund"), "the refund of the difference").to_contain_text(refund)
    journey.snap("guest-sees-new-dates-and-refund")

    booking.refresh_from_db()
    assert booking.units == 2 and booking.total == change.total
    payment = Payment.objects.get(reference=booking_reference(booking.pk))
    assert payment.refunded_amount == change.back
