"""seed_demo: a few hundred listings of every kind in several cities, and a second run adds nothing."""

import pytest
from django.core.management import call_command

from listings.models import DriverCoverage, Listing, ListingKind
from listings.search import SearchQuery, search_listing_hits

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_listings_of_every_kind_once():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    count = Listing.objects.count()
    assert count >= 300
    assert set(Listing.objects.values_list("kind", flat=True)) == set(ListingKind.values)
    assert len(set(Listing.objects.values_list("city", flat=True))) >= 3
    assert DriverCoverage.objects.exists()

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Listing.objects.count() == count


def test_seeded_listings_are_found_by_search_in_paris_and_new_york():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    for latitude, longitude in ((48.8566, 2.3522), (40.7128, -74.0060)):
        assert search_listing_hits(SearchQuery(latitude=latitude, longitude=longitude)).hits
