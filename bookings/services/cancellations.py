"""Cancellations: a confirmed or in-progress booking ends early, by the guest, by the host, or for a suspension.

Only before the booking's end, and not once a dispute has settled its money (the
policy's refund would be paid on top of the dispute's split). The slot is freed with
the status change. The guest's refund follows the cancellation policy frozen on the
booking (`guest_refund`, also shown before they confirm); when the host cancels, or a
party is suspended, the guest gets everything back.
MONEY:
  cancel_by_guest / cancel_by_host / cancel_for_suspension -> refund exactly `refund_amount`
                   (an unanswered request's authorisation is released instead). A far-ahead booking
                   not charged yet gets nothing back, nothing was taken: the money port charges what
                   the policy keeps, if anything; one whose charge was refused ends at no cost.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from bookings import pricing, selectors
from bookings.models import Booking, BookingStatus
from bookings.money import booking_reference, money
from bookings.services import promotions, schedule
from bookings.services.changes import close_open_change
from bookings.services.steps import (
    NOT_CHARGED,
    _host,
    _lock,
    _move,
    _move_and_free_slot,
    _needs_move,
    _notify,
    _require_guest,
    _require_host,
    _set_outcome,
)
from bookings.tenders import refund_tenders
from core.errors import Conflict, NotFound
from realtime.wording import money_value, words

CANCELLABLE_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS)


def _cancellable(booking: Booking, *, to: str, now: datetime) -> bool:
    """False when the booking already has status `to` (cancelling twice changes nothing); raises when a
    confirmed or in-progress booking is not what is being cancelled, or it has already ended."""
    if not _needs_move(booking, to=to, from_=CANCELLABLE_STATUSES, verb=gettext_noop("cancelled")):
        return False
    if now >= booking.end:
        raise Conflict(gettext_noop("This booking has already ended."), code="ended")
    if selectors.settled_by_dispute(booking):
        # The policy's refund would be paid on top of the dispute's split (or fail half-way).
        raise Conflict(selectors.SETTLED_BY_DISPUTE, code="settled_by_dispute")
    return True


def cancel_by_guest(*, guest: User, booking_id: int, reason: str = "", now: datetime | None = None) -> Booking:
    """The guest cancels a confirmed or in-progress booking; the refund follows the frozen policy."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock(booking_id)
        _require_guest(booking, guest, gettext_noop("cancel"))
        if not _cancellable(booking, to=BookingStatus.CANCELLED_BY_GUEST, now=now):
            return booking
        # A booking whose saved card was refused (nothing taken, nothing could be) ends at no cost.
        refused = schedule.charge_refused(booking)
        settlement = (
            pricing.full_refund(selectors.booking_quote(booking)) if refused else guest_refund(booking=booking, at=now)
        )
        _set_outcome(booking, settlement, now)
        schedule.end_schedule(booking)
        close_open_change(booking, now=now)
        _move_and_free_slot(
            booking, BookingStatus.CANCELLED_BY_GUEST, by=guest, now=now, reason=reason or "Cancelled by the guest"
        )
        _refund(booking, settlement)
        freed = gettext_noop("%(guest)s cancelled. The dates are free again.")
        _notify([_host(booking)], "booking.cancelled", booking, freed, guest=booking.guest.public_name)
        refund = money_value(settlement.refund, booking.currency)
        _notify(
            [guest], "booking.cancelled", booking, gettext_noop("You cancelled. Refund: %(refund)s."), refund=refund
        )
    return booking


def cancel_by_host(*, host: User, booking_id: int, reason: str = "", now: datetime | None = None) -> Booking:
    """The host cancels a confirmed or in-progress booking: the guest gets everything back."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock(booking_id)
        _require_host(booking, host, gettext_noop("cancel"))
        if not _cancellable(booking, to=BookingStatus.CANCELLED_BY_HOST, now=now):
            return booking
        settlement = pricing.full_refund(selectors.booking_quote(booking))
        _set_outcome(booking, settlement, now)
        schedule.end_schedule(booking)
        close_open_change(booking, now=now)
        _move_and_free_slot(
            booking, BookingStatus.CANCELLED_BY_HOST, by=host, now=now, reason=reason or "Cancelled by the host"
        )
        _refund(booking, settlement)
        _notify([booking.guest], "booking.cancelled", booking, "The host cancelled. You get everything back.")
    return booking


def cancel_for_suspension(*, booking_id: int, suspended: User, reason: str, now: datetime | None = None) -> Booking:
    """A party was suspended: a pending request is declined, a future confirmed booking cancelled.

    Host-cancellation rules either way: the guest gets everything back (an unanswered
    request's authorisation is released, a captured payment refunded in full).
    Bookings already started are left to run. Idempotent.
    """
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock(booking_id)
        if suspended.pk not in (booking.guest_id, booking.listing.owner_id):
            raise NotFound(selectors.BOOKING_NOT_FOUND)
        parties = [booking.guest, booking.listing.owner]
        note = "A party's account was suspended: you get everything back."
        if booking.status == BookingStatus.REQUESTED:
            _set_outcome(booking, pricing.full_refund(selectors.booking_quote(booking)), now)
            _move(booking, BookingStatus.DECLINED, by=None, now=now, reason=reason)
            money().release_authorisation(reference=booking_reference(booking.pk))
            _notify(
                parties,
                "booking.declined",
                booking,
                [words(gettext_noop("This request was cancelled.")), words(NOT_CHARGED)],
            )
        elif booking.status == BookingStatus.CONFIRMED and booking.start > now:
            settlement = pricing.full_refund(selectors.booking_quote(booking))
            _set_outcome(booking, settlement, now)
            schedule.end_schedule(booking)
            close_open_change(booking, now=now)
            _move_and_free_slot(booking, BookingStatus.CANCELLED_BY_HOST, by=None, now=now, reason=reason)
            _refund(booking, settlement)
            _notify(parties, "booking.cancelled", booking, note)
    return booking


def _refund(booking: Booking, settlement: pricing.Settlement) -> None:
    """Refund `settlement.refund` by the proportional rule (`refund_tenders_of_rest`, the one the
    dispute desk uses too): the card gets its share, Sharing's promotion and the guest's credit theirs, and a
    host-funded code's budget its share of the discount."""
    tenders = refund_tenders(selectors.booking_quote(booking), settlement.refund)
    money().refund(
        reference=booking_reference(booking.pk),
        amount=tenders.card,
        host_keeps=settlement.host_payout,
        promotion=tenders.promotion,
        credit=tenders.credit,
        taxes_keep=booking.taxes_kept(),
    )
    promotions.return_host_share(
        reference=booking_reference(booking.pk),
        tenders=tenders,
        operation="cancellation",
        now=booking.ended_at or timezone.now(),
    )


def guest_refund(*, booking: Booking, at: datetime) -> pricing.Settlement:
    """What a guest cancelling at `at` would get back (also shown before they confirm)."""
    return pricing.guest_cancellation(
        quote=selectors.booking_quote(booking),
        policy=booking.cancellation_policy,
        kind=booking.listing.kind,
        time_zone=booking.time_zone,
        start=booking.start,
        booked_at=booking.created_at,
        cancelled_at=at,
        host_fee_bps=settings.HOST_SERVICE_FEE_BPS,
    )
