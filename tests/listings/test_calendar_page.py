"""The owner's availability page: blocked days in the listing's own time zone, from today to its horizon."""

from __future__ import annotations

from datetime import UTC, date, datetime
from unittest import mock

import pytest
from django.urls import reverse

from listings.models import BusyPeriod
from tests.listings.factories import make_listing

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 1, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def block(client, user, listing, first: str, last: str):
    client.force_login(user)
    url = reverse("listings:calendar", kwargs={"listing_id": listing.pk})
    return client.post(url, {"first_day": first, "last_day": last})


def test_blocked_days_are_listed_in_the_listings_time_zone_not_the_servers(client, user):
    # Tokyo is 9 hours ahead of UTC: in UTC the block would read "Fri 14 Jun 2030 15:00".
    listing = make_listing(owner=user, time_zone="Asia/Tokyo", latitude=35.68, longitude=139.69, city="Tokyo")
    client.force_login(user)
    url = reverse("listings:calendar", kwargs={"listing_id": listing.pk})
    saturday, sunday = date(2030, 6, 15), date(2030, 6, 16)

    response = client.post(url, {"first_day": saturday.isoformat(), "last_day": sunday.isoformat()}, follow=True)

    page = response.content.decode()
    assert "Sat 15 Jun 2030 00:00 to Mon 17 Jun 2030 00:00" in page
    assert "Fri 14 Jun 2030" not in page


def test_blocking_the_last_days_of_year_9999_is_refused_with_a_message_not_a_server_error(client, user):
    listing = make_listing(owner=user)

    response = block(client, user, listing, "9999-12-30", "9999-12-31")

    assert response.status_code == 400
    assert "Pick dates within the next 365 days." in response.content.decode()
    assert not BusyPeriod.objects.filter(listing=listing).exists()


def test_blocking_days_that_have_passed_is_refused(client, user):
    listing = make_listing(owner=user)

    response = block(client, user, listing, "2020-03-01", "2020-03-02")

    assert response.status_code == 400
    assert "That day has passed. Pick days from today on." in response.content.decode()
    assert not BusyPeriod.objects.exists()


def test_blocking_up_to_the_listings_own_horizon_is_allowed_and_a_day_beyond_is_not(client, user):
    listing = make_listing(owner=user, booking_horizon_days=60)

    beyond = block(client, user, listing, "2030-03-10", "2030-03-12")  # 10 Jan + 60 days = 11 Mar
    within = block(client, user, listing, "2030-03-10", "2030-03-11")

    assert beyond.status_code == 400
    assert "Pick dates within the next 60 days." in beyond.content.decode()
    assert within.status_code == 302
    assert BusyPeriod.objects.filter(listing=listing).count() == 1


def test_the_block_date_pickers_offer_only_today_to_the_horizon(client, user):
    listing = make_listing(owner=user)
    client.force_login(user)

    page = client.get(reverse("listings:calendar", kwargs={"listing_id": listing.pk})).content.decode()

    assert 'min="2030-01-10"' in page and 'max="2031-01-10"' in page
