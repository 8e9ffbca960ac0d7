"""On PostgreSQL the search API keeps the rows of the cards it read, per web process, at their row version.

A later search reads in full only the listings written since (listings.cards `_rows_unless_kept`): any
change to a listing's row, details or photos (the details and photos through the triggers of migration
0027) must show in the very next search. These tests run outside a test transaction (transactional_db),
as a web process's searches do: a row is kept only when read outside a transaction.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test import Client

from listings import cards, services
from listings.models import DriverDetails, Listing, ListingKind, ListingPhoto, RoomDetails
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.listings.test_search_cards import PARIS, asked, model_path_json  # noqa: F401  (asked: a fixture)

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def near() -> dict[str, Listing]:
    host = make_user()
    room = make_listing(owner=host, title="Room by the canal")
    driver = make_listing(owner=host, kind=ListingKind.DRIVER, latitude=48.8600, longitude=2.3500)
    for listing in (room, driver):
        for position in range(2):
            ListingPhoto.objects.create(
                listing=listing, image=f"listings/{listing.pk}/{position}.jpg", position=position
            )
    return {"host": host, "room": room, "driver": driver}


def _search(asked: list) -> tuple[bytes, bytes]:  # noqa: F811
    """The API's answer and the model path's answer for the same search."""
    response = Client().get("/api/v1/listings/search", PARIS)
    assert response.status_code == 200, response.content
    return response.content, model_path_json(*asked[-1])


def _version(listing: Listing) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text::bigint FROM listings_listing WHERE id = %s", [listing.pk])
        return cursor.fetchone()[0]


def test_a_kept_row_is_not_read_again_until_the_listing_changes(near, asked):  # noqa: F811
    first, expected = _search(asked)
    assert first == expected
    room = near["room"]
    version, (values, photos) = cards._KEPT[room.pk]
    assert version == _version(room)
    # The kept row is what the next search shows, as long as the row's version is the same...
    cards._KEPT[room.pk] = (
        version,
        (tuple("Kept, not read" if value == room.title else value for value in values), photos),
    )
    assert b"Kept, not read" in _search(asked)[0]
    # ...and no longer once the listing is written.
    services.update_listing(listing=room, actor=near["host"], fields={"title": "Room by the lock"}, details={})
    again, expected = _search(asked)
    assert again == expected
    assert b"Room by the lock" in again and b"Kept, not read" not in again
    assert cards._KEPT[room.pk][0] == _version(room) != version


def _new_title(near):
    services.update_listing(listing=near["room"], actor=near["host"], fields={"title": "Room, renamed"}, details={})


def _price_by_bulk_update(near):
    Listing.objects.filter(pk=near["room"].pk).update(unit_price=9100)


def _room_details(near):
    RoomDetails.objects.filter(listing=near["room"]).update(beds=5)


def _driver_reach(near):
    DriverDetails.objects.filter(listing=near["driver"]).update(service_radius_km=3)


def _photo_added(near):
    ListingPhoto.objects.create(listing=near["room"], image="listings/new.jpg", position=2)


def _photo_deleted(near):
    ListingPhoto.objects.filter(listing=near["room"], position=1).delete()


def _photos_reordered(near):
    ListingPhoto.objects.filter(listing=near["driver"], position=0).update(position=7)


CHANGES = [
    _new_title,
    _price_by_bulk_update,
    _room_details,
    _driver_reach,
    _photo_added,
    _photo_deleted,
    _photos_reordered,
]


def test_every_change_to_a_listing_its_details_or_photos_shows_in_the_next_search(near, asked):  # noqa: F811
    for change in CHANGES:
        before, expected = _search(asked)
        assert before == expected, change.__name__
        assert {near["room"].pk, near["driver"].pk} <= set(cards._KEPT), change.__name__
        change(near)
        after, expected = _search(asked)
        assert after == expected, change.__name__
        assert after != before, change.__name__


def test_a_search_inside_a_transaction_keeps_nothing_it_read(near, asked):  # noqa: F811
    room = near["room"]
    cards._KEPT.pop(room.pk, None)
    with transaction.atomic():
        # Written twice by one transaction: both versions carry the same xmin, so the first must not be kept.
        services.update_listing(listing=room, actor=near["host"], fields={"title": "First version"}, details={})
        inside, expected = _search(asked)
        assert inside == expected and b"First version" in inside
        assert room.pk not in cards._KEPT
        RoomDetails.objects.filter(listing=room).update(beds=7)
        inside, expected = _search(asked)
        assert inside == expected and b'"beds":7' in inside
    after, expected = _search(asked)
    assert after == expected and b'"beds":7' in after
    assert cards._KEPT[room.pk][0] == _version(room)


def test_at_most_kept_cards_rows_are_kept_the_oldest_out_first(near, asked, monkeypatch):  # noqa: F811
    monkeypatch.setattr(cards, "KEPT_CARDS", 1)
    cards._KEPT.clear()
    assert _search(asked)[0] == model_path_json(*asked[-1])
    assert len(cards._KEPT) == 1


def test_the_row_read_first_goes_out_first(near, monkeypatch):
    monkeypatch.setattr(cards, "KEPT_CARDS", 2)
    cards._KEPT.clear()
    room, driver = near["room"], near["driver"]
    third = make_listing(owner=near["host"], title="Third", latitude=48.8610, longitude=2.3510)
    for listing in (room, driver, third):
        assert set(cards._rows([listing.pk])) == {listing.pk}
    assert list(cards._KEPT) == [driver.pk, third.pk]
    # Read again after a change while still kept, the driver comes in as the newest: the third goes out next.
    Listing.objects.filter(pk=driver.pk).update(title="Driver, renamed")
    cards._rows([driver.pk])
    assert list(cards._KEPT) == [third.pk, driver.pk]
    cards._rows([room.pk])
    assert list(cards._KEPT) == [driver.pk, room.pk]
