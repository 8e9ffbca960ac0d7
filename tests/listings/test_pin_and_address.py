"""The listing form's map: the typed address is geocoded for the pin, and a pin far from its address is refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.errors import DomainError
from listings import services
from listings.models import Listing
from tests.listings.factories import make_listing
from tests.listings.helpers import FORM_COMMON, FORM_DETAILS

pytestmark = pytest.mark.django_db

PARIS_ADDRESS = "10 Rue de Rivoli, Paris"
COULOMMIERS = {"latitude": 48.8125, "longitude": 3.0847}  # 57 km east of Paris: a stray tap


def room_fields(**fields) -> dict:
    return {
        "title": "Sunny room",
        "address": PARIS_ADDRESS,
        "latitude": 48.8556,
        "longitude": 2.3601,
        "unit_price": 8000,
        "capacity": 2,
        **fields,
    }


def test_the_form_geocodes_a_typed_address_for_the_map(client, user):
    client.force_login(user)

    body = client.get(reverse("listings:geocode"), {"q": PARIS_ADDRESS}).json()

    assert body["city"] == "Paris"
    assert abs(body["latitude"] - 48.86) < 0.1 and abs(body["longitude"] - 2.35) < 0.1
    assert body["reach_km"] == services.NAMED_CITY_REACH_KM


def test_an_address_the_geocoder_does_not_know_is_a_404_with_a_message(client, user):
    client.force_login(user)

    response = client.get(reverse("listings:geocode"), {"q": "Qwxzyville Nowhere"})

    assert response.status_code == 404
    assert "We could not find" in response.json()["detail"]


def test_the_new_listing_page_wires_the_address_to_the_map(client, user):
    client.force_login(user)

    html = client.get(reverse("listings:create", kwargs={"kind": "room"})).content.decode()

    assert f'data-geocode-url="{reverse("listings:geocode")}"' in html
    assert 'id="pin-warning"' in html


def test_a_pin_50_km_from_the_address_is_refused_with_both_places_named(user):
    with pytest.raises(DomainError) as refused:
        services.create_listing(owner=user, kind="room", fields=room_fields(**COULOMMIERS), details={})

    assert refused.value.field == "address"
    assert "km from Paris" in refused.value.message
    assert "Move the pin to the address, or correct the address" in refused.value.message
    assert not Listing.objects.exists()


def test_a_pin_in_the_addresss_city_is_accepted(user):
    listing = services.create_listing(owner=user, kind="room", fields=room_fields(), details={})
    assert listing.city == "Paris"


def test_moving_an_existing_listings_pin_far_from_its_address_is_refused(user):
    listing = make_listing(owner=user, address=PARIS_ADDRESS)

    with pytest.raises(DomainError, match="km from Paris"):
        services.update_listing(listing=listing, actor=user, fields=COULOMMIERS, details={})

    listing.refresh_from_db()
    assert (listing.latitude, listing.longitude) == (48.8556, 2.3601)


def test_the_page_shows_the_refusal_on_the_address(client, user):
    client.force_login(user)
    data = {
        **FORM_COMMON,
        **FORM_DETAILS["room"],
        "address": PARIS_ADDRESS,
        "latitude": "48.8125",
        "longitude": "3.0847",
    }
    html = client.post(reverse("listings:create", kwargs={"kind": "room"}), data).content.decode()

    assert "km from Paris" in html
    assert not Listing.objects.exists()
