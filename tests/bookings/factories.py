"""Small factories for bookings tests: listings with a verified guest, bookings made through the services.

Every booking is paid with a test card through the localstripe harness (the tests' conftest
points the site at it), so the money moves exactly as in production.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from accounts.models import User
from bookings.models import Booking
from bookings.services.answers import accept_booking
from bookings.services.checkout import request_booking
from listings.models import Listing, ListingKind
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.payments.fixtures import VISA, card

# A fixed "now" well before every period the tests book, so no test depends on today's date.
NOW = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
CHECK_IN = date(2027, 3, 5)
CHECK_OUT = date(2027, 3, 8)


def request_room(
    *,
    listing: Listing | None = None,
    guest: User | None = None,
    check_in: date = CHECK_IN,
    check_out: date = CHECK_OUT,
    guests: int = 1,
    now: datetime = NOW,
    card_number: str = VISA,
    **listing_fields,
) -> Booking:
    listing = listing or make_listing(kind=ListingKind.ROOM, **listing_fields)
    return request_booking(
        guest=guest or make_user(),
        listing_id=listing.pk,
        start=check_in,
        end=check_out,
        guests=guests,
        payment_method=card(card_number),
        now=now,
    )


def request_hours(
    *,
    kind: str = ListingKind.CAR,
    listing: Listing | None = None,
    guest: User | None = None,
    start: datetime | None = None,
    hours: float = 3,
    now: datetime = NOW,
    card_number: str = VISA,
    **listing_fields,
) -> Booking:
    listing = listing or make_listing(kind=kind, **listing_fields)
    start = start or datetime(2027, 3, 5, 10, 0, tzinfo=UTC)
    return request_booking(
        guest=guest or make_user(),
        listing_id=listing.pk,
        start=start,
        end=start + timedelta(hours=hours),
        guests=1,
        payment_method=card(card_number),
        now=now,
    )


def confirmed_room(**kwargs) -> Booking:
    """A room booking the host has accepted (at NOW)."""
    booking = request_room(**kwargs)
    return accept_booking(host=booking.listing.owner, booking_id=booking.pk, now=kwargs.get("now", NOW))
