"""The API (/api/v1/dispatch/) and the pages: what each person may see and do, and the refusals they get."""

from __future__ import annotations

from unittest import mock

import pytest

from dispatch.models import Availability, DispatchRequest, RequestState
from dispatch.services.acceptance import accept_offer
from listings.models import ListingKind
from tests.conftest import make_user
from tests.dispatch.factories import HERE, NOW, provider, request_driver
from tests.listings.factories import make_listing
from tests.payments.fixtures import card

pytestmark = pytest.mark.django_db

API = "/api/v1/dispatch"


@pytest.fixture(autouse=True)
def _frozen_clock():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def as_user(client, user):
    client.force_login(user)
    return client


def where(**extra) -> dict:
    return {"kind": "driver", "latitude": HERE[0], "longitude": HERE[1], "hours": 2, **extra}


def test_api_estimate_then_request_then_only_the_offered_provider_accepts_and_the_next_hears_already_taken(client):
    first, second = provider(km=1), provider(km=2)
    requester = make_user()
    api = as_user(client, requester)

    estimate = api.post(f"{API}/estimate", where(), content_type="application/json")
    assert estimate.status_code == 200, estimate.json()
    assert estimate.json()["providers"] == 2 and estimate.json()["low"] <= estimate.json()["high"]

    created = api.post(f"{API}/requests", where(payment_method=card()), content_type="application/json")
    assert created.status_code == 201, created.json()
    request_id = created.json()["id"]
    assert created.json()["state"] == "requested" and created.json()["estimate_amount"] == estimate.json()["high"]

    stranger = make_user()
    as_user(client, stranger)
    assert client.get(f"{API}/requests/{request_id}").status_code == 404
    assert client.post(f"{API}/requests/{request_id}/accept").status_code == 404
    assert client.post(f"{API}/requests/{request_id}/cancel").status_code == 404

    as_user(client, second.owner)
    offers = client.get(f"{API}/offers").json()
    assert [o["request"] for o in offers] == [request_id]
    assert offers[0]["distance_km"] == pytest.approx(2, abs=0.1)
    assert client.get(f"{API}/requests/{request_id}").status_code == 404  # offered, not assigned: no details

    as_user(client, first.owner)
    accepted = client.post(f"{API}/requests/{request_id}/accept")
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["state"] == "assigned" and accepted.json()["assigned_listing_id"] == first.pk
    assert client.get(f"{API}/requests/{request_id}").status_code == 200

    as_user(client, second.owner)
    late = client.post(f"{API}/requests/{request_id}/accept")
    assert late.status_code == 409
    assert late.json()["detail"] == "Another provider already took this request."
    assert client.get(f"{API}/offers").json() == []

    as_user(client, requester)
    assert client.get(f"{API}/requests/{request_id}").json()["booking_id"] is not None


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (where(latitude=123), 422),
        (where(hours=0), 422),
        (where(kind="room"), 422),
        ({"kind": "driver"}, 422),
    ],
)
def test_api_refuses_bad_requests_with_a_4xx(client, body, status):
    provider(km=1)
    response = as_user(client, make_user()).post(
        f"{API}/requests", {**body, "payment_method": "pm_x"}, content_type="application/json"
    )
    assert response.status_code == status
    assert response.json()["detail"]
    assert not DispatchRequest.objects.exists()


def test_api_availability_switch_is_only_for_the_owner(client):
    listing = make_listing(kind=ListingKind.DRIVER)
    body = {"listing_id": listing.pk, "available": True, "latitude": 48.85, "longitude": 2.35}
    assert (
        as_user(client, make_user()).post(f"{API}/availability", body, content_type="application/json").status_code
        == 404
    )
    response = as_user(client, listing.owner).post(f"{API}/availability", body, content_type="application/json")
    assert response.status_code == 200 and response.json()["is_available"] is True
    off = client.post(f"{API}/availability", {**body, "available": False}, content_type="application/json")
    assert off.json()["is_available"] is False
    assert not Availability.objects.get(listing=listing).is_available


def test_need_page_asks_for_position_and_card_and_makes_the_request(client):
    provider(km=1)
    requester = make_user()
    page = as_user(client, requester).get("/dispatch/")
    assert page.status_code == 200
    assert b'name="payment_method"' in page.content and b"data-locate" in page.content
    fragment = client.get("/dispatch/estimate/", where())
    assert b"Estimated fare" in fragment.content
    response = client.post("/dispatch/", where(payment_method=card()))
    job = DispatchRequest.objects.get(requester=requester)
    assert response.status_code == 302 and response["Location"] == f"/dispatch/requests/{job.pk}/"
    assert b"Looking for a provider" in client.get(response["Location"]).content


def test_need_page_shows_the_refusal_when_nobody_is_near(client):
    response = as_user(client, make_user()).post("/dispatch/", where(payment_method="pm_x"))
    assert response.status_code == 400
    assert b"No driver is available near you right now" in response.content


def test_request_page_is_for_the_two_parties_only(client):
    first, second = provider(km=1), provider(km=2)
    job = request_driver()
    accept_offer(provider=first.owner, request_id=job.pk, now=NOW)
    for person, code in ((job.requester, 200), (first.owner, 200), (second.owner, 404), (make_user(), 404)):
        assert as_user(client, person).get(f"/dispatch/requests/{job.pk}/").status_code == code
    page = as_user(client, job.requester).get(f"/dispatch/requests/{job.pk}/")
    assert b"is on the way" in page.content and b"data-sharing" in page.content


def test_provider_page_shows_the_offer_and_accepting_leads_to_the_job(client):
    first, second = provider(km=1), provider(km=2)
    job = request_driver()
    page = as_user(client, second.owner).get("/dispatch/provider/")
    assert f'data-offer="{job.pk}"'.encode() in page.content and b"2.0 km away" in page.content

    response = as_user(client, first.owner).post(f"/dispatch/requests/{job.pk}/accept/")
    assert response.status_code == 302 and response["Location"] == f"/dispatch/requests/{job.pk}/"

    late = as_user(client, second.owner).post(f"/dispatch/requests/{job.pk}/accept/", follow=True)
    assert b"Another provider already took this request." in late.content
    assert f'data-offer="{job.pk}"'.encode() not in late.content
    assert DispatchRequest.objects.get(pk=job.pk).state == RequestState.ASSIGNED


def test_pages_need_a_log_in(client):
    for url in ("/dispatch/", "/dispatch/provider/", "/dispatch/requests/1/"):
        assert client.get(url).status_code == 302
