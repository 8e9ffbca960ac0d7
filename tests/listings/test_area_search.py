"""Map-area search against a brute force (geopy, every listing read) on random data: same listings, same order."""

from __future__ import annotations

import pytest
from geopy.distance import geodesic
from hypothesis import given
from hypothesis import strategies as st

from core.errors import DomainError
from listings.models import Listing, ListingStatus
from listings.search import Bounds, SearchQuery, search_listing_hits
from listings.search.query import kinds_of, price_kinds
from tests.conftest import make_user
from tests.listings.factories import bulk_listings
from tests.listings.test_search_correctness import HYPOTHESIS, KINDS, NOW, SORTS, scatter

pytestmark = pytest.mark.django_db


def in_box(bounds: Bounds, latitude: float, longitude: float) -> bool:
    if not bounds.south <= latitude <= bounds.north:
        return False
    if bounds.west > bounds.east:
        return longitude >= bounds.west or longitude <= bounds.east
    return bounds.west <= longitude <= bounds.east


def brute_force(query: SearchQuery) -> list[tuple[int, float]]:
    """Every active listing of the kind whose point is in the rectangle (drivers too, where they are based).

    Cheapest first compares like with like (listings.search.query.price_kinds: one kind, rooms when none is
    asked for) by the reference price, as in tests/listings/test_search_correctness.py.
    """
    assert query.bounds is not None
    hits = []
    kinds = price_kinds(query) if query.sort == "price" else kinds_of(query)
    for listing in Listing.objects.all():
        if listing.status != ListingStatus.ACTIVE or listing.kind not in kinds:
            continue
        if not in_box(query.bounds, listing.latitude, listing.longitude):
            continue
        distance = geodesic((query.latitude, query.longitude), (listing.latitude, listing.longitude)).km
        rating = listing.rating_sum / listing.rating_count if listing.rating_count else -1.0
        hits.append((listing.pk, distance, listing.reference_price, rating))
    if query.sort == "price":
        hits.sort(key=lambda hit: (hit[2], hit[0]))
    elif query.sort == "rating":
        hits.sort(key=lambda hit: (-hit[3], hit[1], hit[0]))
    else:
        hits.sort(key=lambda hit: (hit[1], hit[0]))
    return [(pk, distance) for pk, distance, _, _ in hits]


def assert_same_page(query: SearchQuery) -> None:
    expected = brute_force(query)
    offset = (query.page - 1) * query.page_size
    result = search_listing_hits(query, now=NOW)
    got = [(hit.listing_id, hit.distance_km) for hit in result.hits]
    window = expected[offset : offset + query.page_size]
    assert len(got) == len(window)
    distance_of = dict(expected)
    for (got_id, got_distance), (expected_id, expected_distance) in zip(got, window, strict=True):
        assert got_distance == pytest.approx(distance_of[got_id], abs=1e-6)
        tied = sum(abs(other - expected_distance) < 1e-6 for _, other in expected) > 1
        if query.sort == "price" or not tied:
            assert got_id == expected_id
    assert result.has_next == (len(expected) > offset + query.page_size)


def run_case(points, bounds: Bounds, kind, sort, page_size):
    Listing.objects.all().delete()
    bulk_listings(owner=make_user(), points=points)
    for page in (1, 2):
        assert_same_page(SearchQuery.in_area(bounds, kind=kind, sort=sort, page=page, page_size=page_size))


def boxes(centre_lat: float, centre_lng: float, spread: float):
    """Rectangles near a centre; longitudes wrap, so some cross the antimeridian."""

    def build(values):
        south, height, west, width = values
        south = max(-89.9, min(89.0, centre_lat + south))
        west = (centre_lng + west + 180) % 360 - 180
        east = (west + width + 180) % 360 - 180
        return Bounds(south=south, west=west, north=min(90.0, south + height), east=east)

    return st.tuples(
        st.floats(-spread, spread / 2), st.floats(0.01, spread), st.floats(-spread, spread / 2), st.floats(0.01, spread)
    ).map(build)


@HYPOTHESIS
@given(points=scatter(48.85, 2.35, 0.3), bounds=boxes(48.85, 2.35, 0.3), kind=KINDS, sort=SORTS, size=st.integers(1, 8))
def test_area_search_matches_brute_force_in_a_city(points, bounds, kind, sort, size):
    run_case(points, bounds, kind, sort, size)


@HYPOTHESIS
@given(
    points=scatter(-16.5, 179.95, 0.4),
    bounds=boxes(-16.5, 179.95, 0.4),
    kind=KINDS,
    sort=SORTS,
    size=st.integers(1, 8),
)
def test_area_search_matches_brute_force_across_the_antimeridian(points, bounds, kind, sort, size):
    run_case(points, bounds, kind, sort, size)


def test_a_rectangle_across_the_antimeridian_holds_both_sides_and_nothing_between():
    owner = make_user()
    fiji_east, fiji_west, _greenwich = bulk_listings(
        owner=owner,
        points=[
            {"latitude": -16.5, "longitude": 179.9},
            {"latitude": -16.5, "longitude": -179.9},
            {"latitude": -16.5, "longitude": 0.0},
        ],
    )
    query = SearchQuery.in_area(Bounds(south=-17, west=179.5, north=-16, east=-179.5))
    assert query.bounds is not None and query.bounds.crosses_antimeridian
    found = {hit.listing_id for hit in search_listing_hits(query, now=NOW).hits}
    assert found == {fiji_east.pk, fiji_west.pk}


def test_a_driver_is_in_an_area_where_it_is_based_not_where_it_travels():
    based_inside, based_outside = bulk_listings(
        owner=make_user(),
        points=[
            {"latitude": 48.85, "longitude": 2.35, "kind": "driver", "service_radius_km": 1},
            # 40 km away, serving 100 km around: it comes to the area, but is not in it.
            {"latitude": 48.85, "longitude": 2.90, "kind": "driver", "service_radius_km": 100},
        ],
    )
    for sort in ("distance", "price", "rating"):
        # Cheapest first compares one kind (rooms unless asked): ask for drivers.
        kind = "driver" if sort == "price" else None
        query = SearchQuery.in_area(Bounds(south=48.8, west=2.3, north=48.9, east=2.4), sort=sort, kind=kind)
        assert [hit.listing_id for hit in search_listing_hits(query, now=NOW).hits] == [based_inside.pk]
    assert based_outside.pk


@pytest.mark.parametrize(
    ("edges", "message"),
    [
        ((10, 20, 60, 30), "Zoom in and search again."),
        # Most of the way round the equator: its corners are 560 km apart the short way.
        ((0, 10, 1, 5), "Zoom in and search again."),
        ((-0.5, 0.001, 0.5, 0), "Zoom in and search again."),  # corners nearly antipodal from the centre
        ((48.9, 2.3, 48.8, 2.4), "south edge must be south of its north edge"),
        ((48.8, 2.3, 95, 2.4), "must lie on the globe"),
        ((48.8, -190, 48.9, 2.4), "must lie on the globe"),
        ((48.8, 2.3, 48.9, 2.3), "no width"),
    ],
)
def test_a_bad_rectangle_is_refused_with_a_clear_message(edges, message):
    south, west, north, east = edges
    with pytest.raises(DomainError) as refused:
        Bounds(south=south, west=west, north=north, east=east)
    assert message in refused.value.message


def test_the_covering_circle_holds_every_corner_and_edge_of_the_rectangle():
    bounds = Bounds(south=60.0, west=170.0, north=64.0, east=-175.0)
    latitude, longitude, radius = bounds.circle()
    for lat in (60.0, 61.0, 62.0, 63.0, 64.0):
        for lng in (170.0, 175.0, 179.999, -179.999, -175.0):
            assert geodesic((latitude, longitude), (lat, lng)).km <= radius


@HYPOTHESIS
@given(
    bounds=st.one_of(boxes(48.85, 2.35, 0.05), boxes(-16.5, 179.99, 0.05), boxes(89.9, 10, 0.05), boxes(0, 0, 0.05)),
    nudge=st.tuples(st.floats(-0.05, 0.05), st.floats(-0.05, 0.05)),
    listing_id=st.integers(1, 10**6),
)
def test_a_home_whose_area_point_is_in_the_rectangle_is_in_the_widened_rectangle(bounds, nudge, listing_id):
    # What privacy.public_search relies on: the index, searched on the widened rectangle, holds every such home.
    from listings import privacy

    latitude, longitude = bounds.centre
    home = (max(-90.0, min(90.0, latitude + nudge[0])), (longitude + nudge[1] + 180) % 360 - 180)
    place = privacy.area(Listing(pk=listing_id, latitude=home[0], longitude=home[1]))
    if bounds.holds(place.latitude, place.longitude):
        assert bounds.widened(privacy.OFFSET_MAX_M / 1000 + 0.01).holds(*home)


@HYPOTHESIS
@given(
    bounds=st.one_of(boxes(48.85, 2.35, 2.0), boxes(-16.5, 179.99, 2.0), boxes(75, -60, 3.0), boxes(0, 0, 1.0)),
    where=st.tuples(st.floats(0, 1), st.floats(0, 1)),
)
def test_pruning_keeps_the_cell_of_every_point_of_the_rectangle_and_flags_only_cells_inside(bounds, where):
    import h3
    import numpy as np

    from listings import geo

    latitude = bounds.south + where[0] * (bounds.north - bounds.south)
    longitude = (bounds.west + where[1] * bounds.span + 180) % 360 - 180
    cell = h3.latlng_to_cell(latitude, longitude, geo.RES_COARSE)
    centre_lat, centre_lng, radius = bounds.circle()
    cells, _ = geo.covering_cells(centre_lat, centre_lng, radius, geo.RES_COARSE)
    kept, whole = bounds.prune(cells, np.ones(len(cells), dtype=bool))
    assert cell in kept
    assert len(whole) == len(kept)
    for inside, flagged in zip(kept, whole, strict=True):
        if flagged:  # a cell taken as wholly inside: every vertex is (edges bulge by centimetres)
            assert all(bounds.holds(lat, lng) for lat, lng in h3.cell_to_boundary(inside))
