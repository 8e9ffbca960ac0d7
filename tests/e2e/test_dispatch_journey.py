"""On demand in the browser: a requester types their address and asks for a driver now, two providers' pages
(a phone and a desktop) show the offer live with its area, fare and the rider's rating, one accepts, the
other's offer disappears, and the requester sees their driver's arrival estimate and messages them.

Every page is served by daphne on the test database; the offers travel over the dispatch socket.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from bookings.models import Booking, BookingStatus
from dispatch.inputs import Position
from dispatch.models import DispatchRequest, RequestState
from dispatch.services.availability import go_available
from listings.models import ListingKind
from tests.dispatch.factories import point_at
from tests.e2e.people import DESKTOP, log_in, own_tab, person, snap
from tests.listings.factories import make_listing


def driver_available_at(email: str, name: str, km: float):
    owner = person(email, display_name=name)
    listing = make_listing(owner=owner, kind=ListingKind.DRIVER, title=f"{name} drives", instant_book=True)
    lat, lng = point_at(km)
    go_available(provider=owner, listing_id=listing.pk, position=Position(lat, lng))
    return owner, listing


def test_a_requester_gets_a_driver_now_the_first_provider_to_accept_wins_the_others_offer_vanishes(
    live_url, journey, browser, ledger_checked
):
    ana, ana_listing = driver_available_at("ana@example.com", "Ana", km=1.0)
    ben, _ = driver_available_at("ben@example.com", "Ben", km=2.5)
    rider = person("rita@example.com", display_name="Rita Rider")

    with (
        own_tab(browser, live_url, ana, then="/dispatch/provider/") as ana_page,
        own_tab(browser, live_url, ben, then="/dispatch/provider/", device=DESKTOP) as ben_page,
    ):
        for page in (ana_page, ben_page):
            expect(page.get_by_text("No offer right now"), "provider page before any request").to_be_visible()
            expect(page.locator("body"), "provider page: dispatch socket").to_have_attribute(
                "data-dispatch-socket", "open"
            )
        snap(journey, ana_page, "ana-available-waiting")

        page = journey.page
        log_in(page, live_url, rider.email, then="/dispatch/")
        # The address, typed: geocoded by the site (offline), the pin and the position fields follow.
        page.get_by_label("Type an address").fill("Paris")
        page.get_by_role("button", name="Find it").click()
        expect(page.locator("[data-locate-status]"), "need page: the address was not found").to_contain_text(
            "Pickup set at Paris"
        )
        expect(page.get_by_label("Latitude"), "need page: the address did not set the position").not_to_have_value("")
        page.get_by_label("For how many hours").fill("2")
        page.get_by_label("For how many hours").dispatch_event("change")
        expect(page.locator("[data-estimate]"), "need page: the fare estimate").to_contain_text("Estimated fare")
        page.get_by_placeholder("number").fill("4242424242424242")
        page.get_by_placeholder("exp_month").fill("12")
        page.get_by_placeholder("exp_year").fill("34")
        page.get_by_placeholder("cvc").fill("123")
        journey.snap("rider-asks-for-a-driver")
        page.get_by_role("button", name="Find me a driver now").click()
        expect(page.locator("[data-status]"), "request page while looking").to_contain_text("Looking for a provider")
        job = DispatchRequest.objects.get(requester=rider)

        ana_offer = ana_page.locator(f'[data-offer="{job.pk}"]')
        ben_offer = ben_page.locator(f'[data-offer="{job.pk}"]')
        for offer, who in ((ana_offer, "Ana"), (ben_offer, "Ben")):
            expect(offer, f"{who}'s page: the offer arrives live").to_contain_text("km away")
            expect(offer, f"{who}'s page: the pickup area").to_contain_text("near Paris")
            expect(offer, f"{who}'s page: the rider's rating").to_contain_text("New rider: no reviews yet")
            # The fare as the server's formatter wrote it (the page's script no longer formats amounts).
            expect(offer.locator("[data-offer-fare]"), f"{who}'s page: the fare").to_have_text(
                re.compile(r"^€\d+\.\d\d$")
            )
        snap(journey, ana_page, "ana-sees-the-offer")
        snap(journey, ben_page, "ben-sees-the-offer")

        ana_offer.get_by_role("button", name="Accept").click()
        expect(ana_page.get_by_text("The job is yours"), "Ana after accepting").to_be_visible()
        expect(ben_offer, "Ben's page: the taken offer disappears").to_have_count(0)
        expect(ben_page.get_by_text("No offer right now"), "Ben's page after the job was taken").to_be_visible()
        snap(journey, ana_page, "ana-has-the-job")
        snap(journey, ben_page, "ben-offer-gone")

    expect(page.locator("[data-status]"), "rider's page: the driver is on the way").to_contain_text("Ana is on the way")
    expect(page.locator("[data-eta]"), "rider's page: no arrival estimate").to_contain_text("Arrives in about")
    journey.snap("rider-sees-ana-on-the-way")
    page.get_by_role("link", name="Message Ana").click()
    page.get_by_label("Your message").fill("I'm by the blue door.")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#thread-messages .rt-message.mine")).to_contain_text("blue door")
    journey.snap("rider-messages-ana-through-sharing")
    job.refresh_from_db()
    assert job.state == RequestState.ASSIGNED and job.assigned_listing_id == ana_listing.pk
    assert Booking.objects.get(pk=job.booking_id).status == BookingStatus.CONFIRMED
