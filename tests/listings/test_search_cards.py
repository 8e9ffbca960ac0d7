"""The search API's answer built from plain rows (listings.cards) is byte for byte the model path's answer.

The model path is what the API answered before: `privacy.public_search` loading Listing instances,
`approximate_prices`, `api._out` for each listing and SearchOut validated then written by pydantic.
It still serves the search page, so the two must never drift: every search below, by every kind of
viewer, is answered by the API and compared with the model path's JSON for the same query.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.rates import STALE_AFTER, Rates, shipped_rates, stale_note, store
from listings import api, cards, privacy, selectors
from listings.models import BusyPeriod, CarDetails, ListingKind, ListingPhoto, RoomDetails
from listings.prices import approximate_prices
from listings.search import SortOrder, price_rule
from tests.bookings.factories import confirmed_room
from tests.conftest import make_user
from tests.listings.factories import bulk_listings, make_listing
from tests.payments.fixtures import localstripe, stripe_api  # noqa: F401

pytestmark = pytest.mark.django_db

PARIS = {"lat": 48.8556, "lng": 2.3601}


def model_path_json(query, currency: str) -> bytes:
    """The API's answer as the model path wrote it (the search view's body before listings.cards)."""
    result = privacy.public_search(query=query)
    rates = approximate_prices(result.listings, currency)
    answer = api.SearchOut.model_validate(
        {
            "results": [api._out(listing) for listing in result.listings],
            "page": result.page,
            "has_next": result.has_next,
            "currency": currency,
            "price_rule": price_rule(query) if query.sort == SortOrder.PRICE else None,
            "rates_note": stale_note(rates) if rates is not None else None,
        }
    )
    return answer.model_dump_json().encode()


@pytest.fixture
def asked(monkeypatch) -> list:
    """The (query, currency) of each search the API answered, as its view built them."""
    seen: list = []
    built = cards.public_search_json

    def spy(*, query, currency):
        seen.append((query, currency))
        return built(query=query, currency=currency)

    monkeypatch.setattr(cards, "public_search_json", spy)
    return seen


@pytest.fixture
def paris(stripe_api):  # noqa: F811  (a confirmed booking is paid through the localstripe harness)
    """Every kind of listing around Paris, in four currencies, with and without details and photos; a guest
    with a confirmed booking of one room (who may see its exact place) and the host."""
    host = make_user()
    room = make_listing(
        owner=host,
        title='Chambre près du canal — 運河のそば "quiet" \\ room',
        description="Line one\nLine two, with an emoji 🛏 and <b>markup</b>",
        rating_count=3,
        rating_sum=14,
    )
    RoomDetails.objects.filter(listing=room).update(
        amenities=["wifi", "kitchen", "ÿ"], check_in_time=time(16, 30), weekly_discount_bps=500
    )
    yen_room = make_listing(
        owner=host,
        currency="JPY",
        unit_price=15000,
        latitude=48.8601,
        longitude=2.3499,
        instant_book=True,
        verified_guests_only=True,
        capacity=4,
    )
    car = make_listing(owner=host, kind=ListingKind.CAR, currency="GBP", latitude=48.8702, longitude=2.3301)
    CarDetails.objects.filter(listing=car).update(min_renter_age=21, deposit_amount=30000)
    make_listing(owner=host, kind=ListingKind.DRIVER, latitude=48.8450, longitude=2.3800)
    # Based 25 km out, but comes 40 km: found by who comes to the searcher, not by the radius.
    far_driver = make_listing(owner=host, kind=ListingKind.DRIVER, latitude=49.0800, longitude=2.3601)
    far_driver.driver.service_radius_km = 40
    far_driver.driver.save()
    make_listing(owner=host, latitude=48.8500, longitude=2.3700, status="paused", title="Paused room")
    # No details rows (bulk_listings makes none for rooms and cars), priced in dollars; some near the edge.
    plain = bulk_listings(
        owner=host,
        points=[
            {"latitude": 48.8556 + n * 0.011, "longitude": 2.3601 - n * 0.007, "currency": "USD", "city": "Paris"}
            for n in range(12)
        ],
    )
    for listing in (room, car, plain[0]):
        for position in range(3):
            ListingPhoto.objects.create(
                listing=listing, image=f"listings/{listing.pk}/{position} é.jpg", position=2 - position
            )
    guest = make_user()
    confirmed_room(listing=room, guest=guest)
    start = timezone.now() + timedelta(days=20)
    BusyPeriod.objects.create(listing=yen_room, start=start, end=start + timedelta(days=3))
    assert privacy.may_see_exact(room, guest) and privacy.may_see_exact(room, host)
    return {"host": host, "guest": guest, "stranger": make_user(), "room": room}


def _dates(days: int, length: timedelta) -> dict:
    start = datetime.combine(timezone.localdate() + timedelta(days=days), time(10), tzinfo=UTC)
    return {"start": start.isoformat(), "end": (start + length).isoformat()}


SEARCHES = [
    {},
    {"kind": "room"},
    {"kind": "car"},
    {"kind": "driver"},
    {"currency": "JPY"},
    {"currency": "USD", "kind": "room"},
    {"currency": "GBP", "sort": "price"},
    {"sort": "price", "kind": "room"},
    {"sort": "price", **_dates(21, timedelta(days=2))},  # several kinds: totals, like with like
    {"sort": "rating"},
    {"kind": "room", **_dates(21, timedelta(days=2))},  # the yen room is taken then
    {"kind": "car", **_dates(21, timedelta(hours=3))},
    {"guests": 3, "instant": "true"},
    {"min_price": 2000, "max_price": 9000},
    {"page": 2, "page_size": 3},
    {"page_size": 4},
    {"radius": 1.2},
    {"south": 48.84, "west": 2.33, "north": 48.88, "east": 2.38},
    {"south": 48.84, "west": 2.33, "north": 48.88, "east": 2.38, "sort": "price", "kind": "room"},
    {"lat": 0.0, "lng": 0.0},  # nobody there
]


@pytest.mark.parametrize("viewer", ["anonymous", "stranger", "guest", "host"])
def test_every_search_answers_the_same_bytes_as_the_model_path(paris, asked, viewer: str):
    client = Client()
    if viewer != "anonymous":
        client.force_login(paris[viewer])
    answers = []
    for params in SEARCHES:
        response = client.get("/api/v1/listings/search", {**PARIS, **params})
        assert response.status_code == 200, (params, response.content)
        query, currency = asked[-1]
        assert response.content == model_path_json(query, currency), params
        answers.append(response.json())
    # The searches did show what could differ: every kind, photos, details and none, other currencies.
    results = [result for answer in answers for result in answer["results"]]
    assert {result["kind"] for result in results} == {"room", "car", "driver"}
    assert any(result["photos"] for result in results) and any(result["details"] == {} for result in results)
    assert any(result["approx_unit_price"] for result in results)
    assert any(answer["has_next"] for answer in answers) and any(answer["price_rule"] for answer in answers)
    assert not any(result["exact_location"] or result["address"] for result in results)
    assert "Paused room" not in {result["title"] for result in results}


def test_a_guest_with_a_confirmed_booking_still_sees_the_area_in_search(paris, asked):
    client = Client()
    client.force_login(paris["guest"])
    body = client.get("/api/v1/listings/search", {**PARIS, "kind": "room"}).json()
    (shown,) = [result for result in body["results"] if result["id"] == paris["room"].pk]
    assert shown["area"]["latitude"] != paris["room"].latitude
    assert (shown["latitude"], shown["longitude"], shown["address"]) == (None, None, None)


def test_the_answer_names_the_searchers_currency_from_their_browser_as_the_model_path(paris, asked):
    response = Client().get("/api/v1/listings/search", PARIS, headers={"Accept-Language": "ja-JP,ja;q=0.9"})
    query, currency = asked[-1]
    assert currency == "JPY"
    assert response.content == model_path_json(query, currency)


def test_stale_rates_are_flagged_the_same_way(paris, asked):
    old_day = timezone.localdate() - STALE_AFTER - timedelta(days=2)
    store(Rates(day=old_day, per_euro=shipped_rates().per_euro), source="test")
    response = Client().get("/api/v1/listings/search", {**PARIS, "currency": "EUR"})
    assert response.json()["rates_note"]
    assert response.content == model_path_json(*asked[-1])


def test_a_card_has_the_fields_of_the_schema_in_its_order(paris):
    client = Client()
    (result, *_) = client.get("/api/v1/listings/search", PARIS).json()["results"]
    assert list(result) == list(api.ListingOut.model_fields)
    assert list(result["area"]) == list(api.AreaOut.model_fields)


def test_the_statement_reading_the_listings_is_made_once_per_process_and_prepared_on_postgresql(paris, monkeypatch):
    geo_ended: list[int] = []
    geo_search = selectors.search_listing_hits

    def marked(*args, **kwargs):
        found = geo_search(*args, **kwargs)
        geo_ended.append(len(connection.queries_log))
        return found

    monkeypatch.setattr(selectors, "search_listing_hits", marked)

    def statements_after_the_geo_search(params: dict) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            Client().get("/api/v1/listings/search", {**PARIS, **params})
        return [query["sql"] for query in captured.captured_queries[geo_ended[-1] - captured.initial_queries :]]

    statements_after_the_geo_search({"page_size": 1})
    made = cards._statement.cache_info().misses
    statements = statements_after_the_geo_search({"page_size": 20})
    assert cards._statement.cache_info().misses == made
    if connection.vendor == "postgresql":
        # Its text is sent once per connection: later searches name it (with the ids as one array).
        # (Then the exchange rates: the listings are priced in several currencies.)
        assert statements[0].startswith("EXECUTE search_"), statements[0][:200]
    else:
        assert "JOIN" in statements[0] and "listings_listingphoto" in statements[1]  # the listings, their photos


def test_the_cached_area_point_follows_the_secret_and_the_point(settings):
    settings.SECRET_KEY = "one-secret-" + "x" * 40
    first = privacy.area_centre(7, 48.8556, 2.3601)
    assert first == tuple(round(value, 5) for value in privacy.area_point(7, 48.8556, 2.3601))
    settings.SECRET_KEY = "another-secret-" + "y" * 40
    assert privacy.area_centre(7, 48.8556, 2.3601) != first
    assert privacy.area_centre(7, 48.8556, 2.3601) == tuple(
        round(value, 5) for value in privacy.area_point(7, 48.8556, 2.3601)
    )
    moved = privacy.area_centre(7, 48.8600, 2.3601)
    assert moved == tuple(round(value, 5) for value in privacy.area_point(7, 48.8600, 2.3601))
