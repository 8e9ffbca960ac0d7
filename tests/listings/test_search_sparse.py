"""Cheapest first in a sparse circle: on PostgreSQL, the rows of a box of degrees read from an index alone.

listings.search.cheapest reads the rooms (or cars...) in the box of degrees that holds the circle
(geo.degree_box) through a GiST index that carries what it reads (migration 0020), sorts them by price
and measures them only until the page is full. The box must hold every point of the circle (else a
hit is missed), the rows in its corners are cheaper here and never hits, and the statement must be
one the index answers alone.
"""

from __future__ import annotations

import random

import pytest
from django.db import connection
from geopy.distance import geodesic
from hypothesis import given, settings
from hypothesis import strategies as st

from listings import geo
from listings.models import ListingKind
from listings.search import SearchQuery, cheapest
from listings.search.statements import fetch
from tests.conftest import make_user
from tests.listings.factories import bulk_listings
from tests.listings.test_search_correctness import assert_same_page
from tests.listings.test_search_density import at, crowded_rim


@settings(max_examples=300, deadline=None)
@given(
    latitude=st.floats(-89.9, 89.9),
    longitude=st.floats(-180, 180),
    radius_km=st.floats(0.1, 100),
    share=st.floats(0, 1),
    bearing=st.floats(0, 360),
)
def test_the_degree_box_holds_every_point_within_the_radius(latitude, longitude, radius_km, share, bearing):
    west, south, east, north = geo.degree_box(latitude, longitude, radius_km)
    point = geodesic(kilometers=radius_km * share).destination((latitude, longitude), bearing)
    assert south <= point.latitude <= north
    assert west <= point.longitude <= east


def test_the_degree_box_spans_every_longitude_across_the_antimeridian_and_near_a_pole():
    assert geo.degree_box(-18.1, 179.95, 10)[::2] == (-180.0, 180.0)
    assert geo.degree_box(89.95, 20.0, 10)[::2] == (-180.0, 180.0)
    west, _, east, _ = geo.degree_box(48.85, 2.35, 10)
    assert east - 2.35 == pytest.approx(2.35 - west)
    assert 0.13 < east - 2.35 < 0.15


def cheaper_in_the_corners(centre: tuple[float, float], radius_km: float, seed: int) -> list[dict]:
    """Rooms in the box's corners, outside the circle and cheaper than any room in it: never hits."""
    rng = random.Random(seed)
    return [
        {
            **at(centre, radius_km * rng.uniform(1.05, 1.35), rng.choice([45, 135, 225, 315]) + rng.uniform(-8, 8)),
            "unit_price": rng.randint(100, 200),
        }
        for _ in range(60)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("radius_km", [0.8, 4.0])
def test_cheapest_first_in_a_sparse_circle_is_exact_at_the_rim_and_in_the_box_corners(radius_km):
    centre = (51.9, 0.3)
    points = crowded_rim(centre, radius_km, seed=int(radius_km * 10))
    points += cheaper_in_the_corners(centre, radius_km, seed=3)
    bulk_listings(owner=make_user(), points=points)
    for kind in (None, ListingKind.CAR):
        for page in (1, 2, 3, 4):
            query = SearchQuery(
                latitude=centre[0],
                longitude=centre[1],
                radius_km=radius_km,
                kind=kind,
                sort="price",
                page=page,
                page_size=9,
            )
            assert_same_page(query)


@pytest.mark.django_db
@pytest.mark.postgres_only
@pytest.mark.parametrize("kind", [ListingKind.ROOM, ListingKind.CAR])
def test_a_sparse_circle_is_read_from_the_box_index_alone(kind, monkeypatch):
    """The statement's rows come from an index-only scan of the kind's box index (its condition proven)."""
    centre = (51.9, 0.3)
    bulk_listings(owner=make_user(), points=[{**at(centre, 3, 40 * n), "kind": kind} for n in range(9)])
    reads = []
    monkeypatch.setattr(
        cheapest, "fetch", lambda sql, params, **kwargs: reads.append((sql, params)) or fetch(sql, params, **kwargs)
    )
    assert_same_page(SearchQuery(latitude=centre[0], longitude=centre[1], kind=kind, sort="price"))
    sql, params = reads[0]
    with connection.cursor() as cursor:
        # A test's few rows are cheaper to read from the table: what matters is that the index can answer.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert f"Index Only Scan using listing_box_active_{kind} on listings_listing" in plan
