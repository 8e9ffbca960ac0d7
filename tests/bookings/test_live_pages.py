"""The reservations page and the booking page redraw themselves when a booking notification arrives.

The page script (static/realtime/notifications.js) fires `sharing:notification` on the document
for each notification its WebSocket delivers; these pages ask htmx to fetch themselves again
then. tests/e2e/test_journey_host_lists_guest_books.py drives it in Chromium; here, the hooks.
"""

import re
from unittest import mock

import pytest
from django.urls import reverse

from tests.bookings.factories import NOW, request_room

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def live_region(html: str, region_id: str) -> dict[str, str]:
    tag = re.search(rf'<div id="{region_id}"[^>]*>', html)
    assert tag, f"no live region #{region_id} in the page"
    return dict(re.findall(r'(hx-[a-z]+)="([^"]*)"', tag.group(0)))


def test_reservations_page_refreshes_its_lists_on_any_booking_notification(client):
    booking = request_room()
    client.force_login(booking.listing.owner)
    html = client.get(reverse("bookings:reservations")).content.decode()

    hooks = live_region(html, "reservations-live")
    assert hooks["hx-get"] == reverse("bookings:reservations")
    assert hooks["hx-select"] == "#reservations-live"
    assert hooks["hx-trigger"].startswith("sharing:notification[detail.kind.startsWith('booking.')]")
    assert hooks["hx-trigger"].endswith(" from:document")
    # The request is inside the region, so the refresh redraws it.
    region = html[html.index('id="reservations-live"') :]
    assert reverse("bookings:accept", kwargs={"booking_id": booking.pk}) in region


def test_booking_page_refreshes_only_for_notifications_about_this_booking(client):
    booking = request_room()
    client.force_login(booking.guest)
    html = client.get(booking.get_absolute_url()).content.decode()

    hooks = live_region(html, "booking-live")
    assert hooks["hx-get"] == booking.get_absolute_url()
    assert hooks["hx-select"] == "#booking-live"
    assert f"detail.url === '{booking.get_absolute_url()}'" in hooks["hx-trigger"]
    region = html[html.index('id="booking-live"') :]
    assert 'class="badge booking-status status-requested"' in region
