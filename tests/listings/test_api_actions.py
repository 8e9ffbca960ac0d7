"""The API twins of the listing pages' actions: photos, calendar, questions, reports (same services, same refusals)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from listings.models import BusyPeriod, BusySource, ListingReport
from realtime.models import Message, Thread
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.listings.helpers import jpeg

pytestmark = pytest.mark.django_db


def _upload(client, listing, count: int = 1):
    photos = [jpeg(f"p{n}.jpg") for n in range(count)]
    return client.post(f"/api/v1/listings/{listing.pk}/photos", {"photos": photos})


def test_owner_uploads_photos_through_the_api(client, user):
    listing = make_listing(owner=user)
    client.force_login(user)
    response = _upload(client, listing, 2)
    assert response.status_code == 201, response.content
    assert [p["position"] for p in response.json()] == [0, 1]
    assert listing.photos.count() == 2


def test_an_upload_that_is_no_image_is_refused_and_nothing_stored(client, user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    listing = make_listing(owner=user)
    client.force_login(user)
    bad = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = client.post(f"/api/v1/listings/{listing.pk}/photos", {"photos": [bad]})
    assert (response.status_code, response.json()["field"]) == (400, "photos")
    assert not listing.photos.exists()


def test_owner_reorders_photos_and_the_first_becomes_the_cover(client, user):
    listing = make_listing(owner=user)
    client.force_login(user)
    ids = [p["id"] for p in _upload(client, listing, 3).json()]
    response = client.put(
        f"/api/v1/listings/{listing.pk}/photos/order", {"photo_ids": ids[::-1]}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert [p["id"] for p in response.json()] == ids[::-1]
    assert list(listing.photos.order_by("position").values_list("pk", flat=True)) == ids[::-1]


def test_a_reorder_that_leaves_a_photo_out_is_refused(client, user):
    listing = make_listing(owner=user)
    client.force_login(user)
    ids = [p["id"] for p in _upload(client, listing, 2).json()]
    response = client.put(
        f"/api/v1/listings/{listing.pk}/photos/order", {"photo_ids": ids[:1]}, content_type="application/json"
    )
    assert (response.status_code, response.json()["field"]) == (400, "photo_ids")
    assert list(listing.photos.order_by("position").values_list("pk", flat=True)) == ids


def test_owner_captions_and_deletes_a_photo(client, user):
    listing = make_listing(owner=user)
    client.force_login(user)
    first, second = (p["id"] for p in _upload(client, listing, 2).json())
    path = f"/api/v1/listings/{listing.pk}/photos/{first}"
    response = client.patch(path, {"caption": "  The  view "}, content_type="application/json")
    assert (response.status_code, response.json()["caption"]) == (200, "The view")
    assert client.delete(path).status_code == 204
    assert list(listing.photos.values_list("pk", "position")) == [(second, 0)]


def test_another_person_cannot_caption_my_photo(client, user, other_user):
    listing = make_listing(owner=user)
    client.force_login(user)
    photo_id = _upload(client, listing).json()[0]["id"]
    client.force_login(other_user)
    path = f"/api/v1/listings/{listing.pk}/photos/{photo_id}"
    response = client.patch(path, {"caption": "Mine"}, content_type="application/json")
    assert response.status_code in (403, 404)
    assert listing.photos.get().caption == ""


def test_owner_reads_blocks_and_unblocks_the_calendar(client, user):
    listing = make_listing(owner=user)
    client.force_login(user)
    first = timezone.localdate() + timedelta(days=10)
    path = f"/api/v1/listings/{listing.pk}/calendar"
    response = client.post(
        path,
        {"first_day": first.isoformat(), "last_day": (first + timedelta(days=1)).isoformat(), "note": "Away"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    period = BusyPeriod.objects.get(listing=listing)
    assert (period.source, period.note, period.end - period.start) == (BusySource.OWNER_BLOCK, "Away", timedelta(2))
    calendar = client.get(path).json()
    assert [p["id"] for p in calendar["periods"]] == [period.pk]
    assert calendar["time_zone"] == "Europe/Paris"
    assert client.delete(f"{path}/{period.pk}").status_code == 204
    assert not BusyPeriod.objects.exists()


def test_blocking_beyond_the_horizon_is_refused_as_on_the_page(client, user):
    listing = make_listing(owner=user, booking_horizon_days=30)
    client.force_login(user)
    far = timezone.localdate() + timedelta(days=60)
    response = client.post(
        f"/api/v1/listings/{listing.pk}/calendar",
        {"first_day": far.isoformat(), "last_day": far.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "30 days" in response.json()["detail"]
    assert not BusyPeriod.objects.exists()


def test_blocking_a_past_day_is_refused(client, user):
    listing = make_listing(owner=user)
    client.force_login(user)
    past = timezone.localdate() - timedelta(days=3)
    response = client.post(
        f"/api/v1/listings/{listing.pk}/calendar",
        {"first_day": past.isoformat(), "last_day": past.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert not BusyPeriod.objects.exists()


def test_a_guest_asks_the_host_a_question_in_a_thread(client, user, other_user):
    listing = make_listing(owner=user)
    client.force_login(other_user)
    response = client.post(
        f"/api/v1/listings/{listing.pk}/questions", {"body": "Is there a lift?"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    thread = Thread.objects.get(pk=response.json()["thread_id"])
    assert set(thread.participants.all()) == {user, other_user}
    assert Message.objects.get(thread=thread).body == "Is there a lift?"
    again = client.post(f"/api/v1/listings/{listing.pk}/questions", {}, content_type="application/json")
    assert again.json()["thread_id"] == thread.pk


def test_the_host_cannot_ask_their_own_listing(client, user):
    listing = make_listing(owner=user)
    client.force_login(user)
    response = client.post(f"/api/v1/listings/{listing.pk}/questions", {}, content_type="application/json")
    assert response.status_code == 403
    assert not Thread.objects.exists()


def test_a_person_reports_a_listing_once(client, user, other_user):
    listing = make_listing(owner=user)
    client.force_login(other_user)
    path = f"/api/v1/listings/{listing.pk}/reports"
    reason = {"reason": "The photos are of another flat."}
    assert client.post(path, reason, content_type="application/json").status_code == 201
    again = client.post(path, reason, content_type="application/json")
    assert again.status_code == 409
    assert ListingReport.objects.filter(listing=listing, reporter=other_user).count() == 1


def test_a_paused_listing_cannot_be_reported_by_strangers(client, user):
    listing = make_listing(owner=user, status="paused")
    client.force_login(make_user())
    response = client.post(
        f"/api/v1/listings/{listing.pk}/reports",
        {"reason": "Something is wrong here."},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not ListingReport.objects.exists()
