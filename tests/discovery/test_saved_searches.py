"""Saved searches with alerts: saving (page and API, same refusals as search), the cell index, and the
alert journey (a host publishes a matching listing, the alert arrives once, not again the same day)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from hypothesis import given, settings
from hypothesis import strategies as st

from discovery import tasks
from discovery.alerts import alert_matching_searches, candidates
from discovery.cells import cell_of, cells_for_circle
from discovery.models import SavedSearch, SavedSearchCell
from discovery.saved_searches import save_search
from listings.geo import geodesic_km
from realtime.models import Notification
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.listings.helpers import api_payload

pytestmark = pytest.mark.django_db

BERLIN = {"lat": 52.52, "lng": 13.405}


def _alerts(person) -> list[Notification]:
    return list(Notification.objects.filter(recipient=person, kind="saved_search.match"))


def _run_enqueued_matches() -> list[str]:
    """What the worker would do: run every enqueued match task once, then forget it."""
    results = []
    for queued in DBTaskResult.objects.filter(task_path="discovery.tasks.match_listing_task"):
        results.append(tasks.match_listing_task.call(*queued.args_kwargs["args"]))
        queued.delete()
    return results


def test_the_alert_arrives_once_when_a_host_publishes_a_matching_listing(
    client, user, other_user, django_capture_on_commit_callbacks
):
    # The guest saves a search for rooms in Berlin from the search page.
    client.force_login(other_user)
    response = client.post(
        reverse("discovery:searches"), {**BERLIN, "q": "Berlin", "radius": "5", "kind": "room", "name": "Berlin rooms"}
    )
    assert response.status_code == 302, response.content
    # A host publishes a matching room through the API; the match is enqueued once that commits.
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/api/v1/listings/", api_payload("room"), content_type="application/json")
    assert created.status_code == 201
    assert _run_enqueued_matches() == ["alerted 1"]
    (alert,) = _alerts(other_user)
    assert alert.payload["listing_id"] == created.json()["id"]
    assert "Berlin rooms" in alert.text
    # The host lowers the price the same day: matched again, but no second alert today.
    with django_capture_on_commit_callbacks(execute=True):
        client.patch(f"/api/v1/listings/{created.json()['id']}", {"unit_price": 3000}, content_type="application/json")
    assert _run_enqueued_matches() == ["alerted 0"]
    assert len(_alerts(other_user)) == 1


def test_a_price_drop_the_next_day_alerts_again(user, other_user):
    saved = save_search(owner=other_user, name="Paris", latitude=48.8556, longitude=2.3601, radius_km=3)
    listing = make_listing(owner=user)
    now = timezone.now()
    assert alert_matching_searches(listing_id=listing.pk, reason="published", now=now) == 1
    assert alert_matching_searches(listing_id=listing.pk, reason="price_drop", now=now + timedelta(hours=23)) == 0
    assert alert_matching_searches(listing_id=listing.pk, reason="price_drop", now=now + timedelta(hours=25)) == 1
    assert len(_alerts(other_user)) == 2
    saved.refresh_from_db()
    assert saved.last_alerted_at == now + timedelta(hours=25)


def test_a_price_rise_or_a_paused_listing_enqueues_nothing(client, user, django_capture_on_commit_callbacks):
    listing = make_listing(owner=user)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.patch(f"/api/v1/listings/{listing.pk}", {"unit_price": 9999}, content_type="application/json")
        client.post(f"/api/v1/listings/{listing.pk}/status", {"status": "paused"}, content_type="application/json")
    assert not DBTaskResult.objects.exists()


def test_resuming_a_paused_listing_publishes_it_again(client, user, django_capture_on_commit_callbacks):
    listing = make_listing(owner=user, status="paused")
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/v1/listings/{listing.pk}/status", {"status": "active"}, content_type="application/json")
    (queued,) = DBTaskResult.objects.all()
    assert queued.args_kwargs["args"] == [listing.pk, "published"]


def test_a_rolled_back_listing_enqueues_no_match(user, django_capture_on_commit_callbacks):
    from listings import services

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.create_listing(
            owner=user,
            kind="room",
            fields={k: v for k, v in api_payload("room").items() if k not in ("kind", "details")},
            details={},
        )
        raise RuntimeError("rolled back")
    assert not DBTaskResult.objects.exists()


@pytest.mark.parametrize(
    ("search", "why"),
    [
        ({"kind": "car"}, "another kind"),
        ({"latitude": 48.0}, "too far"),
        ({"max_price": 5000}, "too dear"),
        ({"guests": 5}, "too small"),
        ({"instant_book": True}, "not instant"),
    ],
)
def test_a_listing_outside_the_saved_search_sends_no_alert(other_user, search, why):
    fields = {"latitude": 48.8556, "longitude": 2.3601, "radius_km": 5, **search}
    save_search(owner=other_user, name=why, **fields)
    listing = make_listing(unit_price=8000, capacity=2, instant_book=False)
    assert alert_matching_searches(listing_id=listing.pk, reason="published") == 0, why
    assert not _alerts(other_user)


def test_a_listing_busy_on_the_saved_dates_sends_no_alert(user, other_user):
    from listings.models import BusyPeriod

    start = timezone.now() + timedelta(days=20)
    save_search(
        owner=other_user,
        name="May",
        latitude=48.8556,
        longitude=2.3601,
        radius_km=5,
        start=start,
        end=start + timedelta(days=3),
    )
    listing = make_listing(owner=user)
    BusyPeriod.objects.create(listing=listing, start=start, end=start + timedelta(days=1))
    assert alert_matching_searches(listing_id=listing.pk, reason="published") == 0


def test_my_own_listing_never_alerts_me(user):
    save_search(owner=user, name="Mine", latitude=48.8556, longitude=2.3601, radius_km=5)
    listing = make_listing(owner=user)
    assert alert_matching_searches(listing_id=listing.pk, reason="published") == 0


def test_candidates_come_from_the_cell_index_not_from_every_saved_search(other_user):
    near = save_search(owner=other_user, name="Paris", latitude=48.85, longitude=2.35, radius_km=10)
    for offset in range(20):
        save_search(owner=other_user, name=f"Far {offset}", latitude=-30.0 + offset, longitude=150.0, radius_km=10)
    listing = make_listing()
    assert [saved.pk for saved in candidates(listing)] == [near.pk]
    assert SavedSearchCell.objects.filter(saved_search=near).count() <= 4


def test_a_driver_reaches_saved_searches_within_its_service_radius(user, other_user):
    # 40 km away from the search's centre, serving 50 km around: the search's 5 km circle is in reach.
    save_search(owner=other_user, name="Drivers", latitude=48.8556, longitude=2.3601, radius_km=5, kind="driver")
    driver = make_listing(owner=user, kind="driver", latitude=48.8556, longitude=2.9)
    driver.driver.service_radius_km = 50
    driver.driver.save()
    assert alert_matching_searches(listing_id=driver.pk, reason="published") == 1


def test_the_api_saves_lists_and_deletes_searches(client, other_user):
    client.force_login(other_user)
    response = client.post(
        "/api/v1/saved/searches",
        {**BERLIN, "radius": 5, "kind": "room", "max_price": 6000},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    saved_id = response.json()["id"]
    assert [s["id"] for s in client.get("/api/v1/saved/searches").json()] == [saved_id]
    assert client.delete(f"/api/v1/saved/searches/{saved_id}").status_code == 204
    assert not SavedSearch.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**BERLIN, "radius": 500}, "radius_km"),
        ({"lat": 95, "lng": 0}, "latitude"),
        ({**BERLIN, "kind": "boat"}, "kind"),
        ({**BERLIN, "start": "2020-01-01T10:00:00Z", "end": "2020-01-03T10:00:00Z"}, "start"),
        ({**BERLIN, "min_price": 500, "max_price": 100}, "max_price"),
    ],
)
def test_a_search_the_search_itself_would_refuse_cannot_be_saved(client, other_user, body, field):
    client.force_login(other_user)
    response = client.post("/api/v1/saved/searches", body, content_type="application/json")
    assert (response.status_code, response.json()["field"]) == (400, field)
    assert not SavedSearch.objects.exists()


def test_someone_elses_saved_search_cannot_be_deleted(client, other_user):
    saved = save_search(owner=other_user, name="Mine", latitude=48.85, longitude=2.35, radius_km=5)
    client.force_login(make_user())
    assert client.delete(f"/api/v1/saved/searches/{saved.pk}").status_code == 404
    assert client.post(reverse("discovery:delete_search", kwargs={"saved_search_id": saved.pk})).status_code == 404
    assert SavedSearch.objects.filter(pk=saved.pk).exists()


def test_the_search_page_offers_to_save_the_search(client, other_user):
    client.force_login(other_user)
    page = client.get(reverse("listings:search"), {**BERLIN, "radius": "5"}).content.decode()
    assert reverse("discovery:searches") in page and "Save this search" in page


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    latitude=st.floats(-89.9, 89.9),
    longitude=st.floats(-180, 180),
    radius_km=st.floats(0.1, 100),
    bearing=st.floats(0, 360),
    fraction=st.floats(0, 1),
)
def test_every_point_inside_a_circle_is_in_one_of_its_cells(latitude, longitude, radius_km, bearing, fraction):
    # A point at `fraction` of the radius in any direction (across the antimeridian and near the poles too).
    import math

    distance = radius_km * fraction * 0.999
    angular = distance / 6371.0
    theta, phi1, lam1 = math.radians(bearing), math.radians(latitude), math.radians(longitude)
    phi2 = math.asin(math.sin(phi1) * math.cos(angular) + math.cos(phi1) * math.sin(angular) * math.cos(theta))
    lam2 = lam1 + math.atan2(
        math.sin(theta) * math.sin(angular) * math.cos(phi1), math.cos(angular) - math.sin(phi1) * math.sin(phi2)
    )
    point_lat, point_lng = math.degrees(phi2), (math.degrees(lam2) + 540) % 360 - 180
    if float(geodesic_km(latitude, longitude, point_lat, point_lng)) > radius_km:
        return  # the sphere and the ellipsoid disagree at the very edge; only points truly inside count
    assert cell_of(point_lat, point_lng) in cells_for_circle(latitude, longitude, radius_km)
