"""The owner's availability page shows blocked days in the listing's own time zone."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from tests.listings.factories import make_listing

pytestmark = pytest.mark.django_db


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
