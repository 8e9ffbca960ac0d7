"""Never a double booking through a change: accepted at the same instant as another change, or as another guest's
instant booking, into the same dates, exactly one wins and the other is told the dates were taken (409).

Real threads, each with its own connection: on SQLite the IMMEDIATE transactions queue on the write lock, on
PostgreSQL the listing's row lock and the exclusion constraints decide. Runs in both passes of `make test`.
"""

from __future__ import annotations

import itertools

import pytest

from bookings import selectors
from bookings.models import HOLDING_STATUSES, Booking, BookingChange
from bookings.services.changes import accept_change, ask_change
from bookings.services.checkout import request_booking
from core.errors import Conflict
from listings.models import BusyPeriod
from listings.services import DATES_TAKEN_MESSAGE
from tests.bookings.factories import confirmed_room
from tests.changes.helpers import MARCH, NOW
from tests.conftest import make_user
from tests.payments.fixtures import card
from tests.support.threads import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


def no_overlap(listing) -> None:
    assert selectors.overlapping_holding_pairs(listing_id=listing.pk) == 0
    periods = sorted(BusyPeriod.objects.filter(listing=listing).values_list("start", "end"))
    assert all(earlier[1] <= later[0] for earlier, later in itertools.pairwise(periods))


def test_two_changes_accepted_at_once_into_the_same_dates_one_wins_the_other_is_told():
    first = confirmed_room(check_in=MARCH(1), check_out=MARCH(3))
    listing = first.listing
    second = confirmed_room(listing=listing, check_in=MARCH(20), check_out=MARCH(22))
    for booking in (first, second):
        ask_change(guest=booking.guest, booking_id=booking.pk, start=MARCH(10), end=MARCH(12), guests=1, now=NOW)

    results, errors = run_concurrently(
        [
            lambda booking=booking: accept_change(user=listing.owner, booking_id=booking.pk, now=NOW)
            for booking in (first, second)
        ]
    )

    assert len(results) == 1 and len(errors) == 1, errors
    [error] = errors
    assert isinstance(error, Conflict) and error.message == DATES_TAKEN_MESSAGE and error.status_code == 409
    winner = Booking.objects.get(pk=results[0].pk)
    loser = Booking.objects.get(pk=second.pk if winner.pk == first.pk else first.pk)
    assert (winner.start.day, winner.end.day) == (10, 12)
    assert (loser.start.day, loser.end.day) in ((1, 3), (20, 22))
    assert BookingChange.objects.get(booking=loser).status == BookingChange.Status.OPEN
    assert Booking.objects.filter(listing=listing, status__in=HOLDING_STATUSES).count() == 2
    no_overlap(listing)


def test_a_change_and_another_guests_instant_booking_of_the_same_dates_never_both_win():
    booking = confirmed_room(check_in=MARCH(1), check_out=MARCH(3), instant_book=True)
    listing = booking.listing
    ask_change(guest=booking.guest, booking_id=booking.pk, start=MARCH(10), end=MARCH(12), guests=1, now=NOW)
    other, method = make_user(), card()

    results, errors = run_concurrently(
        [
            lambda: accept_change(user=listing.owner, booking_id=booking.pk, now=NOW),
            lambda: request_booking(
                guest=other,
                listing_id=listing.pk,
                start=MARCH(10),
                end=MARCH(12),
                guests=1,
                payment_method=method,
                now=NOW,
            ),
        ]
    )

    assert len(results) == 1 and len(errors) == 1, errors
    [error] = errors
    assert isinstance(error, Conflict) and error.message == DATES_TAKEN_MESSAGE
    holders = Booking.objects.filter(listing=listing, status__in=HOLDING_STATUSES, start__day=10)
    assert holders.count() == 1
    no_overlap(listing)


@pytest.mark.postgres_only
def test_postgres_itself_refuses_a_move_into_taken_dates_when_the_services_check_is_skipped(monkeypatch):
    """The calendar entry moves in one UPDATE: the exclusion constraint, not only the service's check, refuses it."""
    from bookings.services import changes

    first = confirmed_room(check_in=MARCH(1), check_out=MARCH(3))
    second = confirmed_room(listing=first.listing, check_in=MARCH(20), check_out=MARCH(22))
    change = ask_change(guest=first.guest, booking_id=first.pk, start=MARCH(10), end=MARCH(12), guests=1, now=NOW)
    # The other booking takes the dates behind the services' back; the check under the lock is switched off.
    BookingChange.objects.filter(pk=change.pk).update(start=second.start, end=second.end)
    monkeypatch.setattr(changes, "_taken", lambda *args: False)
    with pytest.raises(Conflict, match=DATES_TAKEN_MESSAGE):
        accept_change(user=first.listing.owner, booking_id=first.pk, now=NOW)
    first.refresh_from_db()
    assert (first.start.day, first.end.day) == (1, 3)
    no_overlap(first.listing)
