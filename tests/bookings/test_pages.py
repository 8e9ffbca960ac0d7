"""Booking pages: book with a live quote, trips, reservations, calendar, the booking page and its buttons."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.urls import reverse

from bookings.models import Booking, BookingStatus
from bookings.services.answers import decline_booking
from listings.models import ListingKind, ListingStatus
from tests.bookings.factories import NOW, confirmed_room, request_room
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.payments.fixtures import card

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def logged_in(client, user):
    client.force_login(user)
    return client


def test_the_book_page_shows_the_form_and_the_policy_in_plain_words(client):
    listing = make_listing(cancellation_policy="flexible")
    page = logged_in(client, make_user()).get(reverse("bookings:book", kwargs={"listing_id": listing.pk}))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="start"' in html and 'type="date"' in html
    assert "Free cancellation until 24 hours before the start" in html
    assert reverse("bookings:quote", kwargs={"listing_id": listing.pk}) in html


def test_the_live_quote_prices_the_typed_dates(client):
    listing = make_listing()
    url = reverse("bookings:quote", kwargs={"listing_id": listing.pk})
    html = logged_in(client, make_user()).get(url, {"start": "2027-03-05", "end": "2027-03-08", "guests": 1}).content
    html = html.decode()
    assert "3 nights" in html
    assert "€291.20" in html  # 3 x 80.00 + 20.00 + 12 %


def test_the_live_quote_explains_a_bad_period(client):
    listing = make_listing()
    url = reverse("bookings:quote", kwargs={"listing_id": listing.pk})
    html = logged_in(client, make_user()).get(url, {"start": "2027-03-08", "end": "2027-03-05", "guests": 1})
    assert "Check-out must be after check-in" in html.content.decode()


def test_booking_a_room_from_the_page_creates_a_request(client):
    listing = make_listing()
    guest = make_user()
    url = reverse("bookings:book", kwargs={"listing_id": listing.pk})
    response = logged_in(client, guest).post(
        url, {"start": "2027-03-05", "end": "2027-03-08", "guests": 2, "payment_method": card()}
    )
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == booking.get_absolute_url()
    assert (booking.guest, booking.status, booking.units) == (guest, BookingStatus.REQUESTED, 3)


def test_booking_a_car_reads_the_times_in_the_listing_time_zone(client):
    listing = make_listing(kind=ListingKind.CAR, instant_book=True)
    url = reverse("bookings:book", kwargs={"listing_id": listing.pk})
    logged_in(client, make_user()).post(
        url, {"start": "2027-03-05T10:00", "end": "2027-03-05T13:00", "guests": 1, "payment_method": card()}
    )
    booking = Booking.objects.get()
    assert booking.start == datetime(2027, 3, 5, 9, 0, tzinfo=UTC)  # 10:00 in Paris
    assert booking.status == BookingStatus.CONFIRMED


def test_the_booking_page_counts_a_cars_hours_and_a_rooms_nights(client):
    car = make_listing(kind=ListingKind.CAR, instant_book=True)
    guest = make_user()
    logged_in(client, guest).post(
        reverse("bookings:book", kwargs={"listing_id": car.pk}),
        {"start": "2027-03-05T10:00", "end": "2027-03-05T13:00", "guests": 1, "payment_method": card()},
    )
    assert "<td>3 hours \u00d7 " in client.get(Booking.objects.get().get_absolute_url()).content.decode()

    room = confirmed_room()
    client.force_login(room.guest)
    assert f"<td>{room.units} nights \u00d7 " in client.get(room.get_absolute_url()).content.decode()


def test_a_refused_booking_shows_the_reason_and_creates_nothing(client):
    listing = make_listing(capacity=2)
    url = reverse("bookings:book", kwargs={"listing_id": listing.pk})
    response = logged_in(client, make_user()).post(url, {"start": "2027-03-05", "end": "2027-03-08", "guests": 5})
    assert response.status_code == 400
    assert "This listing takes at most 2 people." in response.content.decode()
    assert not Booking.objects.exists()


def test_the_book_page_needs_a_login_and_a_live_listing(client):
    listing = make_listing(status=ListingStatus.DELETED)
    url = reverse("bookings:book", kwargs={"listing_id": listing.pk})
    assert client.get(url).status_code == 302
    assert logged_in(client, make_user()).get(url).status_code == 404


def test_my_trips_lists_only_my_bookings(client):
    mine = request_room()
    theirs = request_room(listing=make_listing(title="Someone else's flat"))
    html = logged_in(client, mine.guest).get(reverse("bookings:trips")).content.decode()
    assert mine.listing.title in html
    assert theirs.listing.title not in html


def test_reservations_show_requests_with_the_time_left_and_buttons(client):
    booking = request_room()
    html = logged_in(client, booking.listing.owner).get(reverse("bookings:reservations")).content.decode()
    assert booking.guest.public_name in html
    assert "1\xa0day" in html  # 24 hours left to answer
    assert reverse("bookings:accept", kwargs={"booking_id": booking.pk}) in html
    assert reverse("bookings:decline", kwargs={"booking_id": booking.pk}) in html


def test_the_host_calendar_marks_booked_and_requested_days(client):
    listing = make_listing()
    confirmed_room(listing=listing)
    request_room(listing=listing, check_in=datetime(2027, 3, 20).date(), check_out=datetime(2027, 3, 22).date())
    html = logged_in(client, listing.owner).get(reverse("bookings:calendar"), {"month": "2027-03"}).content.decode()
    assert html.count('class="cal-day booked"') == 4  # 5th (from 15:00) to 8th (until 11:00)
    assert html.count('class="cal-day requested"') == 3
    assert "March 2027" in html


def test_the_booking_page_shows_the_timeline_to_guest_host_and_staff(client):
    booking = confirmed_room()
    staff = make_user(is_staff=True)
    for person in (booking.guest, booking.listing.owner, staff):
        client.force_login(person)
        html = client.get(booking.get_absolute_url()).content.decode()
        assert "Timeline" in html
        assert "Confirmed" in html


def test_a_stranger_cannot_see_a_booking(client):
    booking = request_room()
    assert logged_in(client, make_user()).get(booking.get_absolute_url()).status_code == 404


def test_the_host_accepts_from_the_page(client):
    booking = request_room()
    response = logged_in(client, booking.listing.owner).post(
        reverse("bookings:accept", kwargs={"booking_id": booking.pk})
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_the_guest_cannot_accept_their_own_request_and_a_stranger_gets_404(client):
    booking = request_room()
    url = reverse("bookings:accept", kwargs={"booking_id": booking.pk})
    assert logged_in(client, booking.guest).post(url).status_code == 403
    assert logged_in(client, make_user()).post(url).status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REQUESTED


def test_actions_are_post_only(client):
    booking = request_room()
    url = reverse("bookings:accept", kwargs={"booking_id": booking.pk})
    assert logged_in(client, booking.listing.owner).get(url).status_code == 405


def test_a_wrong_state_action_shows_the_message(client):
    booking = request_room()
    decline_booking(host=booking.listing.owner, booking_id=booking.pk, now=NOW)
    url = reverse("bookings:accept", kwargs={"booking_id": booking.pk})
    response = logged_in(client, booking.listing.owner).post(url, follow=True)
    assert "This booking is declined: it can no longer be accepted." in response.content.decode()


def test_cancel_follows_who_asks(client):
    booking = confirmed_room()
    url = reverse("bookings:cancel", kwargs={"booking_id": booking.pk})
    logged_in(client, booking.listing.owner).post(url, {"reason": "Boiler broke", "refund_shown": booking.total})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED_BY_HOST
    assert booking.transitions.last().reason == "Boiler broke"


def test_the_guest_withdraws_from_the_page(client):
    booking = request_room()
    logged_in(client, booking.guest).post(reverse("bookings:withdraw", kwargs={"booking_id": booking.pk}))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.WITHDRAWN


def test_the_guest_sees_what_cancelling_now_would_refund(client):
    booking = confirmed_room(cancellation_policy="strict")
    html = logged_in(client, booking.guest).get(booking.get_absolute_url()).content.decode()
    # booked at NOW, start more than 14 days later: within the 48 h grace
    assert "If you cancel now you get back <strong>€291.20</strong>" in html
    assert booking.start - NOW > timedelta(days=14)


def test_the_booking_panel_links_to_the_book_page(client):
    from django.template.loader import render_to_string

    listing = make_listing()
    html = render_to_string("bookings/_booking_panel.html", {"listing": listing, "user": make_user()})
    assert reverse("bookings:book", kwargs={"listing_id": listing.pk}) in html
    assert "€80.00" in html


def test_times_are_shown_in_the_listing_time_zone(client):
    listing = make_listing()
    url = reverse("bookings:quote", kwargs={"listing_id": listing.pk})
    html = logged_in(client, make_user()).get(url, {"start": "2027-03-05", "end": "2027-03-08", "guests": 1})
    assert "Fri 5 Mar 2027 15:00" in html.content.decode()  # Paris check-in time, not 14:00 UTC
    booking = request_room(listing=listing)
    page = logged_in(client, booking.guest).get(booking.get_absolute_url()).content.decode()
    assert "Fri 5 Mar 2027 15:00" in page


def test_the_host_calendar_marks_owner_blocks_and_only_shows_the_hosts_listings(client):
    from listings.models import BusySource
    from listings.services import hold_slot

    listing = make_listing(title="Canal room")
    hold_slot(
        listing=listing,
        start=datetime(2027, 3, 10, 0, 0, tzinfo=UTC),
        end=datetime(2027, 3, 11, 0, 0, tzinfo=UTC),
        source=BusySource.OWNER_BLOCK,
    )
    make_listing(title="Somebody else's room")
    html = logged_in(client, listing.owner).get(reverse("bookings:calendar"), {"month": "2027-03"}).content.decode()
    assert 'class="cal-day blocked"' in html
    assert "Canal room" in html
    assert "Somebody else" not in html
    assert "?month=2027-02" in html and "?month=2027-04" in html
