"""Cheapest first in dense cells, where the price cap decides how far each scan walks: the pages stay exact.

The cap is the page's last price among rows certainly inside the circle (listings.search.cheapest):
these build the cases where it matters, a cell the circle only partly covers with the cheapest
rooms on or just beyond its rim, cheaper cars and paused rooms mixed in, and a map view that holds
no coarse cell whole, and compare every page with the brute force.
"""

from __future__ import annotations

import random

import h3
import pytest
from geopy.distance import geodesic

from listings import geo
from listings.models import ListingKind, ListingStatus
from listings.search import Bounds, SearchQuery
from tests.conftest import make_user
from tests.listings import test_area_search
from tests.listings.factories import bulk_listings
from tests.listings.test_search_correctness import assert_same_page

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cheapest_by_merge")]


@pytest.fixture
def cheapest_by_merge(monkeypatch):
    """The merge of per-cell scans on PostgreSQL too (a sparse circle is otherwise read whole there)."""
    from listings.search import cheapest

    monkeypatch.setattr(cheapest, "_SPARSE", 0)


def coarse_cell_centre() -> tuple[float, float]:
    """The centre of the coarse cell holding central Paris: a small circle around it stays in that cell."""
    return h3.cell_to_latlng(h3.latlng_to_cell(48.85, 2.35, geo.RES_COARSE))


def at(centre: tuple[float, float], km: float, bearing: float) -> dict:
    point = geodesic(kilometers=km).destination(centre, bearing)
    return {"latitude": point.latitude, "longitude": point.longitude}


def crowded_rim(centre: tuple[float, float], radius_km: float, seed: int) -> list[dict]:
    """Rooms inside and around a circle, the cheapest hugging its rim; cheaper cars and paused rooms between.

    On the rim (geodesic just within the radius) a room is a hit but not certainly inside by the
    great-circle test the cap uses; just beyond it, it passes the SQL superset and is not a hit.
    """
    rng = random.Random(seed)
    points = []
    for _ in range(40):  # just within the rim, the cheapest hits
        points.append({**at(centre, radius_km * rng.uniform(0.996, 0.9999), rng.uniform(0, 360)), "unit_price": 500})
    for _ in range(40):  # just beyond the rim, cheaper still: never hits
        points.append({**at(centre, radius_km * rng.uniform(1.0001, 1.004), rng.uniform(0, 360)), "unit_price": 300})
    for _ in range(80):  # well inside, dearer
        points.append({**at(centre, radius_km * rng.uniform(0, 0.95), rng.uniform(0, 360)), "unit_price": 900})
    for point in points:
        point["unit_price"] += rng.randint(0, 400)  # ties too: ordered by id
    for _ in range(60):  # cars and drivers cheaper than any room, and paused rooms: not in a rooms page
        kind = rng.choice([ListingKind.CAR, ListingKind.DRIVER])
        points.append(
            {**at(centre, radius_km * rng.uniform(0, 1), rng.uniform(0, 360)), "kind": kind, "unit_price": 100}
        )
    for _ in range(20):
        points.append(
            {
                **at(centre, radius_km * rng.uniform(0, 1), rng.uniform(0, 360)),
                "unit_price": 100,
                "status": ListingStatus.PAUSED,
            }
        )
    return points


@pytest.mark.parametrize("radius_km", [0.8, 2.5])
def test_cheapest_first_is_exact_when_the_cheapest_rooms_hug_the_rim(radius_km):
    centre = coarse_cell_centre()
    bulk_listings(owner=make_user(), points=crowded_rim(centre, radius_km, seed=int(radius_km * 10)))
    for page in (1, 2, 3, 4):
        query = SearchQuery(
            latitude=centre[0], longitude=centre[1], radius_km=radius_km, sort="price", page=page, page_size=9
        )
        assert_same_page(query)


def test_cheapest_first_with_a_price_range_in_another_currency_is_exact_in_a_dense_cell():
    centre = coarse_cell_centre()
    bulk_listings(owner=make_user(), points=crowded_rim(centre, 1.5, seed=3))
    for page in (1, 2, 3):
        query = SearchQuery(
            latitude=centre[0],
            longitude=centre[1],
            radius_km=1.5,
            sort="price",
            currency="JPY",
            min_price=900,
            max_price=1500,
            page=page,
            page_size=7,
        )
        assert_same_page(query)


def test_cheapest_first_in_a_map_view_that_holds_no_coarse_cell_whole_is_exact():
    centre = coarse_cell_centre()
    bounds = Bounds(south=centre[0] - 0.01, west=centre[1] - 0.02, north=centre[0] + 0.012, east=centre[1] + 0.015)
    query = SearchQuery.in_area(bounds, sort="price")
    cells, _ = geo.covering_cells(query.latitude, query.longitude, query.radius_km, geo.RES_COARSE)
    _, whole = bounds.prune(cells, geo.upper_bounds_km(query.latitude, query.longitude, cells) <= query.radius_km)
    assert not whole.any()
    rng = random.Random(11)
    points = []
    for _ in range(200):  # the view and around it, the cheapest just outside its edges
        latitude = rng.uniform(bounds.south - 0.01, bounds.north + 0.01)
        longitude = rng.uniform(bounds.west - 0.02, bounds.east + 0.02)
        inside = test_area_search.in_box(bounds, latitude, longitude)
        price = rng.randint(1000, 3000) if inside else rng.randint(100, 1200)
        points.append({"latitude": latitude, "longitude": longitude, "unit_price": price})
    points += [{"latitude": centre[0], "longitude": centre[1], "kind": ListingKind.CAR, "unit_price": 100}] * 5
    bulk_listings(owner=make_user(), points=points)
    for page in (1, 2, 3):
        test_area_search.assert_same_page(SearchQuery.in_area(bounds, sort="price", page=page, page_size=8))
