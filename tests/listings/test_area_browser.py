"""The search page's map in headless Chromium: clusters, "Search this area" after a pan, the area in the URL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.listings.factories import make_listing
from tests.support.browser import open_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with open_chromium() as browser:
        yield browser


def open_page(chromium: Browser, url: str) -> Page:
    page = chromium.new_page(viewport={"width": 1200, "height": 900})
    # No internet here: map tiles are answered empty at once instead of waiting for a timeout.
    page.route(re.compile(r"https://tile\.openstreetmap\.org/.*"), lambda route: route.fulfill(status=204))
    page.goto(url)
    return page


def drag_map(page: Page, dx: int, dy: int) -> None:
    box = page.locator("#search-map").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx / 2, y + dy / 2, steps=5)
    page.mouse.move(x + dx, y + dy, steps=5)
    page.mouse.up()


def edges_of(url: str) -> dict[str, float]:
    params = parse_qs(urlparse(url).query)
    return {name: float(params[name][0]) for name in ("south", "west", "north", "east")}


def test_a_pan_offers_search_this_area_which_searches_the_visible_rectangle(chromium, live_server):
    for number in range(5):
        make_listing(title=f"Paris room {number}", latitude=48.8556, longitude=2.3601 + number * 0.001)
    page = open_page(chromium, f"{live_server.url}/listings/search/?south=48.4&west=1.8&north=49.3&east=2.9")
    expect(page.locator("#results .result")).to_have_count(5)
    # Five results within a few hundred metres, at a zoom of ~100 km: one cluster marker with their count.
    expect(page.locator(".result-cluster")).to_have_text("5")
    button = page.locator("#search-this-area")
    expect(button).to_be_hidden()

    drag_map(page, -300, 0)  # the view moves east, away from Paris
    expect(button).to_be_visible()
    button.click()
    expect(page.locator("#results")).to_contain_text("Nothing free in this area")
    expect(button).to_be_hidden()
    moved = edges_of(page.url)
    assert moved["west"] > 1.8 and moved["east"] > 2.9
    assert moved["south"] < 48.8556 < moved["north"]

    page.go_back()  # the URL carried the previous area: back shows Paris again
    expect(page).to_have_url(re.compile(r"west=1\.8"))


def test_search_this_area_across_the_antimeridian_sends_a_west_edge_east_of_the_east_edge(chromium, live_server):
    listing = make_listing(title="Rabi room", latitude=-16.45, longitude=-179.95, time_zone="Pacific/Fiji")
    page = open_page(chromium, f"{live_server.url}/listings/search/?south=-16.9&west=179.6&north=-16.0&east=179.9")
    expect(page.locator("#results")).to_contain_text("Nothing free in this area")
    drag_map(page, -200, 0)  # east, over the antimeridian
    page.locator("#search-this-area").click()
    expect(page.locator(f"#listing-{listing.pk}")).to_be_visible()
    edges = edges_of(page.url)
    assert edges["west"] > edges["east"]
    assert -180 <= edges["east"] <= 180 and -180 <= edges["west"] <= 180
