"""Search against a brute-force geodesic scan (geopy) on random data: same listings, same order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from geopy.distance import geodesic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.rates import current_rates, to_reference
from listings.models import BusyPeriod, BusySource, Listing, ListingKind, ListingStatus
from listings.search import SearchQuery, search_listing_hits, units_between
from listings.search.query import kinds_of, price_kinds
from listings.services import hold_slot
from tests.conftest import make_user
from tests.listings.factories import bulk_listings

pytestmark = pytest.mark.django_db
NOW = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
HYPOTHESIS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def brute_force(query: SearchQuery) -> list[tuple[int, float]]:
    """Every listing read and measured with geopy, filtered and sorted in plain Python.

    Prices compare in the reference unit (core.rates); cheapest first compares like with like: one kind
    without dates (rooms when none is asked for), the totals for the dates otherwise.
    """
    hits = []
    rating = {}
    kinds = price_kinds(query) if query.sort == "price" else kinds_of(query)
    rates = current_rates()
    low = None if query.min_price is None else to_reference(query.min_price, query.currency, rates)
    high = None if query.max_price is None else to_reference(query.max_price, query.currency, rates)
    for listing in Listing.objects.select_related("driver").prefetch_related("busy_periods"):
        rating[listing.pk] = listing.rating_sum / listing.rating_count if listing.rating_count else -1.0
        if listing.status != ListingStatus.ACTIVE or listing.kind not in kinds:
            continue
        if query.guests and listing.capacity < query.guests:
            continue
        if low is not None and listing.reference_price < low:
            continue
        if high is not None and listing.reference_price > high:
            continue
        if query.instant_book and not listing.instant_book:
            continue
        if query.start:
            nights, hours = units_between(query.start, query.end)
            units = nights if listing.kind == ListingKind.ROOM else hours
            if not listing.min_units <= units <= listing.max_units:
                continue
            if (query.start - NOW) < timedelta(hours=listing.advance_notice_hours):
                continue
            if any(b.start < query.end and b.end > query.start for b in listing.busy_periods.all()):
                continue
        distance = geodesic((query.latitude, query.longitude), (listing.latitude, listing.longitude)).km
        reach = listing.driver.service_radius_km if listing.kind == ListingKind.DRIVER else query.radius_km
        if distance <= reach:
            units = 1
            if query.start:
                nights, hours = units_between(query.start, query.end)
                units = nights if listing.kind == ListingKind.ROOM else hours
            hits.append((listing.pk, distance, listing.reference_price * units))
    if query.sort == "price":
        hits.sort(key=lambda hit: (hit[2], hit[0]))
    elif query.sort == "rating":
        hits.sort(key=lambda hit: (-rating[hit[0]], hit[1], hit[0]))
    else:
        hits.sort(key=lambda hit: (hit[1], hit[0]))
    return [(pk, distance) for pk, distance, _ in hits]


def assert_same_page(query: SearchQuery) -> None:
    """Same listings in the same order; listings at the same distance (to the micrometre) may swap places."""
    expected = brute_force(query)
    offset = (query.page - 1) * query.page_size
    result = search_listing_hits(query, now=NOW)
    got = [(hit.listing_id, hit.distance_km) for hit in result.hits]
    window = expected[offset : offset + query.page_size]
    assert len(got) == len(window)
    assert len({pk for pk, _ in got}) == len(got)
    distance_of = dict(expected)
    for (got_id, got_distance), (expected_id, expected_distance) in zip(got, window, strict=True):
        assert got_distance == pytest.approx(distance_of[got_id], abs=1e-6)
        tied = sum(abs(other - expected_distance) < 1e-6 for _, other in expected) > 1
        if query.sort == "price" or not tied:
            assert got_id == expected_id
        else:
            assert got_distance == pytest.approx(expected_distance, abs=1e-6)
    assert result.has_next == (len(expected) > offset + query.page_size)


def scatter(centre_lat: float, centre_lng: float, spread: float):
    """Random listings around a centre (longitudes wrap, latitudes clamp), all kinds and prices."""
    point = st.fixed_dictionaries(
        {
            "latitude": st.floats(-spread, spread).map(lambda d: max(-90.0, min(90.0, centre_lat + d))),
            "longitude": st.floats(-spread * 3, spread * 3).map(lambda d: (centre_lng + d + 180) % 360 - 180),
            "kind": st.sampled_from(ListingKind.values),
            "unit_price": st.integers(100, 20000),
            # Several currencies, with and without a minor unit: cheapest first compares them converted.
            "currency": st.sampled_from(["EUR", "JPY", "USD", "KRW"]),
            "capacity": st.integers(1, 6),
            "instant_book": st.booleans(),
            "service_radius_km": st.floats(1, 60),
            "rating_count": st.integers(0, 3),
            "rating_sum": st.integers(0, 15),
        }
    )
    return st.lists(point, min_size=0, max_size=40)


def run_case(points, centre, radius, kind, sort, page_size):
    Listing.objects.all().delete()
    bulk_listings(owner=make_user(), points=points)
    for page in (1, 2):
        query = SearchQuery(
            latitude=centre[0],
            longitude=centre[1],
            radius_km=radius,
            kind=kind,
            sort=sort,
            page=page,
            page_size=page_size,
        )
        assert_same_page(query)


KINDS = st.sampled_from([None, *ListingKind.values])
SORTS = st.sampled_from(["distance", "price", "rating"])


@HYPOTHESIS
@given(points=scatter(48.85, 2.35, 0.3), radius=st.floats(0.5, 40), kind=KINDS, sort=SORTS, size=st.integers(1, 8))
def test_search_matches_brute_force_in_a_city(points, radius, kind, sort, size):
    run_case(points, (48.85, 2.35), radius, kind, sort, size)


@HYPOTHESIS
@given(
    points=scatter(-16.5, 179.95, 0.4),
    lng=st.sampled_from([179.99, -179.99, 180.0]),
    radius=st.floats(1, 60),
    kind=KINDS,
    sort=SORTS,
    size=st.integers(1, 8),
)
def test_search_matches_brute_force_across_the_antimeridian(points, lng, radius, kind, sort, size):
    run_case(points, (-16.5, lng), radius, kind, sort, size)


@HYPOTHESIS
@given(points=scatter(89.7, 0, 0.4), lat=st.sampled_from([89.9, 90.0, 89.5]), radius=st.floats(1, 80), sort=SORTS)
def test_search_matches_brute_force_near_the_north_pole(points, lat, radius, sort):
    run_case(points, (lat, 45.0), radius, None, sort, 5)


def test_a_driver_matches_only_when_the_requester_is_inside_its_service_radius():
    owner = make_user()
    far_reach, short_reach = bulk_listings(
        owner=owner,
        points=[
            # ~55 km east of the searcher, coming up to 80 km: matches even with a 5 km search.
            {"latitude": 48.85, "longitude": 3.10, "kind": ListingKind.DRIVER, "service_radius_km": 80},
            # ~3 km away but only serving 2 km around its base: does not come.
            {"latitude": 48.877, "longitude": 2.35, "kind": ListingKind.DRIVER, "service_radius_km": 2},
        ],
    )
    for sort, kind in (("distance", None), ("price", ListingKind.DRIVER)):
        query = SearchQuery(latitude=48.85, longitude=2.35, radius_km=5, sort=sort, kind=kind)
        result = search_listing_hits(query, now=NOW)
        ids = [hit.listing_id for hit in result.hits]
        assert far_reach.pk in ids
        assert short_reach.pk not in ids


def test_dates_exclude_booked_and_blocked_listings_and_respect_duration_and_notice():
    owner = make_user()
    booked, blocked, free, too_short_notice, min_three_nights = bulk_listings(
        owner=owner,
        points=[{"latitude": 48.85, "longitude": 2.35 + i / 1000, "min_units": 1, "max_units": 30} for i in range(5)],
    )
    Listing.objects.filter(pk=too_short_notice.pk).update(advance_notice_hours=72)
    Listing.objects.filter(pk=min_three_nights.pk).update(min_units=3)
    start = NOW + timedelta(days=2)
    hold_slot(listing=booked, start=start + timedelta(days=1), end=start + timedelta(days=4))
    hold_slot(
        listing=blocked, start=start - timedelta(days=3), end=start + timedelta(hours=1), source=BusySource.OWNER_BLOCK
    )
    # A booking that ends exactly when the stay starts does not overlap.
    hold_slot(listing=free, start=start - timedelta(days=2), end=start)
    query = SearchQuery(latitude=48.85, longitude=2.35, start=start, end=start + timedelta(days=2))
    ids = [hit.listing_id for hit in search_listing_hits(query, now=NOW).hits]
    assert ids == [free.pk]
    assert BusyPeriod.objects.count() == 3
    assert_same_page(query)


def test_pages_follow_each_other_without_gaps_or_repeats():
    owner = make_user()
    listings = bulk_listings(owner=owner, points=[{"latitude": 48.85 + i / 500, "longitude": 2.35} for i in range(25)])
    seen = []
    for page in (1, 2, 3):
        result = search_listing_hits(SearchQuery(latitude=48.85, longitude=2.35, page=page, page_size=10), now=NOW)
        seen += [hit.listing_id for hit in result.hits]
        assert result.has_next == (page < 3)
    assert seen == [listing.pk for listing in listings]


def test_paused_and_deleted_listings_are_not_found():
    owner = make_user()
    active, paused, deleted = bulk_listings(
        owner=owner, points=[{"latitude": 48.85, "longitude": 2.35 + i / 1000} for i in range(3)]
    )
    Listing.objects.filter(pk=paused.pk).update(status=ListingStatus.PAUSED)
    Listing.objects.filter(pk=deleted.pk).update(status=ListingStatus.DELETED)
    ids = [hit.listing_id for hit in search_listing_hits(SearchQuery(latitude=48.85, longitude=2.35), now=NOW).hits]
    assert ids == [active.pk]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"radius_km": 150}, "radius_km", "at most 100 km"),
        ({"latitude": 95}, "latitude", "between -90 and 90"),
        ({"kind": "boat"}, "kind", "rooms, cars or drivers"),
        ({"min_price": 500, "max_price": 100}, "max_price", "below the minimum"),
    ],
)
def test_bad_search_input_is_refused_with_a_message(fields, field, message):
    from core.errors import DomainError

    with pytest.raises(DomainError, match=message) as caught:
        SearchQuery(**{"latitude": 48.85, "longitude": 2.35, **fields})
    assert caught.value.field == field
