"""Issue 9, journeys 1-3 in a real Chromium against the real server process.

1. A host signs up, confirms the email from the link in it, lists a room with a photo and a
   map pin, sets its price and blocks a weekend.
2. A guest searches near that place on the map, opens the listing, asks for dates and pays
   with a test card.
3. The host's open reservations page shows the request live (WebSocket, no reload); the host
   accepts; the guest's open booking page shows it accepted, live too.

Screenshots of every step land in test-artifacts/<test name>/.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect

from bookings.models import Booking, BookingStatus
from listings.models import BusyPeriod, Listing
from payments.models import Payment
from tests.conftest import PASSWORD, make_user
from tests.e2e.conftest import log_in
from tests.e2e.panel import book_from_panel
from tests.listings.factories import make_listing

PARIS = ZoneInfo("Europe/Paris")
VISA = "4242424242424242"


def photo_png() -> dict:
    """A small real PNG (a sunset of two colours), as a file chooser would hand it over."""
    image = Image.new("RGB", (640, 420), (250, 170, 60))
    image.paste((40, 60, 140), (0, 260, 640, 420))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return {"name": "room.png", "mimeType": "image/png", "buffer": buffer.getvalue()}


def weekend_ahead(weeks: int) -> tuple[date, date]:
    """The Saturday and Sunday `weeks` weeks or more from today in Paris."""
    today = timezone.now().astimezone(PARIS).date()
    saturday = today + timedelta(weeks=weeks) + timedelta(days=(5 - today.weekday()) % 7)
    return saturday, saturday + timedelta(days=1)


def fill_card(page: Page, where: str, number: str = VISA) -> None:
    """Type a test card into the card form (localstripe's stand-in of Stripe.js mounts these fields)."""
    expect(page.get_by_placeholder("number"), f"{where}: the card form (Stripe.js) did not appear").to_be_visible()
    page.get_by_placeholder("number").fill(number)
    page.get_by_placeholder("exp_month").fill("12")
    page.get_by_placeholder("exp_year").fill("34")
    page.get_by_placeholder("cvc").fill("123")


# --- Journey 1 ---------------------------------------------------------------------------
def test_journey_1_host_signs_up_verifies_lists_a_room_and_blocks_a_weekend(live_url, journey, mailbox):
    page = journey.page
    email = "hana.host@example.com"

    # Sign up.
    page.goto(live_url + "/accounts/signup/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Your name").fill("Hana")
    page.get_by_placeholder("Password", exact=True).fill(PASSWORD)
    page.get_by_placeholder("Password (again)").fill(PASSWORD)
    journey.snap("signup-filled")
    page.get_by_role("button", name="Sign Up").click()
    expect(
        page.get_by_role("heading", name=re.compile("Verify Your Email", re.I)),
        "sign-up: the page asking to confirm the email did not appear",
    ).to_be_visible()
    journey.snap("asked-to-verify")

    # The confirmation link comes by email; the browser opens it and confirms.
    link = mailbox.link_in(mailbox.wait_for(email), r"/accounts/confirm-email/")
    page.goto(link)
    journey.snap("confirm-email-page")
    page.get_by_role("button", name="Confirm").click()
    expect(page, "email confirmation: the site did not move on from the confirmation page").not_to_have_url(link)
    journey.snap("email-confirmed")
    assert EmailAddress.objects.get(email=email).verified, "the email is still unverified after the link"

    # List a room: the kind, the form, the pin on the map, the price and a photo.
    page.goto(live_url + "/listings/new/")
    page.get_by_role("link", name="Room", exact=True).click()
    expect(
        page.get_by_role("heading", name="New listing: room"), "choose kind: the room form did not open"
    ).to_be_visible()
    page.get_by_label("Title").fill("Sunny room by the Seine")
    page.get_by_label("Description").fill("A quiet room with a view of the river.")
    page.get_by_label("Address").fill("10 Rue de Rivoli, Paris")
    page.get_by_label("Address").press("Tab")
    pin_map = page.locator("#pin-map")
    # The typed address is geocoded: the map zooms to it with the pin placed (the first look-up
    # after the server starts loads the gazetteer, which takes seconds on a busy machine).
    expect(
        pin_map.locator(".leaflet-marker-icon"), "new listing form: the address did not place the pin"
    ).to_be_visible(timeout=30_000)
    expect(page.locator("#pin-status"), "new listing form: the map does not say where the pin is").to_contain_text(
        "Paris"
    )
    pin_map.click()  # the owner fine-tunes the pin where the map is clicked
    expect(page.locator("#pin-warning"), "new listing form: a pin near the address was flagged").to_be_hidden()
    latitude = page.locator("#id_latitude").input_value()
    longitude = page.locator("#id_longitude").input_value()
    assert latitude and longitude, "new listing form: the pin did not fill in its coordinates"
    page.get_by_label("Price per night").fill("85")
    page.get_by_label("Cleaning fee").fill("20")
    page.get_by_label("Photos").set_input_files(photo_png())
    journey.snap("room-form-filled")
    # Publishing names the place from the pin: the first look-up after the server starts loads the
    # gazetteer, which takes seconds on a busy machine.
    page.get_by_role("button", name="Publish").click(timeout=30_000)

    expect(
        page.get_by_role("heading", name="Sunny room by the Seine"), "new listing: its page did not open"
    ).to_be_visible()
    expect(page.get_by_text("Your listing is live."), "listing page: no confirmation that it is live").to_be_visible()
    expect(page.locator(".photo-strip img"), "listing page: the uploaded photo is not shown").to_have_count(1)
    expect(page.locator(".photo-strip img"), "listing page: the photo's file was not served").not_to_have_js_property(
        "naturalWidth", 0
    )
    expect(page.locator("#listing-map .leaflet-marker-icon"), "listing page: no pin on the map").to_be_visible()
    expect(page.get_by_text("€85.00").first, "listing page: the price is not shown").to_be_visible()
    journey.snap("listing-published")

    listing = Listing.objects.get(title="Sunny room by the Seine")
    assert (listing.owner.email, listing.unit_price, listing.fee_amount) == (email, 8500, 2000)
    assert (listing.latitude, listing.longitude) == (float(latitude), float(longitude)), "the pin was not kept"
    assert listing.photos.count() == 1
    assert (listing.city, listing.time_zone) == ("Paris", "Europe/Paris")

    # Block a weekend on the availability calendar.
    saturday, sunday = weekend_ahead(3)
    page.get_by_role("link", name="Calendar", exact=True).click()
    page.get_by_label("First day").fill(saturday.isoformat())
    page.get_by_label("Last day").fill(sunday.isoformat())
    page.get_by_label("Note").fill("Family visit")
    journey.snap("calendar-weekend-filled")
    page.get_by_role("button", name="Block these days").click()
    expect(page.get_by_text("Those days are blocked."), "calendar: the block was not confirmed").to_be_visible()
    expect(
        page.locator(".busy-list li", has_text="Family visit"), "calendar: the blocked weekend is not listed"
    ).to_contain_text(saturday.strftime("%a %-d %b %Y"))
    journey.snap("weekend-blocked")
    page.get_by_role("link", name="Back to the listing").click()
    for day in (saturday, sunday):
        expect(
            page.locator(f".range-calendar .day.busy[title='{day.strftime('%A %-d %B %Y')}']"),
            f"listing page: {day:%a %-d %b} is not shown as not available",
        ).to_be_visible()
    journey.snap("listing-shows-the-blocked-weekend")

    period = BusyPeriod.objects.get(listing=listing)
    assert period.start.astimezone(PARIS).date() == saturday
    assert period.end.astimezone(PARIS).date() == sunday + timedelta(days=1)


# --- Journey 2 ---------------------------------------------------------------------------
def stay_ahead(weeks: int, nights: int = 2) -> tuple[date, date]:
    """A Monday `weeks` weeks or more from today in Paris and the check-out `nights` later (clear of weekends)."""
    today = timezone.now().astimezone(PARIS).date()
    monday = today + timedelta(weeks=weeks) + timedelta(days=(7 - today.weekday()) % 7)
    return monday, monday + timedelta(days=nights)


def request_and_pay(page: Page, check_in: date, check_out: date) -> None:
    """On a listing page: the booking panel's dates, then the book page's card form; ends on the booking page."""
    page.get_by_label("Check-in").fill(check_in.isoformat())
    page.get_by_label("Check-out").fill(check_out.isoformat())
    book_from_panel(page, "Request to book")
    expect(
        page.get_by_role("heading", name=re.compile(r"^Book ")), "listing page: the book page did not open"
    ).to_be_visible()
    expect(page.locator("#quote th", has_text="Total"), "book page: the live quote did not appear").to_be_visible()
    fill_card(page, "book page")


def test_journey_2_guest_finds_the_room_on_the_map_requests_dates_and_pays(live_url, journey, ledger_checked):
    host = make_user("hana.host@example.com", display_name="Hana Host")
    listing = make_listing(owner=host, title="Sunny room by the Seine", unit_price=8500, fee_amount=2000)
    make_user("gus.guest@example.com", display_name="Gus Guest")
    page = journey.page
    log_in(page, live_url, "gus.guest@example.com")

    # From the home page: the place, the dates and the guests, typed once.
    check_in, check_out = stay_ahead(2)
    page.goto(live_url + "/")
    page.get_by_label("Where do you need it?").fill("Paris")
    page.get_by_label("From").fill(check_in.isoformat())
    page.get_by_label("Until").fill(check_out.isoformat())
    page.get_by_label("Guests").fill("2")
    journey.snap("home-search-filled")
    page.get_by_role("button", name="Search", exact=True).click()
    results = page.locator("#results")
    # The server geocodes the place; its first look-up loads the gazetteer (seconds on a busy machine).
    expect(results.get_by_text("Around Paris"), "search page: no results around Paris").to_be_visible(timeout=30_000)
    expect(results.locator(".result"), "search page: the room is not in the results").to_have_count(1)
    expect(results.locator(".result")).to_contain_text("€85.00 / night")
    expect(results.locator(".result .distance"), "search page: the card does not say how far it is").to_be_visible()
    expect(page.locator("#search-map"), "search page: a phone shows the list first, not the map").to_be_hidden()
    journey.snap("search-results")

    # On a phone the map is one tap away; its marker's popup links to the listing.
    page.get_by_role("button", name="Map").click()
    marker = page.locator("#search-map .leaflet-marker-icon")
    expect(marker, "search page: the room has no marker on the map").to_have_count(1)
    expect(results, "search page: the map view still shows the list").to_be_hidden()
    marker.click()
    popup_link = page.locator("#search-map .leaflet-popup a", has_text="Sunny room by the Seine")
    expect(popup_link, "search map: the marker's popup has no link to the room").to_be_visible()
    journey.snap("map-popup")
    popup_link.click()
    expect(page, "search map: the popup link did not open the listing with the dates").to_have_url(
        re.compile(re.escape(live_url + listing.get_absolute_url()) + rf"\?start={check_in}&end={check_out}&guests=2$")
    )
    expect(page.get_by_role("heading", name="Sunny room by the Seine")).to_be_visible()

    # The dates came along: the booking panel is filled in, and the phone's reserve bar prices the stay.
    expect(page.get_by_label("Check-in"), "listing page: the search's check-in was not carried").to_have_value(
        check_in.isoformat()
    )
    expect(page.get_by_label("Check-out")).to_have_value(check_out.isoformat())
    reserve_bar = page.locator("#reserve-bar")
    expect(reserve_bar, "listing page: no reserve bar on a phone").to_be_visible()
    expect(reserve_bar, "reserve bar: not the price for the chosen dates").to_contain_text("total for 2 nights")
    total = page.locator("#panel-quote table.quote").get_attribute("data-total")
    expect(reserve_bar.locator("#reserve-amount")).to_have_text(total)
    journey.snap("listing-page-reserve-bar")

    # The bar's button goes to the book page with everything filled in: only the card is left to type.
    reserve_bar.get_by_role("link", name="Reserve").click()
    expect(
        page.get_by_role("heading", name=re.compile(r"^Book ")), "reserve bar: the book page did not open"
    ).to_be_visible()
    expect(page.locator("#quote th", has_text="Total"), "book page: the live quote did not appear").to_be_visible()
    expect(page.locator("#quote"), "book page: the quote does not price two nights").to_contain_text("2 nights")
    expect(page.locator("#quote"), "book page: not the total the reserve bar showed").to_contain_text(total)
    fill_card(page, "book page")
    journey.snap("book-page-card-filled")
    page.get_by_role("button", name="Request to book").click()

    expect(page.get_by_text("Request sent to the host."), "book page: the request was not confirmed").to_be_visible()
    expect(page.locator("h1 .booking-status"), "booking page: the status is not 'Requested'").to_have_text("Requested")
    journey.snap("request-sent")

    booking = Booking.objects.get(listing=listing)
    assert booking.status == BookingStatus.REQUESTED
    assert booking.start.astimezone(PARIS).date() == check_in
    assert booking.subtotal == 2 * 8500
    assert booking.guests == 2, "the guests typed on the home page did not reach the booking"
    payment = Payment.objects.get(payer__email="gus.guest@example.com")
    assert (payment.status, payment.amount) == (Payment.Status.AUTHORIZED, booking.total)


# --- Journey 3 ---------------------------------------------------------------------------
def test_journey_3_host_sees_the_request_live_accepts_and_the_guest_sees_it_live(live_url, browser_of, ledger_checked):
    host_user = make_user("hana.host@example.com", display_name="Hana Host")
    listing = make_listing(owner=host_user, title="Sunny room by the Seine", unit_price=8500, fee_amount=2000)
    make_user("gus.guest@example.com", display_name="Gus Guest")
    host, guest = browser_of("host"), browser_of("guest")

    # The host has the reservations page open, connected to the notifications socket.
    log_in(host.page, live_url, "hana.host@example.com")
    host.page.goto(live_url + "/bookings/reservations/")
    expect(host.page.get_by_text("No request is waiting."), "reservations page: not empty at first").to_be_visible()
    expect(
        host.page.locator("#notifications-bell[data-connected=true]"), "reservations page: no live socket"
    ).to_be_attached()
    host.page.evaluate("window.stillTheSamePage = true")  # gone if the page reloads
    host.snap("reservations-empty")

    # The guest asks for dates and pays.
    log_in(guest.page, live_url, "gus.guest@example.com")
    guest.page.goto(live_url + listing.get_absolute_url())
    check_in, check_out = stay_ahead(2)
    request_and_pay(guest.page, check_in, check_out)
    guest.page.get_by_role("button", name="Request to book").click()
    expect(guest.page.get_by_text("Request sent to the host."), "book page: the request was not sent").to_be_visible()
    expect(
        guest.page.locator("#notifications-bell[data-connected=true]"), "guest's booking page: no live socket"
    ).to_be_attached()
    guest.page.evaluate("window.stillTheSamePage = true")
    guest.snap("request-sent")

    # The host's open page shows it without a reload.
    request_row = host.page.locator("#reservations-live tr", has_text="Gus Guest")
    expect(request_row, "host's reservations page: the new request did not appear live").to_be_visible()
    expect(request_row).to_contain_text("Sunny room by the Seine")
    expect(host.page.locator("#toasts .toast"), "host's reservations page: no toast for the request").to_contain_text(
        "Gus Guest"
    )
    assert host.page.evaluate("window.stillTheSamePage === true"), "host's reservations page reloaded"
    host.snap("request-appeared-live")

    # The host accepts; the guest's open booking page turns to confirmed on its own.
    request_row.get_by_role("button", name="Accept").click()
    expect(host.page.locator("h1 .booking-status"), "host's booking page: not confirmed after Accept").to_have_text(
        "Confirmed"
    )
    host.snap("accepted")
    expect(
        guest.page.locator("h1 .booking-status"), "guest's booking page: the acceptance did not appear live"
    ).to_have_text("Confirmed")
    expect(guest.page.locator("#toasts .toast"), "guest's booking page: no toast for the acceptance").to_contain_text(
        "confirmed"
    )
    assert guest.page.evaluate("window.stillTheSamePage === true"), "guest's booking page reloaded"
    guest.snap("confirmed-live")

    booking = Booking.objects.get(listing=listing)
    assert booking.status == BookingStatus.CONFIRMED
    assert Payment.objects.get(payer=booking.guest).status == Payment.Status.CAPTURED
