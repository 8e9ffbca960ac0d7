"""The new-listing map on a phone: the typed address places the pin, and a stray tap far away is flagged."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.people import DESKTOP, log_in, person, snap
from tests.listings.factories import make_listing


def test_typing_the_address_places_the_pin_and_a_far_tap_is_flagged(live_url, journey):
    host = person("hana.map@example.com", display_name="Hana")
    page = journey.page
    log_in(page, live_url, host.email, then="/listings/new/room/")

    page.get_by_label("Address").fill("10 Rue de Rivoli, Paris")
    page.get_by_label("Address").press("Tab")
    pin_map = page.locator("#pin-map")
    expect(pin_map.locator(".leaflet-marker-icon"), "the address did not place the pin").to_be_visible(timeout=30_000)
    expect(page.locator("#pin-warning"), "a pin at the address was flagged").to_be_hidden()
    journey.snap("address-placed-the-pin")

    # Zoom out far enough that a tap near the map's edge lands tens of km away.
    for _ in range(6):
        pin_map.locator(".leaflet-control-zoom-out").click()
        page.wait_for_timeout(300)
    box = pin_map.bounding_box()
    pin_map.click(position={"x": box["width"] - 8, "y": box["height"] / 2})

    expect(page.locator("#pin-warning"), "a pin far from the address was not flagged").to_contain_text("km from Paris")
    journey.snap("far-pin-flagged")


def test_on_a_desktop_the_search_map_shows_the_results_beside_the_list(live_url, journey, browser):
    make_listing(title="Sunny room by the Seine")
    context = browser.new_context(**DESKTOP)
    try:
        page = context.new_page()
        page.goto(live_url + "/listings/search/?q=Paris")
        # Wide screens load the map at once (phones only when "Map" is tapped): list and markers side by side.
        markers = page.locator("#search-map .leaflet-marker-icon")
        expect(markers, "desktop search: no marker beside the list").to_have_count(1, timeout=30_000)
        expect(page.locator("#results .result")).to_have_count(1)
        expect(page.locator("#map-toggle"), "desktop search: the phone's Map/List switch shows").to_be_hidden()
        expect(markers.first, "desktop search: the marker picture was not served").not_to_have_js_property(
            "naturalWidth", 0
        )
        snap(journey, page, "desktop-search-map-and-list")
    finally:
        context.close()
