"""A person who never set a name is never shown by any part of their email address to others."""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse

from tests.bookings.factories import NOW, request_room
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.reviews.factories import completed, guest_review, host_review

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def test_the_public_listing_page_does_not_show_the_hosts_email(client):
    host = make_user("zoe.secret@example.com", display_name="")
    listing = make_listing(owner=host)

    page = client.get(listing.get_absolute_url()).content.decode()

    assert "zoe.secret" not in page
    assert f"Member {host.pk}" in page


def test_a_published_review_does_not_show_the_guests_email(client):
    guest = make_user("gus.private@example.com", display_name="")
    booking = completed(guest=guest)
    guest_review(booking)
    host_review(booking)

    page = client.get(booking.listing.get_absolute_url()).content.decode()

    assert "exactly as described" in page  # the review is there
    assert "gus.private" not in page


def test_the_hosts_requests_do_not_show_the_guests_email(client):
    guest = make_user("gus.private@example.com", display_name="")
    booking = request_room(guest=guest)
    client.force_login(booking.listing.owner)

    requests = client.get(reverse("bookings:reservations")).content.decode()
    detail = client.get(booking.get_absolute_url()).content.decode()

    assert f"Member {guest.pk}" in requests
    assert "gus.private" not in requests and "gus.private" not in detail
