"""The "when" choice on the request page and in the API: a later pickup, its refusals, and who sees the request."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest

from dispatch.models import DispatchRequest, RequestState
from payments.models import Payment
from tests.conftest import make_user
from tests.dispatch.factories import HERE, NOW, provider, request_driver
from tests.payments.fixtures import card

pytestmark = pytest.mark.django_db

API = "/api/v1/dispatch"
LATER = NOW + timedelta(hours=2, minutes=30)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def where(**extra) -> dict:
    return {"kind": "driver", "latitude": HERE[0], "longitude": HERE[1], "hours": 2, **extra}


def test_the_page_offers_now_and_later_times_and_books_the_chosen_one(client):
    near = provider(km=1)
    client.force_login(make_user())
    page = client.get("/dispatch/")
    assert b'<option value="now" selected>Now</option>' in page.content
    slot = LATER.isoformat()
    assert f'<option value="{slot}" data-local-time="{slot}"'.encode() in page.content
    # Nothing sooner than a "now" pickup plus a step, nothing past the limit.
    assert (NOW + timedelta(minutes=15)).isoformat().encode() not in page.content
    assert (NOW + timedelta(hours=6, minutes=15)).isoformat().encode() not in page.content

    fragment = client.get("/dispatch/estimate/", where(when=slot))
    assert b"Estimated fare" in fragment.content and b"for a pickup at" in fragment.content

    response = client.post("/dispatch/", where(when=slot, payment_method=card()))
    job = DispatchRequest.objects.get()
    assert response.status_code == 302 and job.pickup_at == LATER
    shown = client.get(response["Location"])
    assert b"Pickup in 2 h 30 min, 12:30 (Europe/Paris)." in shown.content

    client.force_login(near.owner)
    offers = client.get("/dispatch/provider/")
    assert b"in 2 h 30 min, 12:30" in offers.content


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ((NOW - timedelta(minutes=30)).isoformat(), b"That pickup time has passed."),
        ((NOW + timedelta(hours=7)).isoformat(), b"You can ask at most 6 hours ahead."),
        ("half past two", b"Give the pickup time as &quot;now&quot; or a date and time"),
        ((NOW + timedelta(hours=1, minutes=3)).isoformat(), b"whole steps of 5 minutes"),
    ],
)
def test_the_page_refuses_a_bad_time_next_to_the_when_field(client, when, message):
    provider(km=1)
    client.force_login(make_user())
    response = client.post("/dispatch/", where(when=when, payment_method=card()))
    assert response.status_code == 400
    assert message in response.content
    assert b'id="when-error"' in response.content and b'aria-invalid="true"' in response.content
    assert not DispatchRequest.objects.exists() and not Payment.objects.exists()


def test_the_estimate_fragment_explains_a_bad_time(client):
    provider(km=1)
    client.force_login(make_user())
    fragment = client.get("/dispatch/estimate/", where(when=(NOW + timedelta(hours=9)).isoformat()))
    assert fragment.status_code == 200 and b"at most 6 hours ahead" in fragment.content


def test_api_later_request_shows_its_pickup_to_the_requester_and_on_the_offer(client):
    near = provider(km=1)
    client.force_login(make_user())
    estimate = client.post(f"{API}/estimate", where(when="2027-01-10T12:30:00+01:00"), content_type="application/json")
    assert estimate.status_code == 200, estimate.json()
    assert estimate.json()["start"].startswith("2027-01-10T11:30:00")

    created = client.post(
        f"{API}/requests", where(when="2027-01-10T11:30:00Z", payment_method=card()), content_type="application/json"
    )
    assert created.status_code == 201, created.json()
    assert created.json()["pickup_at"].startswith("2027-01-10T11:30:00")

    client.force_login(near.owner)
    [offer] = client.get(f"{API}/offers").json()
    assert offer["pickup"] == "in 2 h 30 min, 12:30" and offer["pickup_at"].startswith("2027-01-10T11:30:00")
    accepted = client.post(f"{API}/requests/{offer['request']}/accept")
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["state"] == "assigned"


def test_api_now_stays_the_default():
    from dispatch.api import RequestIn  # imported here: at collection time it would import the API half-built

    assert RequestIn(latitude=1, longitude=1, hours=1, payment_method="pm_x").when == "now"


@pytest.mark.parametrize(
    ("when", "detail"),
    [
        ("2027-01-10T08:00:00Z", "That pickup time has passed."),
        ("2027-01-10T15:05:00Z", "You can ask at most 6 hours ahead."),
        ("2027-01-10T11:30:00", "Give the pickup time with its time zone offset"),
        ("soon", 'Give the pickup time as "now"'),
        ("2027-01-10T11:31:00Z", "Choose a pickup time in whole steps of 5 minutes"),
        ("2027-01-10T09:05:00Z", "A provider needs 15 minutes to get to you"),
        ("0001-01-01T00:00:00+14:00", "That pickup time is out of range."),
    ],
)
def test_api_refuses_a_bad_time_with_400_and_the_field(client, when, detail):
    provider(km=1)
    client.force_login(make_user())
    for path, body in (("estimate", where(when=when)), ("requests", where(when=when, payment_method="pm_x"))):
        response = client.post(f"{API}/{path}", body, content_type="application/json")
        assert response.status_code == 400, response.json()
        assert response.json()["field"] == "when" and response.json()["detail"].startswith(detail)
    assert not DispatchRequest.objects.exists() and not Payment.objects.exists()


def test_api_refuses_a_when_that_is_not_a_string_with_422(client):
    client.force_login(make_user())
    response = client.post(f"{API}/requests", where(when=12, payment_method="pm_x"), content_type="application/json")
    assert response.status_code == 422 and response.json()["field"] == "when"


def test_someone_elses_later_request_is_neither_visible_nor_cancellable(client):
    provider(km=1)
    job = request_driver(when=LATER)
    client.force_login(make_user())
    assert client.get(f"/dispatch/requests/{job.pk}/").status_code == 404
    assert client.post(f"/dispatch/requests/{job.pk}/cancel/").status_code == 404
    assert client.get(f"{API}/requests/{job.pk}").status_code == 404
    assert client.post(f"{API}/requests/{job.pk}/cancel").status_code == 404
    job.refresh_from_db()
    assert job.state == RequestState.REQUESTED

    client.force_login(job.requester)
    cancelled = client.post(f"{API}/requests/{job.pk}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert Payment.objects.get(pk=job.payment_id).status == Payment.Status.CANCELED
