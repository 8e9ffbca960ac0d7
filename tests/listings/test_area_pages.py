"""Map-area search on the page and in the API: the visible rectangle in the URL, areas not homes, clear refusals."""

from __future__ import annotations

import pytest

from listings import privacy
from tests.listings.factories import make_listing

pytestmark = pytest.mark.django_db

SEARCH_PAGE = "/listings/search/"
SEARCH_API = "/api/v1/listings/search"


def box_around(latitude: float, longitude: float, half: float = 0.002) -> dict[str, float]:
    """A rectangle about 450 m by 300 m around a point: smaller than the area offset (450-750 m)."""
    return {"south": latitude - half, "west": longitude - half, "north": latitude + half, "east": longitude + half}


def test_the_page_lists_the_listings_in_the_rectangle_of_its_url(client):
    inside = make_listing(title="Canal room", latitude=48.8556, longitude=2.3601)
    make_listing(title="Lyon room", latitude=45.76, longitude=4.83)
    response = client.get(SEARCH_PAGE, {"south": 48.8, "west": 2.25, "north": 48.9, "east": 2.45})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="listing-{inside.pk}"' in html
    assert "Lyon room" not in html
    assert "In the area shown on the map" in html
    # The map redraws the rectangle from these, and the form keeps them for the next search (shareable URL).
    assert 'data-south="48.800000"' in html and 'data-east="2.450000"' in html
    assert 'name="south" value="48.8"' in html


def test_an_area_crossing_the_antimeridian_is_one_search_on_the_page(client):
    east_side = make_listing(title="Taveuni room", latitude=-16.8, longitude=179.95, time_zone="Pacific/Fiji")
    west_side = make_listing(title="Rabi room", latitude=-16.8, longitude=-179.95, time_zone="Pacific/Fiji")
    response = client.get(SEARCH_PAGE, {"south": -17.2, "west": 179.5, "north": -16.4, "east": -179.5})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="listing-{east_side.pk}"' in html and f'id="listing-{west_side.pk}"' in html


@pytest.mark.parametrize(
    ("edges", "message"),
    [
        ({"south": 35, "west": -10, "north": 60, "east": 20}, "Zoom in and search again."),
        ({"south": 48.9, "west": 2.3, "north": 48.8, "east": 2.4}, "south edge must be south of its north edge"),
        ({"south": 48.8, "west": 2.3, "north": 91, "east": 2.4}, "must lie on the globe"),
        ({"south": 48.8, "west": 2.3, "north": 48.9}, "Give all four edges of the area"),
    ],
)
def test_a_bad_rectangle_is_refused_on_the_page_and_in_the_api(client, edges, message):
    listing = make_listing(title="Canal room")
    page = client.get(SEARCH_PAGE, edges)
    assert page.status_code == 400
    assert message in page.content.decode()
    assert f'id="listing-{listing.pk}"' not in page.content.decode()
    api = client.get(SEARCH_API, edges)
    assert api.status_code == 400
    assert message in api.json()["detail"]


def test_the_api_searches_a_rectangle_and_ignores_the_radius(client):
    inside = make_listing(latitude=48.8556, longitude=2.3601)
    make_listing(latitude=48.95, longitude=2.3601)  # 10 km north, within the radius around the centre
    body = client.get(
        SEARCH_API, {"south": 48.8, "west": 2.25, "north": 48.9, "east": 2.45, "radius": 50, "sort": "price"}
    ).json()
    assert [item["id"] for item in body["results"]] == [inside.pk]
    assert body["has_next"] is False


def test_a_listing_is_in_an_area_by_its_public_area_point_not_by_its_home(client):
    listing = make_listing(latitude=48.8556, longitude=2.3601)
    area_lat, area_lng = privacy.area_point(listing.pk, listing.latitude, listing.longitude)
    # A small rectangle around the home, without the area point: nothing to find, the home stays hidden.
    around_home = client.get(SEARCH_API, box_around(listing.latitude, listing.longitude)).json()
    assert around_home["results"] == []
    # A small rectangle around the area point, without the home: the listing, shown at its area.
    around_area = client.get(SEARCH_API, box_around(area_lat, area_lng)).json()
    assert [item["id"] for item in around_area["results"]] == [listing.pk]
