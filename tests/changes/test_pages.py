"""The change pages: the form on the booking page, the answers, and what each side sees."""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse

from bookings.models import BookingChange
from tests.changes.helpers import NOW, booked
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def url(name: str, booking) -> str:
    return reverse(f"bookings:{name}", kwargs={"booking_id": booking.pk})


def test_the_booking_page_offers_both_sides_a_change(client):
    booking = booked()
    client.force_login(booking.guest)
    assert "Ask for other dates or guests" in client.get(url("detail", booking)).content.decode()
    client.force_login(booking.listing.owner)
    assert "Propose other dates or guests" in client.get(url("detail", booking)).content.decode()


def test_the_guest_asks_on_the_form_and_the_host_accepts_on_the_booking_page(client):
    booking = booked()
    client.force_login(booking.guest)
    form = client.get(url("change", booking))
    assert form.status_code == 200 and 'value="2027-03-05"' in form.content.decode()
    sent = client.post(url("change", booking), {"start": "2027-03-05", "end": "2027-03-07", "guests": 1})
    assert sent.status_code == 302
    client.force_login(booking.listing.owner)
    page = client.get(url("detail", booking)).content.decode()
    assert "asks to change this booking" in page and "Accept the change" in page
    client.post(url("change_accept", booking))
    page = client.get(url("detail", booking)).content.decode()
    assert "Refund to the guest" in page
    booking.refresh_from_db()
    assert booking.units == 2


def test_a_dearer_change_brings_the_form_back_with_the_card_field(client):
    booking = booked()
    client.force_login(booking.guest)
    response = client.post(url("change", booking), {"start": "2027-03-05", "end": "2027-03-10", "guests": 1})
    assert response.status_code == 400
    page = response.content.decode()
    assert "enter your card to pay the difference" in page and "data-card-form" in page
    assert not BookingChange.objects.exists()


def test_a_refusal_is_shown_on_the_form(client):
    booking = booked()
    client.force_login(booking.guest)
    response = client.post(url("change", booking), {"start": "2027-03-05", "end": "2027-03-08", "guests": 5})
    assert response.status_code == 400
    assert "at most 2 people" in response.content.decode()


def test_a_stranger_gets_a_404_on_every_change_page(client):
    booking = booked()
    client.force_login(make_user())
    assert client.get(url("change", booking)).status_code == 404
    for name in ("change", "change_accept", "change_decline", "change_withdraw"):
        assert client.post(url(name, booking)).status_code == 404


def test_the_side_that_asked_is_refused_the_answer_with_a_403(client):
    booking = booked()
    client.force_login(booking.guest)
    client.post(url("change", booking), {"start": "2027-03-05", "end": "2027-03-07", "guests": 1})
    assert client.post(url("change_accept", booking)).status_code == 403
    assert BookingChange.objects.get().status == BookingChange.Status.OPEN
    page = client.get(url("detail", booking)).content.decode()
    assert "Withdraw the change" in page and "Accept the change" not in page


def test_the_money_steps_show_the_first_charge_and_the_refund_of_the_change(client):
    from bookings.receipts import money_steps

    booking = booked()
    first = booking.total
    client.force_login(booking.guest)
    client.post(url("change", booking), {"start": "2027-03-05", "end": "2027-03-07", "guests": 1})
    client.force_login(booking.listing.owner)
    client.post(url("change_accept", booking))
    booking.refresh_from_db()
    steps = {step.what: step.amount for step in money_steps(booking)}
    assert steps["Charged to the guest's card, held by Sharing"] == first
    assert steps["Booking changed: the difference refunded to the card"] == first - booking.total
    assert steps["To be paid out to the host"] == booking.host_payout


def test_a_car_booking_changes_by_the_hour_on_the_form_in_the_cars_local_time(client):
    from bookings.services.answers import accept_booking
    from listings.models import ListingKind
    from tests.bookings.factories import request_hours

    request = request_hours(kind=ListingKind.CAR, hours=3)
    booking = accept_booking(host=request.listing.owner, booking_id=request.pk, now=NOW)
    client.force_login(booking.guest)
    form = client.get(url("change", booking)).content.decode()
    assert 'value="2027-03-05T11:00"' in form  # 10:00 UTC is 11:00 in Paris
    sent = client.post(url("change", booking), {"start": "2027-03-05T11:00", "end": "2027-03-05T13:00", "guests": 1})
    assert sent.status_code == 302
    change = BookingChange.objects.get()
    assert (change.units, change.back > 0) == (2, True)
