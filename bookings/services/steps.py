"""The steps every family of booking transitions is made of: lock, check, move, notify, confirm.

For the modules of `bookings.services` only (hence the leading underscores); the rules they
keep (locking order, idempotent transitions, money with the status) are in the package docstring.

Confirming (`_confirm`) is shared by instant book (checkout) and the host's yes (answers):
it holds the slot, captures the guest's total, declines every open request that overlaps
(AUTO_DECLINE_REASON) and releases their authorisations, and schedules the clock's tasks.
MONEY:
  _confirm  -> capture the total (a far-ahead booking: nothing now, its saved card is charged on schedule,
               see services.schedule); the overlapping requests it declines get their authorisations released
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext, gettext_noop

from accounts.models import User
from bookings import pricing, selectors, tasks
from bookings.ended import booking_ended
from bookings.models import (
    CANCELLED_STATUSES,
    Booking,
    BookingChange,
    BookingStatus,
    BookingTransition,
    PaymentSchedule,
)
from bookings.money import booking_reference, money
from bookings.reminder_times import starts_tomorrow_at
from bookings.services import promotions
from core.errors import Conflict, NotFound, PermissionDenied
from core.tasks import schedule_on_commit
from listings.models import Listing
from listings.services import DATES_TAKEN_MESSAGE, hold_slot, release_slot
from realtime import notify
from realtime.wording import english, words

AUTO_DECLINE_REASON = gettext_noop("Another request for these dates was accepted.")
NOT_CHARGED = gettext_noop("You will not be charged.")
PG_BOOKING_OVERLAP_CONSTRAINT = "booking_no_overlap"


def _lock(booking_id: int) -> Booking:
    """Lock the booking's listing, then the booking; NotFound if there is no such booking."""
    listing_id = Booking.objects.filter(pk=booking_id).values_list("listing_id", flat=True).first()
    if listing_id is None:
        raise NotFound(selectors.BOOKING_NOT_FOUND)
    listing = Listing.objects.select_for_update().get(pk=listing_id)
    booking = Booking.objects.select_for_update().get(pk=booking_id)
    booking.listing = listing
    return booking


def _lock_change(change_id: int) -> tuple[Booking, BookingChange]:
    """Lock a change's booking (listing first, as `_lock`), then the change; NotFound if there is no such change."""
    booking_id = BookingChange.objects.filter(pk=change_id).values_list("booking_id", flat=True).first()
    if booking_id is None:
        raise NotFound(gettext_noop("No such change."))
    booking = _lock(booking_id)
    return booking, BookingChange.objects.select_for_update().get(pk=change_id)


def _require_host(booking: Booking, user: User, action: str) -> None:
    if user.pk == booking.listing.owner_id:
        return
    if user.pk == booking.guest_id or user.is_staff:
        raise PermissionDenied(
            gettext_noop("Only the host can %(action)s this booking."), params={"action": gettext(action)}
        )
    raise NotFound(selectors.BOOKING_NOT_FOUND)


def _require_guest(booking: Booking, user: User, action: str) -> None:
    if user.pk == booking.guest_id:
        return
    if user.pk == booking.listing.owner_id or user.is_staff:
        raise PermissionDenied(
            gettext_noop("Only the guest can %(action)s this booking."), params={"action": gettext(action)}
        )
    raise NotFound(selectors.BOOKING_NOT_FOUND)


def _wrong_state(booking: Booking, action: str) -> Conflict:
    """`action` is marked with gettext_noop where written ("cancelled"): it is said in the asker's language."""
    label = str(BookingStatus(booking.status).label).lower()
    return Conflict(
        gettext_noop("This booking is %(status)s: it can no longer be %(action)s."),
        params={"status": label, "action": gettext(action)},
        field=None,
        code="wrong_state",
    )


def _needs_move(booking: Booking, *, to: str, from_: tuple[str, ...], verb: str) -> bool:
    """False when the booking already has status `to` (the transition ran before: nothing to do);
    a Conflict for the person when its status does not allow the transition; True otherwise."""
    if booking.status == to:
        return False
    if booking.status not in from_:
        raise _wrong_state(booking, verb)
    return True


def _move(booking: Booking, to: str, *, by: User | None, now: datetime, reason: str = "") -> None:
    """Change the status and record the step; the caller holds the locks and the transaction.

    A booking that took place and is now over (completed, or cancelled under way) is
    announced through the booking-ended port after the commit (`bookings.ended`).
    """
    from_status = booking.status
    booking.status = to
    try:
        # A savepoint, so the PostgreSQL exclusion constraint's refusal becomes a clean Conflict.
        with transaction.atomic():
            booking.save()
    except IntegrityError as error:
        if PG_BOOKING_OVERLAP_CONSTRAINT in str(error):
            raise Conflict(DATES_TAKEN_MESSAGE, field="start", code="dates_taken") from error
        raise
    BookingTransition.objects.create(
        booking=booking, from_status=from_status, to_status=to, by=by, at=now, reason=reason[:300]
    )
    if to == BookingStatus.COMPLETED or (from_status == BookingStatus.IN_PROGRESS and to in CANCELLED_STATUSES):
        booking_ended(booking_id=booking.pk, now=now)
    promotions.booking_moved(booking, now=now)


def _notify(recipients: list[User], kind: str, booking: Booking, message: str | dict | list, **params: object) -> None:
    """`message` is English with %(name)s placeholders filled from `params` (marked with gettext_noop where
    written), or words already made (`realtime.wording`): the payload keeps its words, so each recipient reads
    it in their own language."""
    said = message if isinstance(message, dict | list) else words(message, **params)
    message = english(said)
    notify(
        recipients,
        kind,
        {
            "booking_id": booking.pk,
            "listing_title": booking.listing.title,
            "url": booking.get_absolute_url(),
            "status": booking.status,
            "start": booking.start.isoformat(),
            "end": booking.end.isoformat(),
            "message": message,
            "message_words": said,
            # What the notification bell shows as the line (realtime.Notification.text).
            "title": f"{booking.listing.title}: {message}",
        },
    )


def _host(booking: Booking) -> User:
    return booking.listing.owner


def _set_outcome(booking: Booking, settlement: pricing.Settlement, now: datetime) -> None:
    booking.refund_amount = settlement.refund
    booking.host_payout_after_cancellation = settlement.host_payout
    # Sharing keeps its fees and the taxes it collects (remitted to the tax authorities).
    booking.platform_keeps = settlement.platform_fee + settlement.taxes
    booking.vat_refunded = booking.vat - settlement.vat
    booking.occupancy_tax_refunded = booking.occupancy_tax - settlement.occupancy_tax
    booking.host_vat_refunded = booking.host_vat - settlement.host_vat
    booking.ended_at = now


def _move_and_free_slot(booking: Booking, to: str, *, by: User | None, now: datetime, reason: str) -> None:
    """Leave the slot-holding statuses: the FK is cleared with the status change (it PROTECTs the
    calendar row), then the calendar entry is released, all in the caller's transaction."""
    period = booking.busy_period
    booking.busy_period = None
    _move(booking, to, by=by, now=now, reason=reason)
    if period is not None:
        release_slot(busy_period=period)


def _confirm(booking: Booking, *, by: User | None, now: datetime, reason: str) -> list[Booking]:
    """Hold the slot and confirm; decline every open request that overlaps. Caller holds the listing lock.

    Returns the declined requests, for the caller to notify last in its transaction
    (notify() holds a lock until commit on PostgreSQL).
    """
    declined: list[Booking] = []
    booking.busy_period = hold_slot(listing=booking.listing, start=booking.start, end=booking.end)
    booking.confirmed_at = now
    booking.payout_release_at = booking.payout_due_at()
    _move(booking, BookingStatus.CONFIRMED, by=by, now=now, reason=reason)
    schedule = PaymentSchedule.objects.filter(booking=booking).first()
    if schedule is None:
        # Charged right after the last step that can refuse (the slot), before other guests' cards are released.
        # Exactly what the card pays: an adopted hold (an on-demand estimate) can be larger, and its rest is
        # released. Sharing's promotion and the guest's credit pay the rest of the total into escrow with it.
        money().capture(
            reference=booking_reference(booking.pk),
            amount=booking.charged,
            promotion=booking.platform_promotion,
            credit=booking.credit,
        )
    else:
        # Far ahead: nothing is taken now; the saved card is charged at `charge_at` (services.schedule).
        # Its code and credit are reserved already (services.promotions.redeem) and paid in with that charge.
        schedule_on_commit(tasks.charge_scheduled_payment_task, booking.pk, at=schedule.charge_at)
    for other in selectors.overlapping_requests(booking=booking).select_for_update().order_by("pk"):
        other.listing = booking.listing
        _set_outcome(other, pricing.full_refund(selectors.booking_quote(other)), now)
        _move(other, BookingStatus.DECLINED, by=None, now=now, reason=AUTO_DECLINE_REASON)
        money().release_authorisation(reference=booking_reference(other.pk))
        declined.append(other)
    schedule_on_commit(tasks.start_booking_task, booking.pk, at=booking.start)
    schedule_on_commit(tasks.complete_booking_task, booking.pk, at=booking.end)
    schedule_on_commit(tasks.release_payout_task, booking.pk, at=booking.payout_release_at)
    if starts_tomorrow_at(booking) > now:
        schedule_on_commit(tasks.remind_starts_tomorrow_task, booking.pk, at=starts_tomorrow_at(booking))
    return declined


def _notify_declined(declined: list[Booking]) -> None:
    for other in declined:
        _notify([other.guest], "booking.declined", other, [words(AUTO_DECLINE_REASON), words(NOT_CHARGED)])
