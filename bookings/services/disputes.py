"""The booking side of a dispute, called by the disputes app: the booking is held while the dispute is open.

A disputed booking keeps its slot and its payout is frozen; clearing the dispute puts it
back where the clock says it is (confirmed, in progress or completed).
MONEY:
  mark_disputed / clear_dispute -> freeze / unfreeze the payout
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from bookings.models import HOLDING_STATUSES, Booking, BookingStatus
from bookings.money import booking_reference, money
from bookings.services.steps import _host, _lock, _move, _needs_move, _notify, _wrong_state

DISPUTABLE_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED)


def mark_disputed(*, booking_id: int, by: User | None = None, reason: str = "", now: datetime | None = None) -> Booking:
    """A dispute opened: the booking keeps its slot and its payout is frozen until `clear_dispute`."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock(booking_id)
        if not _needs_move(
            booking, to=BookingStatus.DISPUTED, from_=DISPUTABLE_STATUSES, verb=gettext_noop("disputed")
        ):
            return booking
        booking.status_before_dispute = booking.status
        _move(booking, BookingStatus.DISPUTED, by=by, now=now, reason=reason or "A dispute was opened")
        money().freeze(reference=booking_reference(booking.pk), reason=reason or "A dispute was opened")
        _notify(
            [booking.guest, _host(booking)],
            "booking.disputed",
            booking,
            gettext_noop("A dispute is open on this booking."),
        )
    return booking


def clear_dispute(*, booking_id: int, by: User | None = None, reason: str = "", now: datetime | None = None) -> Booking:
    """The dispute closed without ending the booking: back to where the clock says it is."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock(booking_id)
        if booking.status != BookingStatus.DISPUTED:
            if booking.status in HOLDING_STATUSES:
                return booking
            raise _wrong_state(booking, gettext_noop("cleared of a dispute"))
        if now < booking.start:
            to = BookingStatus.CONFIRMED
        elif now < booking.end:
            to = BookingStatus.IN_PROGRESS
        else:
            to = BookingStatus.COMPLETED
            booking.ended_at = booking.ended_at or now
        booking.status_before_dispute = ""
        _move(booking, to, by=by, now=now, reason=reason or "The dispute was closed")
        money().unfreeze(reference=booking_reference(booking.pk))
        closed = gettext_noop("The dispute on this booking is closed.")
        _notify([booking.guest, _host(booking)], "booking.dispute_closed", booking, closed)
    return booking
