"""The listing page's two-month availability calendar: month names, the locale's first weekday, a room's
busy nights, and day buttons for guests only (the range picker is static/listings/range_calendar.js)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from listings.availability import availability_months
from listings.models import BusyPeriod, BusySource, Listing, ListingKind
from tests.listings.factories import make_listing

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")


def _fresh(listing: Listing) -> Listing:
    # As the page reads it: the room's check-in and check-out times come back from the database as times.
    return Listing.objects.get(pk=listing.pk)


def _states(months) -> dict[date, str]:
    return {cell.day: cell.state for month in months for week in month.weeks for cell in week if cell}


def test_two_whole_months_from_this_one_with_past_days_closed():
    months = availability_months(listing=_fresh(make_listing()), now=NOW)
    assert [m.first for m in months] == [date(2027, 1, 1), date(2027, 2, 1)]
    states = _states(months)
    assert len(states) == 31 + 28
    assert states[date(2027, 1, 9)] == "closed"
    assert states[date(2027, 1, 11)] == "free"


def test_a_rooms_booked_nights_are_busy_and_the_morning_it_ends_is_free_to_arrive():
    listing = make_listing()
    BusyPeriod.objects.create(
        listing=listing,
        start=datetime(2027, 1, 20, 15, 0, tzinfo=PARIS),
        end=datetime(2027, 1, 22, 11, 0, tzinfo=PARIS),
        source=BusySource.OWNER_BLOCK,
    )
    states = _states(availability_months(listing=_fresh(listing), now=NOW))
    assert [states[date(2027, 1, d)] for d in (19, 20, 21, 22)] == ["free", "busy", "busy", "free"]


def test_a_cars_day_is_busy_when_any_hour_of_it_is():
    car = make_listing(kind=ListingKind.CAR)
    BusyPeriod.objects.create(
        listing=car, start=datetime(2027, 1, 20, 22, 0, tzinfo=PARIS), end=datetime(2027, 1, 21, 1, 0, tzinfo=PARIS)
    )
    states = _states(availability_months(listing=_fresh(car), now=NOW))
    assert [states[date(2027, 1, d)] for d in (19, 20, 21, 22)] == ["free", "busy", "busy", "free"]


def test_days_beyond_the_booking_horizon_are_closed():
    states = _states(availability_months(listing=_fresh(make_listing(booking_horizon_days=30)), now=NOW))
    assert states[date(2027, 2, 8)] == "free"  # the night of 8 Feb ends on the horizon's last day, 9 Feb
    assert states[date(2027, 2, 9)] == "closed"


def _page(client, listing, language: str = "en") -> str:
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        return client.get(listing.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_the_page_names_the_months_and_starts_the_week_on_the_locales_first_day(client):
    listing = make_listing()
    english, french = _page(client, listing, "en"), _page(client, listing, "fr")
    assert "<caption" in english and "January 2027</caption>" in english and "February 2027</caption>" in english
    first_header = re.compile(r'<thead><tr><th scope="col"><abbr title="(\w+)"')
    assert first_header.search(english).group(1) == "Sunday"
    assert first_header.search(french).group(1) == "lundi"


def test_guests_get_day_buttons_and_the_owner_a_read_only_calendar(client):
    listing = make_listing()
    guest_page = _page(client, listing)
    assert "data-pickable" in guest_page
    assert 'data-date="2027-01-11" data-state="free"' in guest_page
    assert (
        'data-date="2027-01-09" data-state="closed" '
        'aria-label="Saturday 9 January 2027, not bookable" aria-disabled="true"' in guest_page
    )
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        client.force_login(listing.owner)
    owner_page = _page(client, listing)
    assert "data-pickable" not in owner_page and 'class="day free"' in owner_page


def test_a_guest_is_told_how_days_are_counted(client):
    page = _page(client, make_listing(advance_notice_hours=24))
    assert "a day is free when its night is (arrival from 15:00, departure by 11:00)" in page
    assert "Book at least 24 hours ahead." in page
