"""The booking page leads its two parties to what comes next: a dispute, a review."""

import pytest
from django.urls import reverse

from bookings.services.clock import complete_booking, start_booking
from tests.bookings.factories import confirmed_room, request_room
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_both_parties_of_a_confirmed_booking_can_report_a_problem(client):
    booking = confirmed_room()
    link = reverse("disputes:open", kwargs={"booking_id": booking.pk})

    for person in (booking.guest, booking.listing.owner):
        client.force_login(person)
        assert link in client.get(booking.get_absolute_url()).content.decode()


def test_a_request_not_yet_accepted_offers_no_dispute(client):
    booking = request_room()
    client.force_login(booking.guest)
    page = client.get(booking.get_absolute_url()).content.decode()
    assert reverse("disputes:open", kwargs={"booking_id": booking.pk}) not in page


def test_after_the_stay_the_guest_is_invited_to_review(client):
    booking = confirmed_room()
    start_booking(booking_id=booking.pk, now=booking.start)
    complete_booking(booking_id=booking.pk, now=booking.end)
    client.force_login(booking.guest)

    page = client.get(booking.get_absolute_url()).content.decode()

    assert reverse("reviews:write", kwargs={"booking_id": booking.pk}) in page


def test_strangers_still_cannot_see_the_booking_page(client):
    booking = confirmed_room()
    client.force_login(make_user())
    assert client.get(booking.get_absolute_url()).status_code == 404
