"""The demo on a phone: seed_demo's drawn pictures in the search results and in the listing's gallery,
which opens full screen."""

from __future__ import annotations

import io

from django.core.management import call_command
from playwright.sync_api import expect

from listings.models import Listing, ListingKind


def test_the_demo_shows_drawn_pictures_in_search_and_a_full_screen_gallery(
    live_url, journey, settings, server_media_root
):
    settings.MEDIA_ROOT = server_media_root  # the pictures go where the server process serves them from
    call_command("seed_demo", stdout=io.StringIO())
    page = journey.page

    page.goto(live_url + "/listings/search/?q=Paris&kind=room")
    covers = page.locator("#results .result img.cover")
    expect(covers.first, "search page: the demo rooms have no picture").to_be_visible(timeout=30_000)
    expect(covers.first, "search page: the cover picture was not served").not_to_have_js_property("naturalWidth", 0)
    journey.snap("demo-search-with-pictures")

    title = page.locator("#results .result .card-title a").first.inner_text()
    page.locator("#results .result .card-title a").first.click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    listing = Listing.objects.get(title=title)
    assert listing.kind == ListingKind.ROOM
    photos = page.locator(".photo-strip img")
    expect(photos, "listing page: the gallery does not show the room's three pictures").to_have_count(3)
    expect(photos.first, "listing page: the first picture was not served").not_to_have_js_property("naturalWidth", 0)
    journey.snap("demo-listing-gallery")

    page.locator(".photo-strip .gallery-open").first.click()
    dialog = page.locator("#gallery-dialog")
    expect(dialog, "gallery: a tap did not open the pictures full screen").to_be_visible()
    expect(dialog.locator("img").first).not_to_have_js_property("naturalWidth", 0)
    journey.snap("demo-gallery-full-screen")
    dialog.get_by_role("button", name="Close the photos").click()
    expect(dialog, "gallery: the close button did not close it").to_be_hidden()
