"""The estimate's fares are the quotes the providers' listings would give as ordinary bookings."""

from __future__ import annotations

import pytest

from bookings.selectors import quote_for
from dispatch import selectors
from dispatch.inputs import Need, Position
from dispatch.services.common import job_period
from dispatch.services.requests import estimate
from listings.models import Listing, ListingKind
from tests.conftest import make_user
from tests.dispatch.factories import HERE, NOW, provider

pytestmark = pytest.mark.django_db


def full_listing_fares(listing_ids: list[int], hours: int) -> dict[int, int]:
    start, end = job_period(NOW, hours)
    listings = Listing.objects.select_related("car").in_bulk(listing_ids)
    return {pk: quote_for(listing=listing, start=start, end=end).total for pk, listing in listings.items()}


@pytest.mark.parametrize("kind", [ListingKind.DRIVER, ListingKind.CAR])
def test_the_estimate_prices_each_provider_like_a_booking_of_their_whole_listing(settings, kind):
    settings.DISPATCH_WAVE_SIZE = 3
    listings = [
        provider(km=1, kind=kind, unit_price=1500),
        provider(km=2, kind=kind, unit_price=2100, fee_amount=350),
        provider(km=3, kind=kind, unit_price=990, fee_amount=0),
    ]
    if kind == ListingKind.CAR:
        # Ten hours of the third car cost more than its day price, so the day price counts.
        listings[2].car.day_price = 4000
        listings[2].car.save()
    hours = 12 if kind == ListingKind.DRIVER else 10
    need = Need(kind=kind, position=Position(*HERE), hours=hours)
    quote = estimate(requester=make_user(), need=need, now=NOW)
    fares = {candidate.listing_id: fare for candidate, fare, _ in quote.priced}
    assert fares == full_listing_fares([listing.pk for listing in listings], hours)
    assert (quote.low, quote.high) == (min(fares.values()), max(fares.values()))
    assert quote.low < quote.high


def test_a_listing_read_for_a_quote_still_loads_any_other_field_it_is_asked_for():
    listing = provider(km=1, title="Night driver")
    read = selectors.listings_to_quote([listing.pk])[listing.pk]
    assert (read.kind, read.unit_price, read.currency) == (ListingKind.DRIVER, 1500, "EUR")
    assert read.title == "Night driver"
    assert selectors.listings_to_quote([]) == {}
