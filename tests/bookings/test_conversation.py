"""Every booking comes with a private conversation between its guest and its host."""

import pytest
from django.urls import reverse

from bookings.services.checkout import booking_thread_key
from core.errors import PermissionDenied
from realtime.models import Thread
from realtime.services import post_message
from tests.bookings.factories import request_room
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_a_request_opens_a_thread_for_exactly_the_guest_and_the_host():
    booking = request_room()

    thread = Thread.objects.get(key=booking_thread_key(booking.pk))

    assert set(thread.memberships.values_list("user_id", flat=True)) == {booking.guest_id, booking.listing.owner_id}
    assert thread.link_url == booking.get_absolute_url()


def test_the_booking_page_links_both_parties_to_their_conversation(client):
    booking = request_room()
    thread = Thread.objects.get(key=booking_thread_key(booking.pk))

    for person, label in ((booking.guest, "Message the host"), (booking.listing.owner, "Message the guest")):
        client.force_login(person)
        page = client.get(booking.get_absolute_url()).content.decode()
        assert label in page
        assert reverse("realtime:thread", kwargs={"thread_id": thread.pk}) in page


def test_a_stranger_can_neither_read_nor_write_in_a_booking_conversation(client):
    booking = request_room()
    thread = Thread.objects.get(key=booking_thread_key(booking.pk))
    stranger = make_user()

    with pytest.raises(PermissionDenied):
        post_message(thread=thread, sender=stranger, body="Let me in")
    client.force_login(stranger)
    assert client.get(reverse("realtime:thread", kwargs={"thread_id": thread.pk})).status_code == 404
    assert not thread.messages.exists()
