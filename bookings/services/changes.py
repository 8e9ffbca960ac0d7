"""Changes of a confirmed booking: other dates or another number of guests, asked by one side, answered by the other.

The guest asks (`ask_change`) or the host proposes (`propose_change`); the other side accepts
(`accept_change`) or declines (`decline_change`) before the answer window closes, the side that asked
may withdraw it first (`withdraw_change`), and an unanswered change expires (`expire_change`, a task at
`respond_by` and the advance_bookings sweep). One open change per booking (a DB constraint).

The new period passes every rule a new booking would (past, horizon, notice, length, capacity, dates
taken by anyone but this booking) and is priced by the same quote (`selectors.quote_for`: the listing's
prices, fees and discounts); the booking keeps its frozen cancellation policy. Accepting re-checks all
of it under the listing lock and moves the booking's calendar entry in ONE UPDATE, so the calendar's and
the bookings' exclusion constraints (PostgreSQL) and the listing lock (SQLite) refuse a double booking:
there is no moment where both periods, or neither, are held.
Every refusal (state, dates past, beyond the horizon or taken, too many guests) is said before any tax
lookup or money work. A booking's promo code and credit carry over to the new quote, and accepting settles
exactly the difference tender by tender (`change_money`, where the rules are written).
MONEY: dearer, paid -> the guest's card is authorised for the new total when the guest asks (or accepts the
  host's proposal), outside any transaction; a refused card, or one whose bank wants 3-D Secure, refuses the
  change before anything is written. Declined / withdrawn / expired -> a card held for the change is released.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from bookings import selectors, tasks
from bookings.models import RESPONSE_WINDOW, Booking, BookingChange, BookingStatus, BookingTransition, PaymentSchedule
from bookings.money import money
from bookings.services import change_money
from bookings.services.change_money import NEEDS_CARD, card_pays
from bookings.services.change_words import history_words, said
from bookings.services.checkout import _check_rules
from bookings.services.steps import _lock, _lock_change, _notify, _wrong_state
from bookings.services.taxation import taxed
from core.errors import CardRefused, Conflict, DomainError, NotFound, PermissionDenied
from core.tasks import schedule_on_commit
from listings.models import BusyPeriod
from listings.selectors import overlapping_busy_periods
from listings.services import DATES_TAKEN_MESSAGE

logger = logging.getLogger(__name__)
Status = BookingChange.Status
Side = BookingChange.Side

ONE_OPEN = gettext_noop(
    "A change of this booking is already waiting for an answer. Withdraw it or wait for the answer."
)
NO_OPEN_CHANGE = gettext_noop("There is no change of this booking waiting for an answer.")
SAME_AS_NOW = gettext_noop("That is the booking as it stands: pick other dates or another number of guests.")
BANK_WANTS_CHECK = gettext_noop(
    "Your bank wants to confirm this payment on the spot. Use another card for this change."
)
# The quote a change freezes and, once accepted, puts on the booking.
QUOTE_FIELDS = (
    *("units", "unit_price", "subtotal", "discount", "fee"),
    *("guest_service_fee", "total", "host_service_fee", "host_payout"),
    *("vat", "vat_country", "vat_rate", "occupancy_tax", "occupancy_place"),
    *("host_promotion", "platform_promotion", "credit"),
    *("host_vat", "host_vat_country", "host_vat_rate"),
)
PG_CHANGE_CONSTRAINT = "booking_change_one_open"
PG_OVERLAP_CONSTRAINTS = ("busy_period_no_overlap", "booking_no_overlap")


def _side(booking: Booking, user: User) -> str:
    """The user's side of the booking; anybody else learns nothing about it."""
    if user.pk == booking.guest_id:
        return Side.GUEST
    if user.pk == booking.listing.owner_id:
        return Side.HOST
    raise NotFound(selectors.BOOKING_NOT_FOUND)


def _check_changeable(booking: Booking, now: datetime) -> None:
    if booking.status != BookingStatus.CONFIRMED:
        raise _wrong_state(booking, gettext_noop("changed"))
    if now >= booking.start:
        raise Conflict(gettext_noop("This booking has started: its dates can no longer be changed."), code="started")
    plan = PaymentSchedule.objects.filter(booking=booking).first()
    if plan is not None and plan.state not in (PaymentSchedule.State.SCHEDULED, PaymentSchedule.State.PAID):
        raise Conflict(
            gettext_noop("This booking's payment is being settled: change it once it is paid."), code="payment_pending"
        )


def _new_period(
    booking: Booking, *, start: date | datetime, end: date | datetime, guests: int, now: datetime
) -> selectors.PricedPeriod:
    """Every rule the new period must satisfy, then its quote: the listing's prices and fees today with the
    booking's promo code, taxed by the same rules as a new booking, with the booking's credit."""
    listing = booking.listing
    priced = selectors.price_period(listing=listing, start=start, end=end, now=now)
    _check_rules(listing=listing, start=priced.start, end=priced.end, units=priced.quote.units, guests=guests, now=now)
    if (priced.start, priced.end, guests) == (booking.start, booking.end, booking.guests):
        raise DomainError(SAME_AS_NOW, field="start", code="unchanged")
    if _taken(booking, priced.start, priced.end):
        raise Conflict(DATES_TAKEN_MESSAGE, field="start", code="dates_taken")
    # Only now, every refusal said: the promotion, the tax rules, the credit.
    promoted = replace(priced, quote=change_money.with_promotion(booking, priced.quote))
    priced = taxed(guest=booking.guest, listing=listing, priced=promoted, persons=guests, now=now)
    priced = replace(priced, quote=change_money.with_credit(booking, priced.quote))
    change_money.check_payable(booking, priced.quote)
    return priced


def _taken(booking: Booking, start: datetime, end: datetime) -> bool:
    """Another calendar entry (a booking, a block) overlaps [start, end): this booking's own does not count."""
    return (
        overlapping_busy_periods(listing_id=booking.listing_id, start=start, end=end)
        .exclude(pk=booking.busy_period_id or 0)
        .exists()
    )


def card_needed_to_accept(*, booking: Booking, change: BookingChange | None, user: User) -> bool:
    """The guest must give a card to accept this change: the host proposed a dearer one of a paid booking."""
    return (
        change is not None
        and change.status == Status.OPEN
        and change.side == Side.HOST
        and user.pk == booking.guest_id
        and change.payment_id is None
        and change.charged > booking.charged
        and card_pays(booking)
    )


def _authorise(*, payer: User, amount: int, currency: str, reference: str, payment_method: str) -> int:
    """Hold the new total on the guest's card, outside any transaction; refused cards refuse the change."""
    if not payment_method:
        raise CardRefused(NEEDS_CARD, field="payment_method", code="card_needed")
    held = money().authorise(
        payer=payer, amount=amount, currency=currency, reference=reference, payment_method=payment_method
    )
    if held.requires_action:
        _release(held.payment_id)
        raise CardRefused(BANK_WANTS_CHECK, field="payment_method", code="authentication_required")
    if not held.authorised:
        raise CardRefused(
            held.failure_message or gettext_noop("Your card was refused. Try another card."),
            field="payment_method",
            code="payment_failed",
        )
    return held.payment_id


def _release(payment_id: int | None) -> None:
    """Let a card held for a change go (recorded, sent by the outbox); a failure only delays Stripe's own expiry."""
    if payment_id is None:
        return
    try:
        money().abandon(payment_id=payment_id)
    except DomainError as error:
        logger.warning("could not release the card held for a change (payment %s): %s", payment_id, error.message)


def _open_change(booking: Booking) -> BookingChange | None:
    return BookingChange.objects.select_for_update().filter(booking=booking, status=Status.OPEN).first()


def _ask(
    *, user: User, side: str, booking_id: int, start, end, guests: int, payment_method: str, now: datetime
) -> BookingChange:
    booking = selectors.visible_booking(user=user, booking_id=booking_id)
    if _side(booking, user) != side:
        asks = "Only the guest can ask for a change." if side == Side.GUEST else "Only the host can propose a change."
        raise PermissionDenied(asks, code="wrong_side")
    _check_changeable(booking, now)
    if BookingChange.objects.filter(booking=booking, status=Status.OPEN).exists():
        raise Conflict(ONE_OPEN, code="change_open")
    priced = _new_period(booking, start=start, end=end, guests=guests, now=now)
    change = BookingChange()
    payment_id = None
    if side == Side.GUEST and priced.quote.charged > booking.charged and card_pays(booking):
        payment_id = _authorise(
            payer=user,
            amount=priced.quote.charged,
            currency=booking.currency,
            reference=change.reference,
            payment_method=payment_method,
        )
    try:
        return _record(
            change,
            booking_id=booking_id,
            user=user,
            side=side,
            priced=priced,
            guests=guests,
            now=now,
            payment_id=payment_id,
        )
    except DomainError:
        _release(payment_id)
        raise


def _record(
    change: BookingChange,
    *,
    booking_id: int,
    user: User,
    side: str,
    priced: selectors.PricedPeriod,
    guests: int,
    now: datetime,
    payment_id: int | None,
) -> BookingChange:
    """The asking transaction: re-check under the listing lock, then write the change."""
    with transaction.atomic():
        booking = _lock(booking_id)
        _check_changeable(booking, now)
        if _open_change(booking) is not None:
            raise Conflict(ONE_OPEN, code="change_open")
        if _taken(booking, priced.start, priced.end):
            raise Conflict(DATES_TAKEN_MESSAGE, field="start", code="dates_taken")
        quote = priced.quote
        change.booking = booking
        change.side = side
        change.asked_by = user
        change.old_start, change.old_end = booking.start, booking.end
        change.old_guests, change.old_total, change.old_charged = booking.guests, booking.total, booking.charged
        change.start, change.end, change.guests = priced.start, priced.end, guests
        for name in QUOTE_FIELDS:
            setattr(change, name, getattr(quote, name))
        change.payment_id = payment_id
        change.respond_by = min(now + RESPONSE_WINDOW, booking.start, priced.start)
        change.created_at = now
        try:
            with transaction.atomic():
                change.save()
        except IntegrityError as error:
            if PG_CHANGE_CONSTRAINT in str(error) or "UNIQUE" in str(error):
                raise Conflict(ONE_OPEN, code="change_open") from error
            raise
        other = booking.listing.owner if side == Side.GUEST else booking.guest
        if side == Side.GUEST:
            asks = gettext_noop("%(guest)s asks to change this booking: %(change)s.")
            _notify(
                [other],
                "booking.change_requested",
                booking,
                asks,
                guest=booking.guest.public_name,
                change=said(change),
            )
        else:
            asks = gettext_noop("The host asks to change this booking: %(change)s.")
            _notify([other], "booking.change_requested", booking, asks, change=said(change))
        schedule_on_commit(tasks.expire_booking_change_task, change.pk, at=change.respond_by)
    return change


def ask_change(
    *,
    guest: User,
    booking_id: int,
    start: date | datetime,
    end: date | datetime,
    guests: int,
    payment_method: str = "",
    now: datetime | None = None,
) -> BookingChange:
    """The guest asks the host for other dates or another number of guests; a dearer change holds the card now."""
    return _ask(
        user=guest,
        side=Side.GUEST,
        booking_id=booking_id,
        start=start,
        end=end,
        guests=guests,
        payment_method=payment_method,
        now=now or timezone.now(),
    )


def propose_change(
    *,
    host: User,
    booking_id: int,
    start: date | datetime,
    end: date | datetime,
    guests: int,
    now: datetime | None = None,
) -> BookingChange:
    """The host proposes other dates or another number of guests; the guest answers (and pays a dearer one)."""
    return _ask(
        user=host,
        side=Side.HOST,
        booking_id=booking_id,
        start=start,
        end=end,
        guests=guests,
        payment_method="",
        now=now or timezone.now(),
    )


def _answerable(booking: Booking, user: User, *, now: datetime) -> BookingChange:
    """The open change `user` may answer (the side that did not ask), still within its window."""
    side = _side(booking, user)
    change = _open_change(booking)
    if change is None:
        raise Conflict(NO_OPEN_CHANGE, code="no_change")
    if change.side == side:
        raise PermissionDenied(
            gettext_noop("The other side answers this change: you can withdraw it."), code="wrong_side"
        )
    if now >= change.respond_by:
        raise Conflict(gettext_noop("The time to answer this change has run out."), code="expired")
    return change


def accept_change(*, user: User, booking_id: int, payment_method: str = "", now: datetime | None = None) -> Booking:
    """The side that did not ask says yes: the booking moves to the new period, guests and price.

    A dearer change the host proposed on a paid booking holds the guest's card first (outside the transaction).
    """
    now = now or timezone.now()
    seen = selectors.visible_booking(user=user, booking_id=booking_id)
    pending = BookingChange.objects.filter(booking=seen, status=Status.OPEN).first()
    if pending is not None and now >= pending.respond_by:  # said before any card is held for it
        raise Conflict(gettext_noop("The time to answer this change has run out."), code="expired")
    payment_id = None
    if pending is not None and card_needed_to_accept(booking=seen, change=pending, user=user):
        _check_acceptable(seen, pending, now)  # every refusal before the card is held
        payment_id = _authorise(
            payer=user,
            amount=pending.charged,
            currency=seen.currency,
            reference=pending.reference,
            payment_method=payment_method,
        )
    try:
        return _accept(user=user, booking_id=booking_id, payment_id=payment_id, now=now)
    except DomainError:
        _release(payment_id)
        raise


def _accept(*, user: User, booking_id: int, payment_id: int | None, now: datetime) -> Booking:
    with transaction.atomic():
        booking = _lock(booking_id)
        change = _answerable(booking, user, now=now)
        _check_acceptable(booking, change, now)
        if payment_id is not None:
            change.payment_id = payment_id
        old = selectors.booking_quote(booking)
        _move_period(booking, change)
        change_money.settle(booking, change, old, now)
        change.status = Status.ACCEPTED
        change.answered_at, change.answered_by = now, user
        change.save(update_fields=["status", "answered_at", "answered_by", "payment_id"])
        BookingTransition.objects.create(
            booking=booking,
            from_status=booking.status,
            to_status=booking.status,
            by=user,
            at=now,
            reason=f"Changed: {history_words(change)}"[:300],
        )
        _reschedule(booking, now)
        _notify(
            [booking.guest, booking.listing.owner],
            "booking.change_accepted",
            booking,
            gettext_noop("The change was accepted: %(change)s."),
            change=said(change),
        )
    return booking


def _check_acceptable(booking: Booking, change: BookingChange, now: datetime) -> None:
    """The refusals accepting re-checks: state, the dates (still free), the rules, and the tenders' limits."""
    _check_changeable(booking, now)
    if _taken(booking, change.start, change.end):
        raise Conflict(DATES_TAKEN_MESSAGE, field="start", code="dates_taken")
    _check_rules(
        listing=booking.listing, start=change.start, end=change.end, units=change.units, guests=change.guests, now=now
    )
    change_money.check_payable(booking, change)


def _move_period(booking: Booking, change: BookingChange) -> None:
    """The calendar entry moves in one UPDATE, then the booking: the exclusion constraints see one period only."""
    try:
        with transaction.atomic():
            # A confirmed booking always owns its calendar entry (a DB constraint): one row, one UPDATE.
            BusyPeriod.objects.filter(pk=booking.busy_period_id or 0).update(start=change.start, end=change.end)
            booking.start, booking.end, booking.guests = change.start, change.end, change.guests
            for name in QUOTE_FIELDS:
                setattr(booking, name, getattr(change, name))
            booking.payout_release_at = booking.payout_due_at()
            booking.save()
    except IntegrityError as error:
        if any(name in str(error) for name in PG_OVERLAP_CONSTRAINTS):
            raise Conflict(DATES_TAKEN_MESSAGE, field="start", code="dates_taken") from error
        raise


def _reschedule(booking: Booking, now: datetime) -> None:
    """The clock's tasks for the new times (tasks for the old ones find nothing due; the sweep catches up)."""
    schedule_on_commit(tasks.start_booking_task, booking.pk, at=booking.start)
    schedule_on_commit(tasks.complete_booking_task, booking.pk, at=booking.end)
    schedule_on_commit(tasks.release_payout_task, booking.pk, at=booking.payout_release_at)


def _close(change: BookingChange, status: str, *, by: User | None, now: datetime, reason: str = "") -> None:
    change.status = status
    change.answered_at, change.answered_by = now, by
    change.reason = reason[:300]
    change.save(update_fields=["status", "answered_at", "answered_by", "reason"])


def decline_change(*, user: User, booking_id: int, reason: str = "", now: datetime | None = None) -> BookingChange:
    """The side that did not ask says no: the booking stays as it was; a card held for the change is released."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock(booking_id)
        change = _answerable(booking, user, now=now)
        _close(change, Status.DECLINED, by=user, now=now, reason=reason)
        asker = change.asked_by
        _notify(
            [asker],
            "booking.change_declined",
            booking,
            gettext_noop("Your change was declined: the booking stays as it was."),
        )
    _release(change.payment_id)
    return change


def withdraw_change(*, user: User, booking_id: int, now: datetime | None = None) -> BookingChange:
    """The side that asked takes the change back before the answer."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock(booking_id)
        side = _side(booking, user)
        change = _open_change(booking)
        if change is None:
            raise Conflict(NO_OPEN_CHANGE, code="no_change")
        if change.side != side:
            raise PermissionDenied(
                gettext_noop("Only the side that asked can withdraw this change: decline it."), code="wrong_side"
            )
        _close(change, Status.WITHDRAWN, by=user, now=now)
        other = booking.listing.owner if side == Side.GUEST else booking.guest
        _notify(
            [other],
            "booking.change_declined",
            booking,
            gettext_noop("The change was withdrawn: the booking stays as it was."),
        )
    _release(change.payment_id)
    return change


def expire_change(*, change_id: int, now: datetime | None = None) -> BookingChange:
    """An unanswered change closes at `respond_by`; idempotent (the task and the sweep may both run)."""
    now = now or timezone.now()
    with transaction.atomic():
        booking, change = _lock_change(change_id)
        if change.status != Status.OPEN:
            return change
        if now < change.respond_by:
            raise Conflict(gettext_noop("This change can still be answered."), code="not_due")
        _close(change, Status.EXPIRED, by=None, now=now, reason="Not answered in time")
        parties = [booking.guest, booking.listing.owner]
        _notify(
            parties,
            "booking.change_expired",
            booking,
            gettext_noop("The change was not answered in time: nothing changed."),
        )
    _release(change.payment_id)
    return change


def close_open_change(booking: Booking, *, now: datetime) -> None:
    """The booking is cancelled: a change still waiting closes with it and its card hold is let go.

    In the cancelling transaction (the caller holds the booking's lock); the release is recorded, sent after commit.
    """
    change = _open_change(booking)
    if change is not None:
        _close(change, Status.WITHDRAWN, by=None, now=now, reason="The booking was cancelled")
        _release(change.payment_id)
