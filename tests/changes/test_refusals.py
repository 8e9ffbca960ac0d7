"""Every change that must not happen is refused with a sentence for a person, and nothing is written."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bookings.models import Booking, BookingChange, BookingStatus
from bookings.services.changes import (
    NO_OPEN_CHANGE,
    ONE_OPEN,
    SAME_AS_NOW,
    accept_change,
    ask_change,
    decline_change,
    propose_change,
    withdraw_change,
)
from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from listings.services import DATES_TAKEN_MESSAGE
from tests.bookings.factories import request_room
from tests.changes.helpers import MARCH, NOW, booked
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def unchanged(booking: Booking) -> None:
    before = (booking.start, booking.end, booking.guests, booking.total)
    booking.refresh_from_db()
    assert (booking.start, booking.end, booking.guests, booking.total) == before


def shorter(booking: Booking, **kwargs) -> BookingChange:
    return ask_change(guest=booking.guest, booking_id=booking.pk, start=MARCH(5), end=MARCH(7), guests=1, **kwargs)


def test_a_stranger_cannot_ask_for_a_change_of_someone_elses_booking():
    booking = booked()
    with pytest.raises(NotFound):
        ask_change(guest=make_user(), booking_id=booking.pk, start=MARCH(5), end=MARCH(7), guests=1, now=NOW)
    assert not BookingChange.objects.exists()


def test_a_stranger_cannot_answer_or_withdraw_a_change():
    booking = booked()
    shorter(booking, now=NOW)
    stranger = make_user()
    for act in (accept_change, decline_change, withdraw_change):
        with pytest.raises(NotFound):
            act(user=stranger, booking_id=booking.pk, now=NOW)
    assert BookingChange.objects.get().status == BookingChange.Status.OPEN
    unchanged(booking)


def test_the_side_that_asked_cannot_accept_its_own_change():
    booking = booked()
    shorter(booking, now=NOW)
    with pytest.raises(PermissionDenied, match="other side answers"):
        accept_change(user=booking.guest, booking_id=booking.pk, now=NOW)
    with pytest.raises(PermissionDenied):
        decline_change(user=booking.guest, booking_id=booking.pk, now=NOW)
    unchanged(booking)


def test_the_side_that_did_not_ask_cannot_withdraw_it():
    booking = booked()
    propose_change(host=booking.listing.owner, booking_id=booking.pk, start=MARCH(5), end=MARCH(7), guests=1, now=NOW)
    with pytest.raises(PermissionDenied, match="decline it"):
        withdraw_change(user=booking.guest, booking_id=booking.pk, now=NOW)
    assert BookingChange.objects.get().status == BookingChange.Status.OPEN


def test_the_host_cannot_use_the_guests_ask_and_the_guest_not_the_hosts_proposal():
    booking = booked()
    with pytest.raises(PermissionDenied, match="Only the guest"):
        ask_change(guest=booking.listing.owner, booking_id=booking.pk, start=MARCH(5), end=MARCH(7), guests=1, now=NOW)
    with pytest.raises(PermissionDenied, match="Only the host"):
        propose_change(host=booking.guest, booking_id=booking.pk, start=MARCH(5), end=MARCH(7), guests=1, now=NOW)


def test_an_answer_after_the_window_is_refused_and_the_booking_stays():
    booking = booked()
    change = shorter(booking, now=NOW)
    with pytest.raises(Conflict, match="run out"):
        accept_change(user=booking.listing.owner, booking_id=booking.pk, now=change.respond_by)
    unchanged(booking)


def test_dates_in_the_past_are_refused():
    booking = booked()
    with pytest.raises(DomainError, match="passed") as refused:
        ask_change(
            guest=booking.guest, booking_id=booking.pk, start=date(2027, 1, 2), end=date(2027, 1, 4), guests=1, now=NOW
        )
    assert refused.value.status_code == 400
    assert not BookingChange.objects.exists()


def test_dates_beyond_the_listings_horizon_are_refused():
    booking = booked()
    far = NOW.date() + timedelta(days=booking.listing.booking_horizon_days + 30)
    with pytest.raises(DomainError) as refused:
        ask_change(
            guest=booking.guest, booking_id=booking.pk, start=far, end=far + timedelta(days=2), guests=1, now=NOW
        )
    assert refused.value.code == "beyond_horizon"
    assert not BookingChange.objects.exists()


def test_dates_another_booking_holds_are_refused():
    booking = booked()
    booked(listing=booking.listing, check_in=MARCH(10), check_out=MARCH(12))
    with pytest.raises(Conflict, match=DATES_TAKEN_MESSAGE) as refused:
        ask_change(guest=booking.guest, booking_id=booking.pk, start=MARCH(9), end=MARCH(11), guests=1, now=NOW)
    assert refused.value.status_code == 409
    assert not BookingChange.objects.exists()


def test_a_change_that_overlaps_only_its_own_dates_is_fine():
    booking = booked()
    ask_change(guest=booking.guest, booking_id=booking.pk, start=MARCH(4), end=MARCH(7), guests=2, now=NOW)
    accept_change(user=booking.listing.owner, booking_id=booking.pk, now=NOW)
    booking.refresh_from_db()
    assert (booking.start.day, booking.end.day, booking.guests) == (4, 7, 2)


def test_more_guests_than_the_listing_takes_are_refused():
    booking = booked()
    with pytest.raises(DomainError, match="at most 2 people") as refused:
        ask_change(guest=booking.guest, booking_id=booking.pk, start=MARCH(5), end=MARCH(8), guests=3, now=NOW)
    assert refused.value.code == "over_capacity"


def test_the_booking_as_it_stands_is_not_a_change():
    booking = booked()
    with pytest.raises(DomainError, match=SAME_AS_NOW):
        ask_change(guest=booking.guest, booking_id=booking.pk, start=MARCH(5), end=MARCH(8), guests=1, now=NOW)


def test_one_open_change_at_a_time():
    booking = booked()
    shorter(booking, now=NOW)
    with pytest.raises(Conflict, match=ONE_OPEN):
        propose_change(
            host=booking.listing.owner, booking_id=booking.pk, start=MARCH(6), end=MARCH(8), guests=1, now=NOW
        )
    assert BookingChange.objects.count() == 1


def test_the_database_itself_refuses_a_second_open_change():
    from django.db import IntegrityError, transaction

    booking = booked()
    first = shorter(booking, now=NOW)
    first.pk, first.uid = None, None
    import uuid

    first.uid = uuid.uuid4()
    with pytest.raises(IntegrityError), transaction.atomic():
        first.save()


def test_a_request_not_yet_confirmed_cannot_be_changed():
    booking = request_room()
    with pytest.raises(Conflict, match="requested"):
        ask_change(guest=booking.guest, booking_id=booking.pk, start=MARCH(5), end=MARCH(7), guests=1, now=NOW)


def test_a_booking_that_has_started_cannot_be_changed():
    booking = booked()
    with pytest.raises(Conflict, match="started"):
        ask_change(
            guest=booking.guest,
            booking_id=booking.pk,
            start=MARCH(5),
            end=MARCH(7),
            guests=1,
            now=booking.start + timedelta(hours=1),
        )


def test_cancelling_the_booking_closes_its_open_change_and_lets_the_card_hold_go():
    from bookings.services.cancellations import cancel_by_guest
    from payments.models import Payment
    from tests.payments.fixtures import card

    booking = booked()
    change = ask_change(
        guest=booking.guest,
        booking_id=booking.pk,
        start=MARCH(5),
        end=MARCH(10),
        guests=1,
        payment_method=card(),
        now=NOW,
    )
    cancel_by_guest(guest=booking.guest, booking_id=booking.pk, now=NOW)
    change.refresh_from_db()
    assert (change.status, change.reason) == (BookingChange.Status.WITHDRAWN, "The booking was cancelled")
    assert Payment.objects.get(pk=change.payment_id).status == Payment.Status.CANCELED
    with pytest.raises(Conflict, match=NO_OPEN_CHANGE):
        accept_change(user=booking.listing.owner, booking_id=booking.pk, now=NOW)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED_BY_GUEST


def test_answering_twice_finds_nothing_left_to_answer():
    booking = booked()
    shorter(booking, now=NOW)
    accept_change(user=booking.listing.owner, booking_id=booking.pk, now=NOW)
    with pytest.raises(Conflict, match=NO_OPEN_CHANGE):
        accept_change(user=booking.listing.owner, booking_id=booking.pk, now=NOW)
