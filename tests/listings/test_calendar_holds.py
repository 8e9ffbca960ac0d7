"""The availability calendar: no two busy periods of a listing may overlap."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from core.errors import Conflict, DomainError
from listings.models import BusyPeriod, BusySource
from listings.services import DATES_TAKEN_MESSAGE, hold_slot, release_slot
from tests.listings.factories import make_listing

pytestmark = pytest.mark.django_db

START = datetime(2027, 3, 5, 14, 0, tzinfo=UTC)


def test_holding_a_free_period_marks_it_busy():
    listing = make_listing()
    period = hold_slot(listing=listing, start=START, end=START + timedelta(days=2))
    assert period.source == BusySource.BOOKING
    assert listing.busy_periods.count() == 1


def test_an_overlapping_hold_is_refused_with_the_dates_taken_message():
    listing = make_listing()
    hold_slot(listing=listing, start=START, end=START + timedelta(days=2), source=BusySource.OWNER_BLOCK)

    with pytest.raises(Conflict, match=re.escape(DATES_TAKEN_MESSAGE)):
        hold_slot(listing=listing, start=START + timedelta(days=1), end=START + timedelta(days=3))
    assert listing.busy_periods.count() == 1


def test_back_to_back_periods_do_not_overlap():
    listing = make_listing()
    hold_slot(listing=listing, start=START, end=START + timedelta(days=2))
    hold_slot(listing=listing, start=START + timedelta(days=2), end=START + timedelta(days=4))
    assert listing.busy_periods.count() == 2


def test_another_listing_is_not_affected():
    hold_slot(listing=make_listing(), start=START, end=START + timedelta(days=2))
    hold_slot(listing=make_listing(), start=START, end=START + timedelta(days=2))
    assert BusyPeriod.objects.count() == 2


def test_a_period_ending_before_it_starts_is_refused():
    with pytest.raises(DomainError, match="The end must be after the start"):
        hold_slot(listing=make_listing(), start=START, end=START)


def test_released_period_can_be_held_again():
    listing = make_listing()
    period = hold_slot(listing=listing, start=START, end=START + timedelta(days=2))
    release_slot(busy_period=period)
    hold_slot(listing=listing, start=START, end=START + timedelta(days=2))
    assert listing.busy_periods.count() == 1


@pytest.mark.postgres_only
def test_postgres_itself_refuses_overlaps_that_bypass_the_service():
    listing = make_listing()
    BusyPeriod.objects.create(listing=listing, start=START, end=START + timedelta(days=2))
    assert connection.vendor == "postgresql"
    with pytest.raises(IntegrityError, match="busy_period_no_overlap"), transaction.atomic():
        BusyPeriod.objects.create(listing=listing, start=START + timedelta(hours=1), end=START + timedelta(days=1))
