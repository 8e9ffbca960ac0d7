"""Nearest first where a plane and the ellipsoid disagree most: the pages stay exact.

On PostgreSQL nearest first walks an index of (longitude, Mercator ordinate) points in the plane's order
(listings.search.nearest) and proves each page with a lower bound of the geodesic. Mercator keeps a
kilometre the same length in every direction around a point, but not from one latitude to the next, nor
on the ellipsoid; and it was the plane of (longitude, latitude) before (migration 0025), where at 60
degrees a kilometre east is twice as many degrees as a kilometre north, so that the rows read first
(north and south of the searcher) were not the nearest (east and west of them). A bound that overstated
how far the unread rows are would return the wrong page in these cases. SQLite's rings answer the same.
"""

from __future__ import annotations

import math
import random

import pytest
from django.db import connection
from geopy.distance import geodesic
from hypothesis import given, settings
from hypothesis import strategies as st

from listings import geo
from listings.models import ListingKind
from listings.search import Bounds, SearchQuery, search_listing_hits
from listings.search.statements import fetch
from tests.conftest import make_user
from tests.listings.factories import bulk_listings
from tests.listings.test_search_correctness import NOW, assert_same_page
from tests.listings.test_search_reading import forget_prepared_statements

pytestmark = pytest.mark.django_db


def cross(centre: tuple[float, float], seed: int, kinds: tuple[str, ...]) -> list[dict]:
    """Listings due east and west 1.0-1.3 km away, and more due north and south 1.3-2.2 km away."""
    rng = random.Random(seed)
    points = []
    for bearings, near, far, count in (((90, 270), 1.0, 1.3, 30), ((0, 180), 1.3, 2.2, 80)):
        for _ in range(count):
            spot = geodesic(kilometers=rng.uniform(near, far)).destination(centre, rng.choice(bearings))
            kind = rng.choice(kinds)
            points.append(
                {
                    "latitude": spot.latitude,
                    "longitude": spot.longitude,
                    "kind": kind,
                    "service_radius_km": rng.uniform(1, 5),
                }
            )
    return points


@settings(max_examples=500, deadline=None)
@given(
    latitude=st.floats(-84.9, 84.9),
    longitude=st.floats(-179, 179),
    radius_km=st.floats(0.1, 300),
    shares=st.tuples(st.floats(0, 1), st.floats(0, 1)),
    bearings=st.tuples(st.floats(0, 360), st.floats(0, 360)),
)
def test_the_mercator_bound_never_overstates_the_geodesic(latitude, longitude, radius_km, shares, bearings):
    """Any two points of a search's box, the searcher's and another: their geodesic is at least the bound of
    their distance in the plane of (longitude, Mercator ordinate), the one nearest first proves pages with."""
    box = geo.degree_box(latitude, longitude, radius_km)
    west, south, east, north = box
    if not geo.mercator_plane_holds(box):
        return  # the geography walk answers these
    searcher = (latitude, longitude)
    point = geodesic(kilometers=radius_km * shares[0]).destination(searcher, bearings[0])
    # And a point of the box's corners too, outside the circle: the walk reads those as well.
    corner = (south + (north - south) * shares[1], west + (east - west) * (bearings[1] / 360))
    for lat, lng in ((point.latitude, point.longitude), corner):
        planar = math.hypot(lng - longitude, geo.mercator_degrees(lat) - geo.mercator_degrees(latitude))
        assert geodesic(searcher, (lat, lng)).km >= geo.mercator_lower_bound_km(planar, box) - 1e-9


def test_the_mercator_plane_reads_about_the_rows_it_proves():
    """Its stretch (how many times the rows of the circle the walk reads) is ~1 where the plane of degrees
    read 1/cos(latitude) times as many: 1.56 at 50 degrees."""
    assert geo.mercator_stretch(geo.degree_box(50.0, 8.0, 10)) < 1.03
    assert geo.mercator_stretch(geo.degree_box(-0.01, 8.0, 10)) < 1.02
    assert geo.mercator_stretch(geo.degree_box(80.0, 8.0, 10)) < 1.08
    assert geo.mercator_degrees(90.0) < 3000 and geo.mercator_degrees(-90.0) > -3000  # finite at the poles
    with pytest.raises(ValueError, match="85 degrees"):
        geo.mercator_lower_bound_km(1.0, geo.degree_box(84.99, 8.0, 10))


@pytest.mark.parametrize("centre", [(60.0, 10.0), (-60.0, -70.0), (60.0, 179.9), (84.0, 30.0), (85.5, 30.0)])
@pytest.mark.parametrize("kind", [ListingKind.ROOM, None])
def test_nearest_first_is_exact_where_the_plane_reads_the_farther_rows_first(centre, kind):
    bulk_listings(
        owner=make_user(),
        points=cross(centre, seed=int(centre[1]), kinds=(kind,) if kind else tuple(ListingKind.values)),
    )
    for page in (1, 2):
        assert_same_page(
            SearchQuery(latitude=centre[0], longitude=centre[1], radius_km=5, kind=kind, page=page, page_size=20)
        )


def test_a_map_view_where_the_plane_reads_the_farther_rows_first_is_exact():
    centre = (60.0, 10.0)
    points = cross(centre, seed=3, kinds=tuple(ListingKind.values))
    bulk_listings(owner=make_user(), points=points)
    bounds = Bounds(south=59.97, west=9.94, north=60.03, east=10.06)
    query = SearchQuery.in_area(bounds, page_size=20)
    got = [hit.listing_id for hit in search_listing_hits(query, now=NOW).hits]
    inside = [p for p in points if bounds.holds(p["latitude"], p["longitude"])]
    assert len(got) == 20 < len(inside)
    distances = [
        geodesic((query.latitude, query.longitude), (row[1], row[2])).km
        for row in fetch(
            "SELECT id, latitude, longitude FROM listings_listing WHERE id IN (" + ", ".join(["%s"] * len(got)) + ")",
            got,
            width=3,
        )
    ]
    nearest_inside = sorted(
        geodesic((query.latitude, query.longitude), (p["latitude"], p["longitude"])).km for p in inside
    )
    assert sorted(distances) == pytest.approx(nearest_inside[:20], abs=1e-6)


@pytest.mark.postgres_only
def test_nearest_first_on_postgresql_walks_a_quadtree_of_each_kind_without_reading_the_table():
    """Each kind's rows come from its SP-GiST index of Mercator points (migration 0026) in distance order, as an
    index-only scan.

    0022's sorted GiSTs read 7 index pages for a dense centre's page at 100,000 listings and 18 at 1,000,000;
    a quadtree's nodes do not overlap, and the same page reads 10 at both sizes. A test's few hundred rows are
    cheaper to read whole and sort, so the statement is planned here with sequential scans off: what is shown
    is that the index answers it in its order, without a sort and without the table."""
    centre = (48.8566, 2.3522)
    bulk_listings(owner=make_user(), points=cross(centre, seed=3, kinds=tuple(ListingKind.values)))
    reads = []

    def recorded(execute, sql, params, many, context):
        reads.append((sql, params))
        return execute(sql, params, many, context)

    with connection.cursor() as cursor:
        forget_prepared_statements(cursor)  # earlier tests on this connection may have planned it already
        cursor.execute("SET LOCAL enable_seqscan = off")
    with connection.execute_wrapper(recorded):
        search_listing_hits(SearchQuery(latitude=centre[0], longitude=centre[1], radius_km=5), now=NOW)
    sql, params = next((sql, params) for sql, params in reads if "EXECUTE search_" in sql)  # the first walk
    [execute] = [part for part in sql.split("; ") if part.startswith("EXECUTE ")]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {execute}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
        forget_prepared_statements(cursor)  # nor leave it planned with sequential scans off to the next tests
    for kind in ListingKind.values:
        assert f"Index Only Scan using listing_mercator_active_{kind} " in plan, plan
    assert "listing_planar_active" not in plan and "listing_quadtree_active" not in plan, plan
    assert "Seq Scan" not in plan and "Sort  (" not in plan, plan
