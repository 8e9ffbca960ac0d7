"""Bookings in /api/v1/: the same operations and refusals as the pages, as JSON."""

from unittest import mock

import pytest

from bookings.models import Booking, BookingStatus
from listings.models import ListingKind
from tests.bookings.factories import NOW, confirmed_room, request_room
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.payments.fixtures import card

pytestmark = pytest.mark.django_db

API = "/api/v1/bookings"


@pytest.fixture(autouse=True)
def _frozen_clock():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def as_user(client, user):
    client.force_login(user)
    return client


def test_quote_prices_a_room_stay(client):
    listing = make_listing()
    response = as_user(client, make_user()).post(
        f"{API}/quote",
        {"listing_id": listing.pk, "start": "2027-03-05", "end": "2027-03-08"},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["units"], body["total"]) == (3, 29120)
    assert body["start"] == "2027-03-05T15:00:00+01:00"  # the listing's local check-in time
    assert body["policy_text"].startswith("Free cancellation")


def test_creating_a_booking_returns_201_with_its_history(client):
    listing = make_listing(kind=ListingKind.CAR, instant_book=True)
    response = as_user(client, make_user()).post(
        f"{API}/",
        {
            "payment_method": card(),
            "listing_id": listing.pk,
            "start": "2027-03-05T10:00:00+01:00",
            "end": "2027-03-05T13:00:00+01:00",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "confirmed"
    assert [t["to_status"] for t in body["transitions"]] == ["requested", "confirmed"]


def test_a_refusal_is_a_4xx_with_the_message_and_the_field(client):
    listing = make_listing(capacity=2)
    response = as_user(client, make_user()).post(
        f"{API}/",
        {"payment_method": card(), "listing_id": listing.pk, "start": "2027-03-05", "end": "2027-03-08", "guests": 3},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "This listing takes at most 2 people."
    assert response.json()["field"] == "guests"
    assert not Booking.objects.exists()


def test_dates_just_taken_are_a_409(client):
    booking = confirmed_room()
    response = as_user(client, make_user()).post(
        f"{API}/",
        {"payment_method": card(), "listing_id": booking.listing_id, "start": "2027-03-06", "end": "2027-03-09"},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "Those dates were just taken. Pick other dates."


def test_the_api_needs_authentication(client):
    assert client.get(f"{API}/").status_code == 401


def test_lists_are_per_role(client):
    booking = request_room()
    guest_list = as_user(client, booking.guest).get(f"{API}/").json()
    assert [b["id"] for b in guest_list] == [booking.pk]
    assert as_user(client, booking.guest).get(f"{API}/", {"role": "host"}).json() == []
    host_list = as_user(client, booking.listing.owner).get(f"{API}/", {"role": "host"}).json()
    assert [b["id"] for b in host_list] == [booking.pk]


def test_a_stranger_gets_404_for_reads_and_actions_and_nothing_changes(client):
    booking = request_room()
    stranger = as_user(client, make_user())
    assert stranger.get(f"{API}/{booking.pk}").status_code == 404
    for action in ("accept", "decline", "withdraw", "cancel"):
        assert stranger.post(f"{API}/{booking.pk}/{action}").status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REQUESTED


def test_staff_can_read_any_booking(client):
    booking = request_room()
    assert as_user(client, make_user(is_staff=True)).get(f"{API}/{booking.pk}").status_code == 200


def test_the_host_accepts_and_the_guest_cannot(client):
    booking = request_room()
    refused = as_user(client, booking.guest).post(f"{API}/{booking.pk}/accept")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Only the host can accept this booking."
    accepted = as_user(client, booking.listing.owner).post(f"{API}/{booking.pk}/accept")
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "confirmed"


def test_decline_with_a_reason(client):
    booking = request_room()
    response = as_user(client, booking.listing.owner).post(
        f"{API}/{booking.pk}/decline", {"reason": "Not those dates"}, content_type="application/json"
    )
    assert response.json()["status"] == "declined"
    assert response.json()["transitions"][-1]["reason"] == "Not those dates"


def test_guest_cancels_and_sees_the_refund(client):
    booking = confirmed_room()
    response = as_user(client, booking.guest).post(f"{API}/{booking.pk}/cancel")
    body = response.json()
    assert body["status"] == "cancelled_by_guest"
    assert body["refund_amount"] == booking.total


def test_withdrawing_a_confirmed_booking_is_a_409(client):
    booking = confirmed_room()
    response = as_user(client, booking.guest).post(f"{API}/{booking.pk}/withdraw")
    assert response.status_code == 409
    assert response.json()["detail"] == "This booking is confirmed: it can no longer be withdrawn."


def test_a_too_long_reason_is_refused_and_nothing_changes(client):
    booking = request_room()
    response = as_user(client, booking.listing.owner).post(
        f"{API}/{booking.pk}/decline", {"reason": "x" * 301}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "reason"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REQUESTED
