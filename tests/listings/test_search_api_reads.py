"""What one search through the API reads: a fixed number of statements whatever the page holds.

Each statement is a round trip that holds the web process's request thread (bench/stack_load.py):
the listings come with their details and photos, the host is not read, and the exchange rates only
when a listing is priced in another currency than the searcher's.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from listings import selectors
from listings.models import ListingKind, ListingPhoto
from tests.conftest import make_user
from tests.listings.factories import make_listing

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/listings/search?lat=48.8556&lng=2.3601&radius=10"


def _listings_with_photos(count: int, *, currency: str = "EUR") -> list:
    owner = make_user()
    kinds = [ListingKind.ROOM, ListingKind.CAR, ListingKind.DRIVER]
    listings = []
    for n in range(count):
        listing = make_listing(owner=owner, kind=kinds[n % 3], latitude=48.8556 + n * 0.001, currency=currency)
        for position in range(2):
            ListingPhoto.objects.create(
                listing=listing, image=f"listings/{listing.pk}-{position}.jpg", position=position
            )
        listings.append(listing)
    return listings


def _statements(client, monkeypatch, url: str = SEARCH) -> tuple[list[str], dict]:
    """The statements of one search request after the geo-search's own (which vary with density)."""
    geo_ended = []
    geo_search = selectors.search_listing_hits

    def marked(*args, **kwargs):
        found = geo_search(*args, **kwargs)
        geo_ended.append(len(connection.queries_log))
        return found

    monkeypatch.setattr(selectors, "search_listing_hits", marked)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    start = geo_ended[0] - captured.initial_queries
    return [query["sql"] or "" for query in captured.captured_queries[start:]], response.json()


def test_a_page_of_twenty_costs_the_same_statements_as_a_page_of_one(client, monkeypatch):
    _listings_with_photos(1)
    one, body = _statements(client, monkeypatch)
    assert len(body["results"]) == 1
    _listings_with_photos(24)
    twenty, body = _statements(client, monkeypatch)
    assert len(body["results"]) == 20
    assert len(twenty) == len(one) == (1 if connection.vendor == "postgresql" else 2)  # SQLite: photos prefetched


def test_search_reads_no_host_and_no_rates_when_every_price_is_in_the_searchers_currency(client, monkeypatch):
    _listings_with_photos(3)
    statements, body = _statements(client, monkeypatch)
    assert len(body["results"]) == 3
    assert not [sql for sql in statements if "accounts_user" in sql]
    assert not [sql for sql in statements if "core_exchangerate" in sql]
    assert all(result["approx_unit_price"] is None for result in body["results"])


def test_a_listing_priced_in_another_currency_still_shows_its_approximate_price(client, monkeypatch):
    _listings_with_photos(1, currency="GBP")
    _, body = _statements(client, monkeypatch)
    assert body["currency"] == "EUR"
    assert body["results"][0]["approx_unit_price"] > 0


@pytest.mark.postgres_only  # SQLite prefetches them: a statement there is a function call, not a round trip
def test_on_postgresql_the_photos_come_with_the_listings_in_one_statement(client, monkeypatch):
    _listings_with_photos(4)
    statements, _ = _statements(client, monkeypatch)
    assert not [sql for sql in statements if 'FROM "listings_listingphoto"' in sql.split("ARRAY(")[0]]


def test_photos_are_listed_in_their_order_with_the_storages_urls(client, settings, monkeypatch):
    (listing,) = _listings_with_photos(1)
    ListingPhoto.objects.filter(listing=listing, position=0).update(position=5)  # the second is now the cover
    settings.MEDIA_URL = "/media-a/"
    _, body = _statements(client, monkeypatch)
    assert body["results"][0]["photos"] == [
        f"/media-a/listings/{listing.pk}-1.jpg",
        f"/media-a/listings/{listing.pk}-0.jpg",
    ]
    settings.MEDIA_URL = "https://cdn.example.com/m/"
    _, body = _statements(client, monkeypatch)
    assert body["results"][0]["photos"][0] == f"https://cdn.example.com/m/listings/{listing.pk}-1.jpg"
