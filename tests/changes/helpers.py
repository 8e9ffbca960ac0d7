"""A confirmed room booking (5 to 8 March 2027, 3 nights at 80 EUR + 20 EUR cleaning) and dates around it."""

from __future__ import annotations

from datetime import date

from bookings.models import Booking
from tests.bookings.factories import NOW, confirmed_room

__all__ = ["MARCH", "NOW", "booked"]


def MARCH(day: int) -> date:
    return date(2027, 3, day)


def booked(**kwargs) -> Booking:
    """A room booking the host accepted at NOW, paid at once."""
    return confirmed_room(**kwargs)
