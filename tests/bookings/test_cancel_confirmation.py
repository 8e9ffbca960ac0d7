"""Cancelling asks first and says what comes back ("you get back X of Y"), by the cancellation's own rules."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse

from bookings.models import BookingStatus
from tests.bookings.factories import NOW, confirmed_room

pytestmark = pytest.mark.django_db

API = "/api/v1/bookings"


@pytest.fixture(autouse=True)
def _frozen_clock():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def moderate_booking_within_five_days():
    """A moderate booking cancelled less than 5 days before its start: half the nights come back."""
    booking = confirmed_room(cancellation_policy="moderate")
    return booking, NOW + (booking.start - NOW) - timedelta(days=2)


def cancel_url(booking) -> str:
    return reverse("bookings:cancel", kwargs={"booking_id": booking.pk})


def test_the_booking_page_links_to_a_confirmation_instead_of_cancelling_in_one_tap(client):
    booking = confirmed_room()
    client.force_login(booking.guest)

    html = client.get(booking.get_absolute_url()).content.decode()

    assert f'href="{cancel_url(booking)}"' in html
    assert f'action="{cancel_url(booking)}"' not in html


def test_the_confirmation_says_what_the_guest_gets_back_of_what_they_paid(client):
    booking, later = moderate_booking_within_five_days()

    with mock.patch("django.utils.timezone.now", return_value=later):
        client.force_login(booking.guest)
        page = client.get(cancel_url(booking))

    html = page.content.decode()
    assert page.status_code == 200
    # 3 nights x 80.00 = 240.00; moderate, late: half of it back, of 291.20 paid.
    assert "You get back <strong>€120.00</strong> of €291.20." in html
    assert "you lose <strong>€171.20</strong>" in html
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_confirming_cancels_with_exactly_the_refund_shown(client):
    booking, later = moderate_booking_within_five_days()

    with mock.patch("django.utils.timezone.now", return_value=later):
        client.force_login(booking.guest)
        response = client.post(cancel_url(booking), {"refund_shown": "12000", "reason": "Plans changed"})

    booking.refresh_from_db()
    assert response.status_code == 302
    assert booking.status == BookingStatus.CANCELLED_BY_GUEST
    assert booking.refund_amount == 12000


def test_a_post_without_the_confirmation_cancels_nothing(client):
    booking = confirmed_room()
    client.force_login(booking.guest)

    response = client.post(cancel_url(booking), {"reason": "one tap"})

    booking.refresh_from_db()
    assert response.status_code == 409
    assert booking.status == BookingStatus.CONFIRMED


def test_a_refund_that_shrank_since_the_page_was_shown_is_asked_again(client):
    booking, later = moderate_booking_within_five_days()

    # The page was shown while everything came back (29120); the 5-day line has passed since.
    with mock.patch("django.utils.timezone.now", return_value=later):
        client.force_login(booking.guest)
        response = client.post(cancel_url(booking), {"refund_shown": "29120"})

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert "The refund changed" in response.content.decode()
    assert "You get back <strong>€120.00</strong>" in response.content.decode()


def test_the_host_is_told_the_guest_gets_everything_back(client):
    booking = confirmed_room()
    client.force_login(booking.listing.owner)

    html = client.get(cancel_url(booking)).content.decode()

    assert "The guest gets back everything: <strong>€291.20</strong> of €291.20." in html


def test_the_api_previews_the_refund_before_the_cancel_call(client):
    booking, later = moderate_booking_within_five_days()

    with mock.patch("django.utils.timezone.now", return_value=later):
        client.force_login(booking.guest)
        body = client.get(f"{API}/{booking.pk}/cancel").json()

    assert (body["refund"], body["total"], body["forfeit"]) == (12000, 29120, 17120)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
