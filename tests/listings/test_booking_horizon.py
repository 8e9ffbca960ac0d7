"""A listing's booking horizon: a bounded field the owner sets, and the service refuses blocks outside it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.db import IntegrityError

from core.errors import DomainError
from listings import services
from listings.models import Listing
from tests.listings.factories import make_listing

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 1, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def test_a_new_listing_takes_bookings_365_days_ahead_by_default():
    assert make_listing().booking_horizon_days == 365


@pytest.mark.parametrize("days", [0, 29, 731, 5000])
def test_the_database_refuses_a_horizon_outside_30_to_730_days(days):
    listing = make_listing()
    with pytest.raises(IntegrityError):
        Listing.objects.filter(pk=listing.pk).update(booking_horizon_days=days)


def test_the_owner_sets_the_horizon_through_the_service_within_its_bounds(user):
    listing = make_listing(owner=user)

    services.update_listing(listing=listing, actor=user, fields={"booking_horizon_days": 90}, details={})
    with pytest.raises(DomainError, match="between 30 and 730") as refused:
        services.update_listing(listing=listing, actor=user, fields={"booking_horizon_days": 5000}, details={})

    listing.refresh_from_db()
    assert listing.booking_horizon_days == 90
    assert refused.value.field == "booking_horizon_days"


def test_the_block_service_refuses_a_period_that_has_passed(user):
    listing = make_listing(owner=user)
    start = NOW - timedelta(days=400)

    with pytest.raises(DomainError, match="That day has passed"):
        services.block_period(listing=listing, actor=user, start=start, end=start + timedelta(days=2))


def test_the_block_service_refuses_a_period_beyond_the_horizon(user):
    listing = make_listing(owner=user, booking_horizon_days=30)
    start = NOW + timedelta(days=29)

    with pytest.raises(DomainError, match="Pick dates within the next 30 days"):
        services.block_period(listing=listing, actor=user, start=start, end=start + timedelta(days=3))


def test_the_owner_sets_the_horizon_through_the_api_and_reads_it_back(client, user):
    listing = make_listing(owner=user)
    client.force_login(user)
    url = f"/api/v1/listings/{listing.pk}"

    accepted = client.patch(url, {"booking_horizon_days": 120}, content_type="application/json")
    refused = client.patch(url, {"booking_horizon_days": 10}, content_type="application/json")

    assert accepted.status_code == 200 and accepted.json()["booking_horizon_days"] == 120
    assert refused.status_code == 400 and refused.json()["field"] == "booking_horizon_days"


def test_the_listing_form_offers_the_horizon_with_its_bounds(client, user):
    client.force_login(user)
    html = client.get("/listings/new/room/").content.decode()
    assert 'name="booking_horizon_days"' in html and 'min="30"' in html and 'max="730"' in html
