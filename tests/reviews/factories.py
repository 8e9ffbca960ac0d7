"""Bookings in the states reviews care about, made through the bookings services, and reviews through ours.

The bookings are paid with a test card (tests/bookings/factories.py) through the localstripe harness;
tests/reviews/conftest.py starts it and checks the ledger after each test.
"""

from __future__ import annotations

from datetime import timedelta

from bookings.models import Booking
from bookings.services.clock import complete_booking, start_booking
from listings.models import Listing, ListingKind
from reviews import services
from reviews.models import ASPECTS_BY_KIND, Review
from tests.bookings.factories import request_hours, request_room
from tests.listings.factories import make_listing

TEXT = "Lovely place, exactly as described and easy to find."


def confirmed(kind: str = ListingKind.ROOM, *, listing: Listing | None = None, **kwargs) -> Booking:
    """An instant-booked (confirmed) booking of a room, car or driving service; `kwargs` pick dates and guest."""
    listing = listing or make_listing(kind=kind, instant_book=True)
    if listing.kind == ListingKind.ROOM:
        return request_room(listing=listing, **kwargs)
    return request_hours(kind=listing.kind, listing=listing, **kwargs)


def started(kind: str = ListingKind.ROOM, **kwargs) -> Booking:
    booking = confirmed(kind, **kwargs)
    return start_booking(booking_id=booking.pk, now=booking.start)


def completed(kind: str = ListingKind.ROOM, **kwargs) -> Booking:
    """A booking that took place: confirmed at NOW, started at its start, completed at its end."""
    booking = started(kind, **kwargs)
    return complete_booking(booking_id=booking.pk, now=booking.end)


def aspects_for(kind: str, rating: int = 5) -> dict[str, int]:
    return {name: rating for name in ASPECTS_BY_KIND[kind]}


def guest_review(booking: Booking, *, rating: int = 5, text: str = TEXT, at=None, **kwargs) -> Review:
    kwargs.setdefault("aspects", aspects_for(booking.listing.kind, rating))
    return services.write_review(
        author=booking.guest,
        booking_id=booking.pk,
        rating=rating,
        text=text,
        now=at or booking.end + timedelta(hours=2),
        **kwargs,
    )


HOST_TEXT = "A considerate guest, left everything tidy."


def host_review(booking: Booking, *, rating: int = 4, text: str = HOST_TEXT, at=None) -> Review:
    return services.write_review(
        author=booking.listing.owner,
        booking_id=booking.pk,
        rating=rating,
        text=text,
        now=at or booking.end + timedelta(hours=3),
    )
