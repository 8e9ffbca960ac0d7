"""On demand in the browser: a requester asks for a driver now, two providers' pages show the offer live,
one accepts, the other's offer disappears, and the requester sees their driver on the way.

Every page is served by daphne on the test database; the offers travel over the dispatch socket.
"""

from __future__ import annotations

from playwright.sync_api import expect

from bookings.models import Booking, BookingStatus
from dispatch.inputs import Position
from dispatch.models import DispatchRequest, RequestState
from dispatch.services.availability import go_available
from listings.models import ListingKind
from tests.dispatch.factories import HERE, point_at
from tests.e2e.people import log_in, own_tab, person, snap
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
        own_tab(browser, live_url, ben, then="/dispatch/provider/") as ben_page,
    ):
        for page in (ana_page, ben_page):
            expect(page.get_by_text("No offer right now"), "provider page before any request").to_be_visible()
            expect(page.locator("body"), "provider page: dispatch socket").to_have_attribute(
                "data-dispatch-socket", "open"
            )
        snap(journey, ana_page, "ana-available-waiting")

        page = journey.page
        log_in(page, live_url, rider.email, then="/dispatch/")
        page.get_by_label("Latitude").fill(f"{HERE[0]:.6f}")
        page.get_by_label("Longitude").fill(f"{HERE[1]:.6f}")
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
        expect(ana_offer, "Ana's page: the offer arrives live").to_contain_text("1.0 km away")
        expect(ben_offer, "Ben's page: the offer arrives live").to_contain_text("2.5 km away")
        snap(journey, ana_page, "ana-sees-the-offer")
        snap(journey, ben_page, "ben-sees-the-offer")

        ana_offer.get_by_role("button", name="Accept").click()
        expect(ana_page.get_by_text("The job is yours"), "Ana after accepting").to_be_visible()
        expect(ben_offer, "Ben's page: the taken offer disappears").to_have_count(0)
        expect(ben_page.get_by_text("No offer right now"), "Ben's page after the job was taken").to_be_visible()
        snap(journey, ana_page, "ana-has-the-job")
        snap(journey, ben_page, "ben-offer-gone")

    expect(page.locator("[data-status]"), "rider's page: the driver is on the way").to_contain_text("Ana is on the way")
    journey.snap("rider-sees-ana-on-the-way")
    job.refresh_from_db()
    assert job.state == RequestState.ASSIGNED and job.assigned_listing_id == ana_listing.pk
    assert Booking.objects.get(pk=job.booking_id).status == BookingStatus.CONFIRMED
