"""Never a double booking: 50 real concurrent attempts on overlapping periods of one listing, exactly one wins.

Each thread has its own database connection (Django's are per thread), so on
SQLite the IMMEDIATE transactions queue on the file's write lock and on
PostgreSQL the row lock on the listing (and the exclusion constraints behind it)
decide. Runs in both passes of `make test`.
"""

import importlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from bookings import selectors
from bookings.models import HOLDING_STATUSES, Booking, BookingStatus
from bookings.services.answers import accept_booking
from bookings.services.checkout import request_booking
from core.errors import Conflict
from listings.models import BusyPeriod, ListingKind
from listings.services import DATES_TAKEN_MESSAGE
from payments.models import Payment
from tests.bookings.factories import NOW
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.payments.fixtures import card
from tests.support.threads import run_concurrently

ATTEMPTS = 50
BASE = datetime(2027, 3, 5, 8, 0, tzinfo=UTC)


def assert_one_winner(results, errors, listing):
    assert len(results) == 1, errors[:3]
    assert len(errors) == ATTEMPTS - 1
    for error in errors:
        assert isinstance(error, Conflict), repr(error)
        assert re.fullmatch(re.escape(DATES_TAKEN_MESSAGE), error.message)
    assert Booking.objects.filter(listing=listing, status__in=HOLDING_STATUSES).count() == 1
    assert BusyPeriod.objects.filter(listing=listing).count() == 1
    assert selectors.overlapping_holding_pairs(listing_id=listing.pk) == 0


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_instant_bookings_of_overlapping_periods_confirm_exactly_one():
    listing = make_listing(kind=ListingKind.CAR, instant_book=True, max_units=72)
    guests = [make_user() for _ in range(ATTEMPTS)]
    cards = [card() for _ in range(ATTEMPTS)]

    def attempt(i):
        # Every period overlaps every other: starts 0-49 h apart, each 60 h long.
        start = BASE + timedelta(hours=i)
        return lambda: request_booking(
            guest=guests[i],
            listing_id=listing.pk,
            start=start,
            end=start + timedelta(hours=60),
            guests=1,
            payment_method=cards[i],
            now=NOW,
        )

    results, errors = run_concurrently([attempt(i) for i in range(ATTEMPTS)])

    assert_one_winner(results, errors, listing)
    assert results[0].status == BookingStatus.CONFIRMED
    # the losers left nothing behind: no half-made booking, and only the winner's card was charged
    assert Booking.objects.filter(listing=listing).count() == 1
    statuses = sorted(Payment.objects.values_list("status", flat=True))
    assert statuses.count(Payment.Status.CAPTURED) == 1
    assert set(statuses) <= {Payment.Status.CAPTURED, Payment.Status.CANCELED}


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_accepts_of_overlapping_requests_confirm_exactly_one():
    listing = make_listing(kind=ListingKind.CAR, max_units=72)
    requests = []
    for i in range(ATTEMPTS):
        start = BASE + timedelta(hours=i)
        requests.append(
            request_booking(
                guest=make_user(),
                listing_id=listing.pk,
                start=start,
                end=start + timedelta(hours=60),
                guests=1,
                payment_method=card(),
                now=NOW,
            )
        )

    def accept(booking):
        return lambda: accept_booking(host=listing.owner, booking_id=booking.pk, now=NOW)

    results, errors = run_concurrently([accept(booking) for booking in requests])

    assert_one_winner(results, errors, listing)
    assert Booking.objects.filter(listing=listing, status=BookingStatus.DECLINED).count() == ATTEMPTS - 1
    # one charge; every automatically declined request had its authorisation released
    assert Payment.objects.filter(status=Payment.Status.CAPTURED).count() == 1
    assert Payment.objects.filter(status=Payment.Status.CANCELED).count() == ATTEMPTS - 1


def test_the_postgres_constraint_covers_exactly_the_slot_holding_statuses():
    migration = importlib.import_module("bookings.migrations.0002_booking_exclusion_constraint")
    listed = re.search(r"status IN \(([^)]*)\)", migration.CREATE).group(1)
    assert sorted(s.strip(" '") for s in listed.split(",")) == sorted(HOLDING_STATUSES)


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_postgres_itself_refuses_overlapping_holding_bookings_that_bypass_the_services():
    from tests.bookings.factories import confirmed_room, request_room

    first = confirmed_room()
    second = request_room(listing=make_listing())  # a request elsewhere, moved over the first by hand
    # A calendar entry on another listing, so only the bookings table's own rule can object.
    second.busy_period = BusyPeriod.objects.create(listing=second.listing, start=first.start, end=first.end)
    second.listing = first.listing
    second.status = BookingStatus.CONFIRMED
    second.start, second.end = first.start + timedelta(hours=1), first.end
    assert connection.vendor == "postgresql"
    with pytest.raises(IntegrityError, match="booking_no_overlap"), transaction.atomic():
        second.save()
