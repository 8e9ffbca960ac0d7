"""Nearest-first search: the right providers, in order, in as few statements as the spread allows."""

from __future__ import annotations

import pytest

from dispatch import selectors
from dispatch.services.common import job_period
from listings.models import ListingKind
from tests.dispatch.factories import HERE, NOW, provider

pytestmark = pytest.mark.django_db


def nearest(count: int) -> list[int]:
    start, end = job_period(NOW, 2)
    found = selectors.nearest_available(
        kind=ListingKind.DRIVER,
        latitude=HERE[0],
        longitude=HERE[1],
        hours=2,
        start=start,
        end=end,
        count=count,
        now=NOW,
    )
    return [candidate.listing_id for candidate in found]


def test_providers_close_by_are_found_nearest_first_in_one_statement(django_assert_num_queries):
    listings = [provider(km=km, bearing=50 * i) for i, km in enumerate([0.35, 0.1, 0.25, 0.05])]
    by_distance = [listings[i].pk for i in (3, 1, 2, 0)]
    with django_assert_num_queries(1):
        assert nearest(3) == by_distance[:3]


def test_providers_further_out_are_still_found_in_order():
    listings = [provider(km=km, bearing=70 * i) for i, km in enumerate([4.0, 0.2, 2.5, 7.5])]
    assert nearest(4) == [listings[i].pk for i in (1, 2, 0, 3)]
