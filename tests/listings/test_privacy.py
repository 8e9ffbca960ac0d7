"""Only the owner changes a listing; a paused or deleted listing is invisible to everybody else."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from listings.models import BusyPeriod, BusySource, Listing, ListingStatus
from listings.services import hold_slot
from tests.listings.factories import make_listing
from tests.listings.helpers import FORM_COMMON, FORM_DETAILS, jpeg

pytestmark = pytest.mark.django_db


def snapshot(listing: Listing) -> tuple:
    listing.refresh_from_db()
    return listing.title, listing.unit_price, listing.status, listing.photos.count(), listing.busy_periods.count()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("edit", {**FORM_COMMON, **FORM_DETAILS["room"], "title": "Mine now"}),
        ("pause", {}),
        ("delete", {}),
        ("photos", {"action": "upload", "photos": [jpeg()]}),
        ("calendar", {"first_day": "2030-01-01", "last_day": "2030-01-03"}),
    ],
)
def test_another_user_cannot_change_a_listing(client, user, other_user, name, data):
    listing = make_listing(owner=user)
    before = snapshot(listing)
    client.force_login(other_user)
    if "photos" in data:
        data = {**data, "photos": [jpeg()]}
    response = client.post(reverse(f"listings:{name}", kwargs={"listing_id": listing.pk}), data)
    assert response.status_code == 403
    assert snapshot(listing) == before


def test_another_user_cannot_unblock_the_owners_dates(client, user, other_user):
    listing = make_listing(owner=user)
    start = listing.created_at + timedelta(days=10)
    period = hold_slot(listing=listing, start=start, end=start + timedelta(days=1), source=BusySource.OWNER_BLOCK)
    client.force_login(other_user)
    url = reverse("listings:unblock", kwargs={"listing_id": listing.pk, "period_id": period.pk})
    assert client.post(url).status_code == 403
    assert BusyPeriod.objects.filter(pk=period.pk).exists()


@pytest.mark.parametrize("status", [ListingStatus.PAUSED, ListingStatus.DELETED])
def test_a_paused_or_deleted_listing_is_invisible_to_others(client, user, other_user, status):
    listing = make_listing(owner=user, status=status)
    client.force_login(other_user)
    for url in (listing.get_absolute_url(), reverse("listings:edit", kwargs={"listing_id": listing.pk})):
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(listing.get_absolute_url()).status_code == 404
    assert client.get(f"/api/v1/listings/{listing.pk}").status_code == 404


def test_owner_blocks_and_unblocks_days(client, user):
    listing = make_listing(owner=user)
    client.force_login(user)
    first = date.today() + timedelta(days=5)
    url = reverse("listings:calendar", kwargs={"listing_id": listing.pk})
    client.post(url, {"first_day": first.isoformat(), "last_day": (first + timedelta(days=2)).isoformat()})
    period = BusyPeriod.objects.get(listing=listing)
    assert period.source == BusySource.OWNER_BLOCK
    assert period.end - period.start == timedelta(days=3)
    # Blocking over it again is refused with the calendar's message.
    response = client.post(url, {"first_day": first.isoformat(), "last_day": first.isoformat()})
    assert "Those dates were just taken." in response.content.decode()
    client.post(reverse("listings:unblock", kwargs={"listing_id": listing.pk, "period_id": period.pk}))
    assert not BusyPeriod.objects.exists()


def test_the_owner_cannot_unblock_a_booking_from_the_calendar(client, user):
    listing = make_listing(owner=user)
    start = listing.created_at + timedelta(days=10)
    booking = hold_slot(listing=listing, start=start, end=start + timedelta(days=1), source=BusySource.BOOKING)
    client.force_login(user)
    client.post(reverse("listings:unblock", kwargs={"listing_id": listing.pk, "period_id": booking.pk}))
    assert BusyPeriod.objects.filter(pk=booking.pk).exists()
