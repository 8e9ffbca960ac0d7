"""The listing page's live quote explains the cancellation policy with this stay's dates and the car's day-price
cap; its host card says how fast the host answers requests (issue 24)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.urls import reverse

from bookings import pricing
from bookings.selectors import host_response_time
from bookings.services.answers import accept_booking, decline_booking
from listings.models import CancellationPolicy, ListingKind
from tests.bookings.factories import NOW, request_room
from tests.conftest import make_user
from tests.listings.factories import make_listing

START = datetime(2027, 3, 5, 14, 0, tzinfo=UTC)  # 15:00 in Paris, the default check-in


def _quote(units: int = 3) -> pricing.Quote:
    return pricing.make_quote(
        kind=ListingKind.ROOM,
        currency="EUR",
        units=units,
        unit_price=10000,
        fee=2000,
        guest_fee_bps=1000,
        host_fee_bps=300,
    )


def _windows(policy: str, booked_at: datetime = NOW):
    return pricing.cancellation_windows(
        quote=_quote(), policy=policy, kind=ListingKind.ROOM, time_zone="Europe/Paris", start=START, booked_at=booked_at
    )


def test_flexible_gives_everything_back_until_a_day_before_then_all_but_the_first_night_and_fee():
    quote = _quote()
    (free_until, everything), (start, partial) = _windows(CancellationPolicy.FLEXIBLE)
    assert (free_until, everything) == (START - timedelta(hours=24), quote.total)
    assert start == START
    assert partial == quote.total - quote.guest_service_fee - 10000


def test_moderate_halves_the_nights_price_in_its_last_five_days():
    (five_days, everything), (start, half) = _windows(CancellationPolicy.MODERATE)
    assert five_days == START - timedelta(days=5) and everything == _quote().total
    assert (start, half) == (START, 15000)


def test_strict_full_refund_lasts_48_hours_after_booking_then_half_until_a_week_before_then_nothing():
    steps = _windows(CancellationPolicy.STRICT)
    assert steps == [
        (NOW + timedelta(hours=48), _quote().total),
        (START - timedelta(days=7), 15000),
        (START, 0),
    ]


def test_strict_booked_less_than_14_days_ahead_has_no_free_step():
    steps = _windows(CancellationPolicy.STRICT, booked_at=START - timedelta(days=10))
    assert steps == [(START - timedelta(days=7), 15000), (START, 0)]


@pytest.mark.django_db
def test_the_live_quote_dates_each_step_of_the_policy_in_the_listings_time(client):
    listing = make_listing(cancellation_policy=CancellationPolicy.MODERATE)
    url = reverse("bookings:quote", kwargs={"listing_id": listing.pk})
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        client.force_login(make_user())
        page = client.get(url, {"start": "2027-03-05", "end": "2027-03-08", "guests": 1}).content.decode()
    assert "Moderate cancellation" in page
    # 5 days before a 15:00 (Paris) check-in on Fri 5 Mar.
    assert "Cancel before Sun 28 Feb 15:00: you get everything back" in page
    assert "Cancel before Fri 5 Mar 15:00 (the start): you get back €120.00" in page


@pytest.mark.django_db
def test_the_live_quote_explains_when_the_day_price_capped_a_cars_hours(client):
    car = make_listing(kind=ListingKind.CAR, unit_price=1500)  # day price 60.00
    url = reverse("bookings:quote", kwargs={"listing_id": car.pk})
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        client.force_login(make_user())
        capped = client.get(url, {"start": "2027-03-05T08:00", "end": "2027-03-05T18:00", "guests": 1})
        uncapped = client.get(url, {"start": "2027-03-05T08:00", "end": "2027-03-05T10:00", "guests": 1})
    assert "capped at the day price" in capped.content.decode()
    assert "10 hours at €15.00" in capped.content.decode() and "would be €150.00" in capped.content.decode()
    assert "you pay €60.00" in capped.content.decode()
    assert "data-day-cap" not in uncapped.content.decode()


@pytest.mark.django_db
def test_the_hosts_answer_time_is_the_median_of_their_own_answers():
    host = make_user(display_name="Hana")
    listing = make_listing(owner=host)
    assert host_response_time(host_id=host.pk) is None
    for days, waited_hours, answer in ((0, 1, accept_booking), (4, 3, decline_booking), (8, 10, accept_booking)):
        booking = request_room(
            listing=listing,
            check_in=date(2027, 3, 1) + timedelta(days=days),
            check_out=date(2027, 3, 3) + timedelta(days=days),
        )
        answer(host=host, booking_id=booking.pk, now=NOW + timedelta(hours=waited_hours))
    assert host_response_time(host_id=host.pk) == timedelta(hours=3)


@pytest.mark.django_db
def test_the_host_card_shows_rating_checks_and_answer_time(client):
    host = make_user(display_name="Hana", languages="French, English")
    listing = make_listing(owner=host)
    booking = request_room(listing=listing)
    accept_booking(host=host, booking_id=booking.pk, now=NOW + timedelta(minutes=20))
    page = client.get(listing.get_absolute_url()).content.decode()
    assert "Usually answers requests within an hour" in page
    assert "Email address confirmed" in page
    assert "No reviews as a host yet" in page
    assert "Speaks French, English" in page
