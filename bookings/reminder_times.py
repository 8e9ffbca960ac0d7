"""When a booking's reminders are due, from its clock (respond_by, start); used to schedule and to check them."""

from __future__ import annotations

from datetime import datetime, timedelta

from bookings.models import Booking

# The host is reminded this many hours before an unanswered request expires.
ANSWER_REMINDER_HOURS = (12, 2)
STARTS_TOMORROW_BEFORE = timedelta(hours=24)


def answer_reminders_due(booking: Booking, now: datetime) -> list[tuple[int, datetime]]:
    """(hours left, when) of the host's reminders still ahead for a new request."""
    moments = [(hours, booking.respond_by - timedelta(hours=hours)) for hours in ANSWER_REMINDER_HOURS]
    return [(hours, at) for hours, at in moments if at > now]


def starts_tomorrow_at(booking: Booking) -> datetime:
    return booking.start - STARTS_TOMORROW_BEFORE
