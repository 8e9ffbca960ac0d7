"""The listings API: create/update (owner only, same rules as the forms), read, list own, search."""

from __future__ import annotations

import pytest

from listings.models import Listing, ListingStatus
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.listings.helpers import api_payload

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", ["room", "car", "driver"])
def test_owner_creates_a_listing_of_each_kind_through_the_api(client, user, kind):
    client.force_login(user)
    response = client.post("/api/v1/listings/", api_payload(kind), content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    listing = Listing.objects.get()
    assert (body["id"], body["kind"], body["city"], body["time_zone"]) == (listing.pk, kind, "Berlin", "Europe/Berlin")
    assert body["unit_price"] == 4500
    if kind == "driver":
        assert body["details"]["service_radius_km"] == 30


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"kind": "boat"}, "kind", "Unknown kind “boat”: choose a room, a car or a driving service."),
        ({"unit_price": -100}, "unit_price", "The price per night must be more than zero."),
        ({"latitude": 95.0}, "latitude", "The latitude must be between -90 and 90."),
        ({"longitude": -200.0}, "longitude", "The longitude must be between -180 and 180."),
        ({"max_units": 0}, "max_units", "The maximum duration cannot be shorter than the minimum."),
    ],
)
def test_bad_listing_input_is_refused_as_json_and_nothing_written(client, user, overrides, field, message):
    client.force_login(user)
    response = client.post("/api/v1/listings/", {**api_payload("room"), **overrides}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == message
    assert response.json()["field"] == field
    assert not Listing.objects.exists()


def test_a_car_without_its_make_is_refused(client, user):
    client.force_login(user)
    payload = api_payload("car", details={"year": 2020, "day_price": 5000})
    response = client.post("/api/v1/listings/", payload, content_type="application/json")
    assert (response.status_code, response.json()["field"]) == (400, "make")
    assert not Listing.objects.exists()


def test_an_unknown_address_without_coordinates_is_refused(client, user):
    client.force_login(user)
    payload = api_payload("room", address="Zzyzxqwv", latitude=None, longitude=None)
    response = client.post("/api/v1/listings/", payload, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("We could not find “Zzyzxqwv”.")


def test_creating_needs_a_login_and_a_verified_email(client):
    assert client.post("/api/v1/listings/", api_payload("room"), content_type="application/json").status_code == 401
    client.force_login(make_user(verified=False))
    response = client.post("/api/v1/listings/", api_payload("room"), content_type="application/json")
    assert response.status_code == 403
    assert not Listing.objects.exists()


def test_owner_updates_and_others_cannot(client, user, other_user):
    listing = make_listing(owner=user)
    client.force_login(other_user)
    response = client.patch(f"/api/v1/listings/{listing.pk}", {"unit_price": 1}, content_type="application/json")
    assert response.status_code == 403
    client.force_login(user)
    response = client.patch(f"/api/v1/listings/{listing.pk}", {"unit_price": 12345}, content_type="application/json")
    assert response.status_code == 200
    listing.refresh_from_db()
    assert listing.unit_price == 12345
    response = client.patch(f"/api/v1/listings/{listing.pk}", {"unit_price": -1}, content_type="application/json")
    assert response.status_code == 400
    listing.refresh_from_db()
    assert listing.unit_price == 12345


def test_token_authenticated_owner_lists_own_listings(client, user, other_user):
    mine = make_listing(owner=user)
    make_listing(owner=other_user)
    login = client.post(
        "/_allauth/app/v1/auth/login",
        {"email": user.email, "password": "correct-horse-battery-staple"},
        content_type="application/json",
    )
    token = login.json()["meta"]["session_token"]
    client.logout()
    response = client.get("/api/v1/listings/mine", HTTP_X_SESSION_TOKEN=token)
    assert [item["id"] for item in response.json()] == [mine.pk]


def test_a_paused_listing_is_hidden_from_others_in_the_api(client, user, other_user):
    listing = make_listing(owner=user, status=ListingStatus.PAUSED)
    client.force_login(other_user)
    assert client.get(f"/api/v1/listings/{listing.pk}").status_code == 404
    client.force_login(user)
    assert client.get(f"/api/v1/listings/{listing.pk}").status_code == 200


def test_api_search_finds_nearby_listings_with_distances(client):
    near = make_listing(latitude=48.8566, longitude=2.3522)
    make_listing(latitude=48.8566, longitude=3.5)  # ~85 km away
    response = client.get("/api/v1/listings/search", {"lat": 48.86, "lng": 2.35, "radius": 10})
    body = response.json()
    assert [item["id"] for item in body["results"]] == [near.pk]
    # Rounded to half a kilometre and measured to the listing's area, not its door (listings.privacy).
    assert body["results"][0]["distance_km"] in (0.5, 1.0, 1.5)
    assert body["has_next"] is False


def test_api_search_refuses_a_radius_over_100_km(client):
    response = client.get("/api/v1/listings/search", {"lat": 48.86, "lng": 2.35, "radius": 150})
    assert response.status_code == 400
    assert response.json()["field"] == "radius_km"


def test_openapi_schema_lists_the_listings_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/listings/search" in paths
    assert "/api/v1/listings/" in paths


def test_a_listing_in_tokyo_without_a_currency_is_priced_in_yen(client, user):
    client.force_login(user)
    payload = api_payload("room", address="Shibuya, Tokyo", latitude=35.6595, longitude=139.7005, unit_price=12000)
    response = client.post("/api/v1/listings/", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    assert (response.json()["currency"], response.json()["unit_price"]) == ("JPY", 12000)


def test_a_listing_keeps_the_currency_its_owner_chose(client, user):
    client.force_login(user)
    payload = api_payload("room", address="Shibuya, Tokyo", latitude=35.6595, longitude=139.7005, currency="usd")
    response = client.post("/api/v1/listings/", payload, content_type="application/json")
    assert (response.status_code, response.json()["currency"]) == (201, "USD")


def test_an_unknown_currency_is_refused_and_nothing_written(client, user):
    client.force_login(user)
    response = client.post("/api/v1/listings/", api_payload("room", currency="XYZ"), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["field"] == "currency"
    assert response.json()["detail"].startswith("“XYZ” is not a currency we handle")
    assert not Listing.objects.exists()
