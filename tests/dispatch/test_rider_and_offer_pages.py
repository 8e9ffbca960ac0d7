"""On demand, as people read it (issue 24): the rider types an address instead of a position; the provider's
offer shows the pickup area (never the point), the fare and the rider's rating; the assigned page shows the
arrival estimate and the way to message through Sharing."""

from __future__ import annotations

from unittest import mock

import pytest

from core.money import format_money
from dispatch import selectors
from dispatch.models import DispatchRequest
from dispatch.services.acceptance import accept_offer
from reviews.models import Role, UserRating
from tests.conftest import make_user
from tests.dispatch.factories import HERE, NOW, provider, request_driver
from tests.payments.fixtures import card

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def typed(address: str, **extra) -> dict:
    return {"kind": "driver", "latitude": "", "longitude": "", "address": address, "hours": 2, **extra}


def test_a_typed_address_is_geocoded_for_the_estimate_and_the_request(client):
    provider(km=1)
    requester = make_user()
    client.force_login(requester)
    assert b"Estimated fare" in client.get("/dispatch/estimate/", typed("Paris")).content
    response = client.post("/dispatch/", typed("Paris", payment_method=card()))
    assert response.status_code == 302
    job = DispatchRequest.objects.get(requester=requester)
    assert job.latitude == pytest.approx(HERE[0], abs=0.05) and job.longitude == pytest.approx(HERE[1], abs=0.05)


def test_an_address_that_matches_nothing_is_refused_on_its_field(client):
    client.force_login(make_user())
    response = client.post("/dispatch/", typed("Qwxzzy Nowhere 99999", payment_method=card()))
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="address-error"' in page and 'aria-invalid="true"' in page
    assert not DispatchRequest.objects.exists()


def test_the_need_page_offers_the_address_field_gps_and_the_map(client):
    client.force_login(make_user())
    page = client.get("/dispatch/").content.decode()
    assert 'name="address"' in page and "data-find-address" in page and "data-locate" in page
    assert 'data-geocode-url="/listings/geocode/"' in page


def test_the_offer_shows_the_area_not_the_point_and_a_new_riders_lack_of_reviews(client):
    listing = provider(km=2)
    job = request_driver()
    offer = selectors.live_offers_for(provider=listing.owner)[0]
    message = selectors.offer_message(offer, now=NOW)
    assert message["area"].startswith("near Paris")
    assert (message["rider_rating"], message["rider_reviews"]) == (None, 0)
    assert message["fare_text"] == format_money(message["fare"], message["currency"])  # the page script shows it
    assert str(round(job.latitude, 3)) not in str(message)
    client.force_login(listing.owner)
    page = client.get("/dispatch/provider/").content.decode()
    assert "Pickup area" in page and "near Paris" in page and "New rider: no reviews yet" in page


def test_the_offer_shows_the_riders_rating_as_a_guest(client):
    listing = provider(km=2)
    rider = make_user()
    UserRating.objects.create(user=rider, role=Role.GUEST, count=3, total=14)
    UserRating.objects.create(user=rider, role=Role.HOST, count=5, total=5)  # not what a provider asks about
    request_driver(requester=rider)
    client.force_login(listing.owner)
    assert client.get("/api/v1/dispatch/offers").json()[0]["rider_rating"] == 4.7
    assert "★ 4.7 from 3 reviews" in client.get("/dispatch/provider/").content.decode()


def test_the_assigned_page_estimates_the_arrival_and_links_the_conversation(client):
    listing = provider(km=4)
    job = request_driver()
    accept_offer(provider=listing.owner, request_id=job.pk, now=NOW)
    client.force_login(job.requester)
    page = client.get(f"/dispatch/requests/{job.pk}/").content.decode()
    distance = selectors.assigned_distance_km(DispatchRequest.objects.get(pk=job.pk))
    assert distance == pytest.approx(4, abs=0.1)
    # 3 minutes to set off, then about 4 km at 20 km/h as the crow flies (12 minutes and a bit).
    assert "Arrives in about <span data-eta-value>16 min</span>" in page
    assert f"Message {listing.owner.public_name}" in page and "/messages/" in page
    client.force_login(listing.owner)
    assert "to the pickup" in client.get(f"/dispatch/requests/{job.pk}/").content.decode()


def test_the_arrival_estimate_rounds_up_whole_minutes():
    assert selectors.arrival_minutes(0) == 3
    assert selectors.arrival_minutes(0.1) == 4
    assert selectors.arrival_minutes(10) == 33
