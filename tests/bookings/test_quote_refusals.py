"""The live quote and the API quote run every check the request runs, and say why before any card is asked for;
dates are capped to the listing's booking horizon everywhere (pages, API, services)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.urls import reverse

from bookings.models import Booking
from bookings.services.answers import accept_booking
from core.errors import DomainError
from listings.models import BusyPeriod, BusySource, ListingKind
from tests.bookings.factories import NOW, request_room
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.payments.fixtures import card

pytestmark = pytest.mark.django_db

API = "/api/v1/bookings"


@pytest.fixture(autouse=True)
def _frozen_clock():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def live_quote(client, listing, **params) -> str:
    client.force_login(make_user())
    url = reverse("bookings:quote", kwargs={"listing_id": listing.pk})
    return client.get(url, {"guests": 1, **params}).content.decode()


def api_quote(client, listing, **payload):
    client.force_login(make_user())
    return client.post(f"{API}/quote", {"listing_id": listing.pk, **payload}, content_type="application/json")


# --- The horizon, on every entry point ------------------------------------------------------------


def test_the_request_service_refuses_a_stay_in_2099():
    with pytest.raises(DomainError, match="Pick dates within the next 365 days") as refused:
        request_room(check_in=date(2099, 3, 5), check_out=date(2099, 3, 8))
    assert refused.value.code == "beyond_horizon"
    assert not Booking.objects.exists()


def test_the_request_service_refuses_a_stay_that_ends_a_day_after_the_listings_horizon():
    listing = make_listing(booking_horizon_days=60)  # NOW is 10 Jan 2027: the last day is 11 Mar
    with pytest.raises(DomainError, match="Pick dates within the next 60 days"):
        request_room(listing=listing, check_in=date(2027, 3, 9), check_out=date(2027, 3, 12))
    assert request_room(listing=listing, check_in=date(2027, 3, 9), check_out=date(2027, 3, 11)).pk


def test_the_book_page_refuses_a_request_for_2099_instead_of_sending_it(client):
    listing = make_listing()
    client.force_login(make_user())
    response = client.post(
        reverse("bookings:book", kwargs={"listing_id": listing.pk}),
        {"start": "2099-03-05", "end": "2099-03-08", "guests": 1, "payment_method": card()},
    )
    assert response.status_code == 400
    assert "Pick dates within the next 365 days." in response.content.decode()
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("kind", "start", "end"),
    [
        (ListingKind.ROOM, "9999-12-30", "9999-12-31"),
        (ListingKind.CAR, "9999-12-31T20:00", "9999-12-31T23:00"),
    ],
)
def test_the_live_quote_refuses_year_9999_with_a_message(client, kind, start, end):
    html = live_quote(client, make_listing(kind=kind, time_zone="Asia/Tokyo"), start=start, end=end)
    assert "Pick dates within the next 365 days." in html


def test_the_api_quote_refuses_a_year_9999_period_that_would_overflow_in_the_listings_zone(client):
    # 23:00 UTC on the last day of 9999 is already year 10000 in Tokyo.
    listing = make_listing(time_zone="Asia/Tokyo")
    response = api_quote(client, listing, start="9999-12-31T23:00:00+00:00", end="9999-12-31T23:30:00+00:00")
    assert response.status_code == 400
    assert response.json()["detail"] == "Pick dates within the next 365 days."


def test_the_api_refuses_a_request_for_2099(client):
    listing = make_listing(kind=ListingKind.CAR)
    client.force_login(make_user())
    response = client.post(
        f"{API}/",
        {
            "listing_id": listing.pk,
            "start": "2099-03-05T10:00:00+01:00",
            "end": "2099-03-05T13:00:00+01:00",
            "payment_method": card(),
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Pick dates within the next 365 days."
    assert not Booking.objects.exists()


def test_the_book_form_offers_only_dates_from_today_to_the_horizon(client):
    listing = make_listing()
    client.force_login(make_user())
    html = client.get(reverse("bookings:book", kwargs={"listing_id": listing.pk})).content.decode()
    assert 'min="2027-01-10"' in html and 'max="2028-01-10"' in html


# --- The quote gives the request's real reason ----------------------------------------------------


def test_the_live_quote_does_not_price_blocked_dates(client):
    listing = make_listing()
    start = datetime(2027, 3, 4, tzinfo=UTC)
    BusyPeriod.objects.create(
        listing=listing, start=start, end=start + timedelta(days=5), source=BusySource.OWNER_BLOCK
    )
    html = live_quote(client, listing, start="2027-03-05", end="2027-03-08")
    assert "Those dates were just taken" in html
    assert "Total" not in html


def test_the_live_quote_does_not_price_a_start_that_has_passed(client):
    html = live_quote(client, make_listing(kind=ListingKind.CAR), start="2027-01-10T08:00", end="2027-01-10T11:00")
    assert "That start has already passed" in html
    assert "Total" not in html


def test_the_live_quote_refuses_more_people_than_the_listing_takes(client):
    html = live_quote(client, make_listing(capacity=2), start="2027-03-05", end="2027-03-08", guests=1000)
    assert "This listing takes at most 2 people." in html
    assert "Total" not in html


def test_the_live_quote_refuses_more_hours_than_the_maximum(client):
    listing = make_listing(kind=ListingKind.CAR, max_units=72)
    html = live_quote(client, listing, start="2027-03-05T10:00", end="2027-03-13T18:00")  # 200 hours
    assert "The maximum is 72 hours." in html
    assert "Total" not in html


def test_the_live_quote_says_zero_guests_is_the_problem_when_the_dates_are_filled(client):
    html = live_quote(client, make_listing(), start="2027-03-05", end="2027-03-08", guests=0)
    assert "Book for at least one person." in html
    assert "Pick your dates" not in html


def test_the_live_quote_asks_for_dates_when_there_are_none(client):
    assert "Pick your dates to see the price." in live_quote(client, make_listing())


def test_a_refused_quote_marks_itself_so_the_book_page_hides_the_card(client):
    html = live_quote(client, make_listing(capacity=2), start="2027-03-05", end="2027-03-08", guests=5)
    assert "data-quote-refused" in html


def test_the_live_quote_still_prices_a_period_the_request_accepts(client):
    html = live_quote(client, make_listing(), start="2027-03-05", end="2027-03-08", guests=2)
    assert "€291.20" in html


def test_the_api_quote_refuses_dates_already_taken_as_the_request_would(client):
    listing = make_listing()
    request_room(listing=listing, instant_book=True)
    accept_booking(host=listing.owner, booking_id=Booking.objects.get().pk, now=NOW)
    response = api_quote(client, listing, start="2027-03-05", end="2027-03-08")
    assert response.status_code == 409
    assert response.json()["detail"] == "Those dates were just taken. Pick other dates."


def test_the_api_quote_refuses_too_many_people(client):
    response = api_quote(client, make_listing(capacity=2), start="2027-03-05", end="2027-03-08", guests=50)
    assert response.status_code == 400
    assert response.json()["field"] == "guests"
