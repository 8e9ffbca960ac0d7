"""Booking changes in /api/v1: the same operations and refusals as the pages, as JSON with a 4xx and a sentence."""

from __future__ import annotations

from unittest import mock

import pytest

from bookings.models import BookingChange
from listings.services import DATES_TAKEN_MESSAGE
from tests.changes.helpers import MARCH, NOW, booked
from tests.conftest import make_user
from tests.payments.fixtures import card

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def post(client, user, path: str, body: dict | None = None):
    client.force_login(user)
    return client.post(f"/api/v1/bookings/{path}", body or {}, content_type="application/json")


def test_the_guest_asks_the_host_accepts_and_the_booking_has_its_new_dates(client):
    booking = booked()
    asked = post(
        client, booking.guest, f"{booking.pk}/changes", {"start": "2027-03-05", "end": "2027-03-07", "guests": 1}
    )
    assert asked.status_code == 201, asked.json()
    assert asked.json()["side"] == "guest" and asked.json()["difference"] < 0
    accepted = post(client, booking.listing.owner, f"{booking.pk}/changes/accept")
    assert accepted.status_code == 200
    assert accepted.json()["units"] == 2
    assert accepted.json()["transitions"][-1]["reason"].startswith("Changed:")
    client.force_login(booking.guest)
    listed = client.get(f"/api/v1/bookings/{booking.pk}/changes").json()
    assert [c["status"] for c in listed] == ["accepted"]


def test_the_host_proposes_a_dearer_change_and_the_guest_pays_it(client):
    booking = booked()
    proposed = post(
        client,
        booking.listing.owner,
        f"{booking.pk}/changes",
        {"start": "2027-03-05", "end": "2027-03-09", "guests": 1},
    )
    assert proposed.status_code == 201 and proposed.json()["side"] == "host"
    without_card = post(client, booking.guest, f"{booking.pk}/changes/accept")
    assert without_card.status_code == 402
    assert without_card.json()["field"] == "payment_method"
    accepted = post(client, booking.guest, f"{booking.pk}/changes/accept", {"payment_method": card()})
    assert accepted.status_code == 200 and accepted.json()["units"] == 4


def test_dates_taken_are_a_409_with_the_sentence(client):
    booking = booked()
    booked(listing=booking.listing, check_in=MARCH(10), check_out=MARCH(12))
    response = post(
        client, booking.guest, f"{booking.pk}/changes", {"start": "2027-03-10", "end": "2027-03-12", "guests": 1}
    )
    assert response.status_code == 409
    assert response.json()["detail"] == DATES_TAKEN_MESSAGE
    assert not BookingChange.objects.exists()


def test_past_dates_and_too_many_guests_are_a_400(client):
    booking = booked()
    past = post(
        client, booking.guest, f"{booking.pk}/changes", {"start": "2027-01-01", "end": "2027-01-03", "guests": 1}
    )
    assert past.status_code == 400 and "passed" in past.json()["detail"]
    crowd = post(
        client, booking.guest, f"{booking.pk}/changes", {"start": "2027-03-05", "end": "2027-03-08", "guests": 9}
    )
    assert crowd.status_code == 400 and crowd.json()["field"] == "guests"


def test_a_stranger_gets_a_404_and_cannot_list_changes(client):
    booking = booked()
    stranger = make_user()
    assert (
        post(
            client, stranger, f"{booking.pk}/changes", {"start": "2027-03-05", "end": "2027-03-07", "guests": 1}
        ).status_code
        == 404
    )
    client.force_login(stranger)
    assert client.get(f"/api/v1/bookings/{booking.pk}/changes").status_code == 404


def test_the_wrong_side_answering_is_a_403_and_withdrawing_works_for_who_asked(client):
    booking = booked()
    post(client, booking.guest, f"{booking.pk}/changes", {"start": "2027-03-05", "end": "2027-03-07", "guests": 1})
    assert post(client, booking.guest, f"{booking.pk}/changes/accept").status_code == 403
    declined = post(client, booking.guest, f"{booking.pk}/changes/decline", {"reason": "x"})
    assert declined.status_code == 403
    withdrawn = post(client, booking.guest, f"{booking.pk}/changes/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    nothing = post(client, booking.listing.owner, f"{booking.pk}/changes/accept")
    assert nothing.status_code == 409


@pytest.mark.parametrize("with_code", [False, True])
def test_a_changes_new_price_reads_exactly_like_a_quote_of_the_same_period(client, with_code):
    from bookings.api import QuoteLinesOut
    from tests.promotions.factories import book_room, make_code

    code = ""
    if with_code:
        from tests.listings.factories import make_listing

        listing = make_listing()
        code = make_code(by=listing.owner, funded_by="host", percent=10, per_person_limit=2).code
        booking = book_room(listing=listing, check_in=MARCH(5), check_out=MARCH(8), promo_code=code)
        if booking.status == "requested":
            post(client, listing.owner, f"{booking.pk}/accept")
    else:
        booking = booked()
    period = {"start": "2027-03-10", "end": "2027-03-12", "guests": 1}
    asked = post(client, booking.guest, f"{booking.pk}/changes", period)
    quoted = post(client, booking.guest, "quote", {**period, "listing_id": booking.listing_id, "promo_code": code})
    assert asked.status_code == 201 and quoted.status_code == 200, (asked.json(), quoted.json())

    lines = list(QuoteLinesOut.model_fields)
    assert {"vat", "occupancy_tax", "host_promotion", "platform_promotion", "credit", "charged"} <= set(lines)
    assert {key: asked.json()[key] for key in lines} == {key: quoted.json()[key] for key in lines}
    assert (asked.json()["host_promotion"] > 0) == with_code
