"""Answers to a request: the host accepts or declines it within its answer window, or the guest withdraws it first.

Accepting confirms (`steps._confirm`): the slot is held and the overlapping open requests
are declined with AUTO_DECLINE_REASON; accepting one of those afterwards says the dates
were taken. A suspended host cannot accept; a paused listing must be reactivated first.
MONEY:
  accept_booking              -> capture the total; declined overlapping requests are released
  decline_booking / withdraw_booking -> release the authorisation
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.selectors import ensure_not_suspended
from bookings import pricing, selectors
from bookings.models import Booking, BookingStatus
from bookings.money import booking_reference, money
from bookings.services.steps import (
    AUTO_DECLINE_REASON,
    _confirm,
    _host,
    _lock,
    _move,
    _needs_move,
    _notify,
    _notify_declined,
    _require_guest,
    _require_host,
    _set_outcome,
    _wrong_state,
)
from core.errors import Conflict
from listings.services import DATES_TAKEN_MESSAGE


def accept_booking(*, host: User, booking_id: int, now: datetime | None = None) -> Booking:
    """The host confirms a request within its answer window; overlapping requests are declined."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock(booking_id)
        _require_host(booking, host, gettext_noop("accept"))
        ensure_not_suspended(host, doing=gettext_noop("accept bookings"))
        if booking.status == BookingStatus.CONFIRMED:
            return booking
        if booking.status != BookingStatus.REQUESTED:
            auto_declined = booking.transitions.filter(reason=AUTO_DECLINE_REASON).exists()
            if booking.status == BookingStatus.DECLINED and auto_declined:
                raise Conflict(DATES_TAKEN_MESSAGE, code="dates_taken")
            raise _wrong_state(booking, gettext_noop("accepted"))
        if now >= booking.respond_by:
            raise Conflict(gettext_noop("The time to answer this request has run out."), code="expired")
        if not booking.listing.is_bookable:
            raise Conflict(
                gettext_noop("This listing is paused: reactivate it before accepting."), code="listing_paused"
            )
        declined = _confirm(booking, by=host, now=now, reason=gettext_noop("Accepted by the host"))
        _notify_declined(declined)
        _notify(
            [booking.guest], "booking.confirmed", booking, gettext_noop("The host accepted: your booking is confirmed.")
        )
    return booking


def decline_booking(*, host: User, booking_id: int, reason: str = "", now: datetime | None = None) -> Booking:
    """The host says no to a request; the guest's authorisation is released."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock(booking_id)
        _require_host(booking, host, gettext_noop("decline"))
        if not _needs_move(
            booking, to=BookingStatus.DECLINED, from_=(BookingStatus.REQUESTED,), verb=gettext_noop("declined")
        ):
            return booking
        _set_outcome(booking, pricing.full_refund(selectors.booking_quote(booking)), now)
        _move(booking, BookingStatus.DECLINED, by=host, now=now, reason=reason or "Declined by the host")
        money().release_authorisation(reference=booking_reference(booking.pk))
        _notify(
            [booking.guest],
            "booking.declined",
            booking,
            gettext_noop("The host declined your request. You will not be charged."),
        )
    return booking


def withdraw_booking(*, guest: User, booking_id: int, now: datetime | None = None) -> Booking:
    """The guest takes back a request before the host answers."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock(booking_id)
        _require_guest(booking, guest, gettext_noop("withdraw"))
        if not _needs_move(
            booking, to=BookingStatus.WITHDRAWN, from_=(BookingStatus.REQUESTED,), verb=gettext_noop("withdrawn")
        ):
            return booking
        _set_outcome(booking, pricing.full_refund(selectors.booking_quote(booking)), now)
        _move(booking, BookingStatus.WITHDRAWN, by=guest, now=now, reason=gettext_noop("Withdrawn by the guest"))
        money().release_authorisation(reference=booking_reference(booking.pk))
        _notify(
            [_host(booking)],
            "booking.withdrawn",
            booking,
            gettext_noop("%(name)s withdrew the request."),
            name=booking.guest.public_name,
        )
    return booking
