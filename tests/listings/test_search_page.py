"""The search page: a place typed, results listed with markers data, htmx partials, shareable URLs."""

import pytest

from listings.models import ListingKind
from tests.listings.factories import make_listing

pytestmark = pytest.mark.django_db


def test_search_page_renders_a_result_for_a_place_name(client):
    listing = make_listing(title="Canal room")
    response = client.get("/listings/search/", {"q": "Paris", "kind": "room"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Canal room" in html
    assert f'id="listing-{listing.pk}"' in html
    assert 'id="search-map"' in html
    assert "vendor/leaflet/leaflet.js" in html


def test_htmx_request_gets_only_the_results(client):
    make_listing(title="Canal room")
    response = client.get("/listings/search/", {"lat": "48.8556", "lng": "2.3601"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Canal room" in html
    assert "<html" not in html


def test_filters_apply_on_the_page(client):
    make_listing(title="Canal room")
    make_listing(title="Red car", kind=ListingKind.CAR)
    html = client.get("/listings/search/", {"q": "Paris", "kind": "car"}).content.decode()
    assert "Red car" in html
    assert "Canal room" not in html


def test_an_unknown_place_is_explained(client):
    response = client.get("/listings/search/", {"q": "Qwxzyville"})
    assert response.status_code == 400
    assert "We could not find" in response.content.decode()


def test_home_page_has_the_search_box_and_nav_link(client):
    html = client.get("/").content.decode()
    assert 'action="/listings/search/"' in html
    assert "List your place" in html


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("9999-12-31T20:00", "9999-12-31T23:00", "Pick dates within the next 730 days."),
        ("2020-01-01T10:00", "2020-01-02T10:00", "Those dates have passed. Pick dates from today on."),
    ],
)
def test_search_dates_far_ahead_or_past_are_refused_with_a_message(client, start, end, message):
    response = client.get("/listings/search/", {"q": "Paris", "start": start, "end": end})

    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_search_api_refuses_dates_beyond_any_listings_horizon(client):
    response = client.get(
        "/api/v1/listings/search", {"q": "Paris", "start": "2099-01-01T10:00:00Z", "end": "2099-01-02T10:00:00Z"}
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "Pick dates within the next 730 days."
