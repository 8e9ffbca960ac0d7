"""Every change of a booking's status: one function per transition, one transaction each.

Locking order, everywhere: the listing row first, then the booking row(s). Accepting
one request declines the overlapping ones, so two hosts' clicks (or a click and a
timer) on bookings of one listing would otherwise lock each other's rows in
opposite orders; with the listing first they queue. On SQLite the IMMEDIATE
transaction serialises all writers anyway.

Transitions are idempotent: asking for the status a booking already has returns
it unchanged (no second notification, no second history row); asking for a
transition its current status does not allow raises a Conflict with a message
for the person.

MONEY. Each transition moves the booking's money inside its own transaction through
the money port (`bookings.money.money()`, settings.BOOKING_MONEY, by default
payments' Stripe escrow), so a booking's status and its money can never disagree:
  request_booking      -> authorise the guest's total first (outside the transaction),
                          then attach it to "booking:<id>" inside it; or adopt a hold
                          the card already has (an on-demand request's estimate)
  _confirm             -> capture the total (instant book or host accepts); the overlapping
                          requests it declines get their authorisations released
  decline / expire / withdraw -> release the authorisation
  cancel_by_guest / cancel_by_host -> refund exactly `refund_amount`
  release_payout       -> the host's payout (sent, or waiting for their payout account)
  mark_disputed / clear_dispute -> freeze / unfreeze the payout
If the money cannot move, the port raises a DomainError and the status change rolls
back. If the transaction rolls back after Stripe acted, retrying the transition sends
the same idempotency key and Stripe replays its first answer (README "## Bookings").
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.safety import ensure_not_blocked
from accounts.selectors import ensure_not_suspended, has_verified_email
from bookings import pricing, selectors, tasks
from bookings.models import (
    HOLDING_STATUSES,
    PAYOUT_STATUSES,
    RESPONSE_WINDOW,
    Booking,
    BookingStatus,
    BookingTransition,
    PendingCheckout,
)
from bookings.money import booking_reference, money
from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from core.money import format_money
from listings.models import Listing, ListingKind, ListingStatus
from listings.selectors import overlapping_busy_periods
from listings.services import DATES_TAKEN_MESSAGE, hold_slot, release_slot
from realtime import notify
from realtime.services import ensure_thread

CANCELLABLE_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS)
DISPUTABLE_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED)
AUTO_DECLINE_REASON = "Another request for these dates was accepted."
NOT_CHARGED = "You will not be charged."
PG_BOOKING_OVERLAP_CONSTRAINT = "booking_no_overlap"

logger = logging.getLogger(__name__)


# --- Helpers ------------------------------------------------------------------------------


def _lock(booking_id: int) -> Booking:
    """Lock the booking's listing, then the booking; NotFound if there is no such booking."""
    listing_id = Booking.objects.filter(pk=booking_id).values_list("listing_id", flat=True).first()
    if listing_id is None:
        raise NotFound(selectors.BOOKING_NOT_FOUND)
    listing = Listing.objects.select_for_update().get(pk=listing_id)
    booking = Booking.objects.select_for_update().get(pk=booking_id)
    booking.listing = listing
    return booking


def _require_host(booking: Booking, user: User, action: str) -> None:
    if user.pk == booking.listing.owner_id:
        return
    if user.pk == booking.guest_id or user.is_staff:
        raise PermissionDenied(f"Only the host can {action} this booking.")
    raise NotFound(selectors.BOOKING_NOT_FOUND)


def _require_guest(booking: Booking, user: User, action: str) -> None:
    if user.pk == booking.guest_id:
        return
    if user.pk == booking.listing.owner_id or user.is_staff:
        raise PermissionDenied(f"Only the guest can {action} this booking.")
    raise NotFound(selectors.BOOKING_NOT_FOUND)


def _wrong_state(booking: Booking, action: str) -> Conflict:
    label = BookingStatus(booking.status).label.lower()
    return Conflict(f"This booking is {label}: it can no longer be {action}.", field=None, code="wrong_state")


def _needs_move(booking: Booking, *, to: str, from_: tuple[str, ...], verb: str) -> bool:
    """False when the booking already has status `to` (the transition ran before: nothing to do);
    a Conflict for the person when its status does not allow the transition; True otherwise."""
    if booking.status == to:
        return False
    if booking.status not in from_:
        raise _wrong_state(booking, verb)
    return True


def _move(booking: Booking, to: str, *, by: User | None, now: datetime, reason: str = "") -> None:
    """Change the status and record the step; the caller holds the locks and the transaction."""
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


def _notify(recipients: list[User], kind: str, booking: Booking, message: str) -> None:
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
            # What the notification bell shows as the line (realtime.Notification.text).
            "title": f"{booking.listing.title}: {message}",
        },
    )


def _host(booking: Booking) -> User:
    return booking.listing.owner


def _set_outcome(booking: Booking, settlement: pricing.Settlement, now: datetime) -> None:
    booking.refund_amount = settlement.refund
    booking.host_payout_after_cancellation = settlement.host_payout
    booking.platform_keeps = settlement.platform_fee
    booking.ended_at = now


def _move_and_free_slot(booking: Booking, to: str, *, by: User | None, now: datetime, reason: str) -> None:
    """Leave the slot-holding statuses: the FK is cleared with the status change (it PROTECTs the
    calendar row), then the calendar entry is released, all in the caller's transaction."""
    period = booking.busy_period
    booking.busy_period = None
    _move(booking, to, by=by, now=now, reason=reason)
    if period is not None:
        release_slot(busy_period=period)


# --- Requesting ---------------------------------------------------------------------------


def _check_rules(*, listing: Listing, start: datetime, end: datetime, units: int, guests: int, now: datetime) -> None:
    if start <= now:
        raise DomainError("That start has already passed. Pick a later date.", field="start", code="past_dates")
    if start - now < timedelta(hours=listing.advance_notice_hours):
        raise DomainError(
            f"This host needs at least {listing.advance_notice_hours} hours' notice. Pick a later start.",
            field="start",
            code="advance_notice",
        )
    if listing.kind == ListingKind.ROOM:
        low, high, what = listing.min_units, listing.max_units, "nights"
        if units < low:
            raise DomainError(f"The minimum stay is {low} {what}.", field="end", code="too_short")
        if units > high:
            raise DomainError(f"The maximum stay is {high} {what}.", field="end", code="too_long")
    else:
        # Cars count whole hours, driving services half hours (at least one hour).
        per_hour = 1 if listing.kind == ListingKind.CAR else 2
        low = max(listing.min_units, 1)
        if units < low * per_hour:
            raise DomainError(f"The minimum is {low} hours.", field="end", code="too_short")
        if units > listing.max_units * per_hour:
            raise DomainError(f"The maximum is {listing.max_units} hours.", field="end", code="too_long")
    if guests < 1:
        raise DomainError("Book for at least one person.", field="guests", code="too_few_guests")
    if guests > listing.capacity:
        raise DomainError(
            f"This listing takes at most {listing.capacity} people.", field="guests", code="over_capacity"
        )


def booking_thread_key(booking_id: int) -> str:
    """The conversation between a booking's guest and host (realtime threads are named by key)."""
    return f"booking:{booking_id}"


class CardRefused(DomainError):
    """The guest's card could not be authorised (the money port's own refusals carry their reasons too)."""

    status_code = 402


class AuthenticationRequired(DomainError):
    """The guest's bank wants to confirm the card (3-D Secure) before the booking can be made.

    Not a failure: pages send the guest to `url`, the API returns it with the
    `client_secret` for Stripe's SDK; afterwards `complete_checkout` books.
    """

    status_code = 402

    def __init__(self, *, checkout: PendingCheckout, url: str, client_secret: str) -> None:
        super().__init__("Your bank asks you to confirm this payment.", code="requires_action")
        self.checkout = checkout
        self.url = url
        self.client_secret = client_secret


def _bookable_period(
    *,
    guest: User,
    listing_id: int,
    start: date | datetime,
    end: date | datetime,
    guests: int,
    now: datetime,
    lock: bool,
) -> tuple[Listing, selectors.PricedPeriod]:
    """Every rule a new booking must satisfy; with `lock`, inside the booking transaction (listing row locked)."""
    listings = Listing.objects.select_related("owner")
    if lock:
        # of=("self",): lock the listing row only, not its owner's user row joined for the notification.
        listings = listings.select_for_update(of=("self",))
    listing = listings.filter(pk=listing_id).first()
    if listing is None or listing.status == ListingStatus.DELETED:
        raise NotFound("No such listing.")
    if listing.owner_id == guest.pk:
        raise PermissionDenied("You cannot book your own listing.", code="own_listing")
    ensure_not_blocked(guest, listing.owner_id, doing="ask to book this listing")
    if not listing.is_bookable:
        raise Conflict("This listing is not taking bookings right now.", code="listing_paused")
    priced = selectors.price_period(listing=listing, start=start, end=end)
    _check_rules(listing=listing, start=priced.start, end=priced.end, units=priced.quote.units, guests=guests, now=now)
    if overlapping_busy_periods(listing_id=listing.pk, start=priced.start, end=priced.end).exists():
        raise Conflict(DATES_TAKEN_MESSAGE, field="start", code="dates_taken")
    if Booking.objects.filter(
        listing=listing, guest=guest, status=BookingStatus.REQUESTED, start__lt=priced.end, end__gt=priced.start
    ).exists():
        raise Conflict("You have already asked for these dates.", field="start", code="duplicate_request")
    return listing, priced


def request_booking(
    *,
    guest: User,
    listing_id: int,
    start: date | datetime,
    end: date | datetime,
    guests: int,
    payment_method: str = "",
    authorisation: int | None = None,
    now: datetime | None = None,
) -> Booking:
    """Ask for a listing's period, paying with the guest's card; instant-book listings confirm at once.

    Rooms take check-in/check-out dates, cars and drivers date-times (see
    `selectors.resolve_period`). Refuses unverified emails, own listings, paused or
    deleted listings, past or too-close starts, too short or too long periods,
    too many people and dates already taken, before touching the card.

    The card is authorised first, in its own committed step (a Stripe call never
    waits inside the listing's lock for a bank); then one transaction makes the
    booking, attaches the payment and, for instant book, captures it. If the booking
    cannot be made the authorisation is released. A card that needs 3-D Secure
    raises AuthenticationRequired with a PendingCheckout; a declined card raises
    the payment's DomainError and no booking exists.

    `authorisation` instead of `payment_method`: the booking adopts a hold the guest's
    card already has (the money port's payment id; an on-demand request holds its
    estimate) if it covers the total in the same currency, and charges only the total.
    The card is not authorised a second time, and if the booking cannot be made the
    hold stays with whoever made it.
    """
    now = now or timezone.now()
    if not has_verified_email(guest):
        raise PermissionDenied("Confirm your email address before booking.", code="email_unverified")
    ensure_not_suspended(guest, doing="book")
    _, priced = _bookable_period(
        guest=guest, listing_id=listing_id, start=start, end=end, guests=guests, now=now, lock=False
    )
    checkout = PendingCheckout(
        guest=guest,
        listing_id=listing_id,
        start=priced.start,
        end=priced.end,
        guests=guests,
        total=priced.quote.total,
        currency=priced.quote.currency,
        created_at=now,
    )
    if authorisation is not None:
        checkout.payment_id = authorisation
        return _create_booking(checkout=checkout, now=now, adopt=True)
    held = money().authorise(
        payer=guest,
        amount=checkout.total,
        currency=checkout.currency,
        reference=checkout.reference,
        payment_method=payment_method,
    )
    checkout.payment_id = held.payment_id
    if held.requires_action:
        checkout.save()
        next_url = reverse("bookings:checkout_complete", kwargs={"checkout_uid": checkout.uid})
        raise AuthenticationRequired(
            checkout=checkout,
            url=money().authentication_url(payment_id=held.payment_id, next_url=next_url),
            client_secret=held.client_secret,
        )
    if not held.authorised:
        message = held.failure_message or "Your card was refused. Try another card."
        raise CardRefused(message, field="payment_method", code="payment_failed")
    try:
        return _create_booking(checkout=checkout, now=now)
    except DomainError:
        _abandon(checkout.payment_id)
        raise


def complete_checkout(*, guest: User, checkout_uid: str, now: datetime | None = None) -> Booking:
    """Make the booking once the guest's bank confirmed the card; idempotent (a second call returns it).

    The checkout row is locked, so a double click cannot make two bookings or release
    the authorisation of the one that was made.
    """
    now = now or timezone.now()
    failure: DomainError
    with transaction.atomic():
        checkout = PendingCheckout.objects.select_for_update().filter(uid=checkout_uid, guest=guest).first()
        if checkout is None:
            raise NotFound("No such booking in progress.")
        if checkout.booking_id is not None:
            return Booking.objects.get(pk=checkout.booking_id)
        if checkout.failure_message:
            raise Conflict(checkout.failure_message, code="checkout_failed")
        authorisation = money().confirm_authentication(payment_id=checkout.payment_id)
        if authorisation.requires_action:
            raise Conflict("Your bank has not confirmed the card yet. Finish its check first.", code="requires_action")
        try:
            if not authorisation.authorised:
                message = authorisation.failure_message or "Your card could not be confirmed. Try another card."
                raise CardRefused(message, field="payment_method", code="payment_failed")
            booking = _create_booking(checkout=checkout, now=now)
        except DomainError as error:
            failure = error
            checkout.failure_message = error.message[:300]
            checkout.save(update_fields=["failure_message"])
        else:
            checkout.booking = booking
            checkout.save(update_fields=["booking"])
            return booking
    # The failure is committed first, so a second click reads it instead of trying again.
    _abandon(checkout.payment_id)
    raise failure


def _abandon(payment_id: int) -> None:
    """Release an authorisation no booking was made for; Stripe drops it after 7 days anyway if this fails."""
    try:
        money().abandon(payment_id=payment_id)
    except DomainError as error:
        logger.warning("could not release authorisation of payment %s: %s", payment_id, error.message)


def _create_booking(*, checkout: PendingCheckout, now: datetime, adopt: bool = False) -> Booking:
    """The booking transaction: re-check every rule under the listing lock, re-price, attach the paid card.

    `adopt`: the payment is a hold made for something else, which must cover the total.
    """
    guest = checkout.guest
    # Suspended while at the bank: the authorisation is released by the caller's failure path.
    ensure_not_suspended(guest, doing="book")
    with transaction.atomic():
        listing, priced = _bookable_period(
            guest=guest,
            listing_id=checkout.listing_id,
            start=checkout.start,
            end=checkout.end,
            guests=checkout.guests,
            now=now,
            lock=True,
        )
        quote = priced.quote
        if (quote.total, quote.currency) != (checkout.total, checkout.currency):
            raise Conflict(
                "The price changed while you were paying. Check the new price and book again.", code="price_changed"
            )
        respond_by = min(now + RESPONSE_WINDOW, priced.start - timedelta(hours=listing.advance_notice_hours))
        booking = Booking.objects.create(
            guest=guest,
            listing=listing,
            start=priced.start,
            end=priced.end,
            guests=checkout.guests,
            status=BookingStatus.REQUESTED,
            cancellation_policy=listing.cancellation_policy,
            time_zone=listing.time_zone,
            created_at=now,
            respond_by=respond_by,
            **quote.as_dict(),
        )
        BookingTransition.objects.create(
            booking=booking, from_status="", to_status=BookingStatus.REQUESTED, by=guest, at=now
        )
        ensure_thread(
            key=booking_thread_key(booking.pk),
            title=f"{listing.title}, {booking.start:%d %b} to {booking.end:%d %b %Y}",
            link_url=booking.get_absolute_url(),
            participants=[guest, listing.owner],
        )
        if adopt:
            money().adopt(
                payment_id=checkout.payment_id,
                payer=guest,
                amount=booking.total,
                currency=booking.currency,
                reference=booking_reference(booking.pk),
            )
        else:
            money().attach(payment_id=checkout.payment_id, reference=booking_reference(booking.pk))
        if listing.instant_book:
            declined = _confirm(booking, by=None, now=now, reason="Instant book")
            _notify_declined(declined)
            _notify([guest], "booking.confirmed", booking, "Your booking is confirmed.")
            _notify([listing.owner], "booking.confirmed", booking, f"New booking by {guest.public_name}.")
        else:
            asks = f"{guest.public_name} asks to book. Answer within 24 hours."
            _notify([listing.owner], "booking.requested", booking, asks)
            tasks.schedule(tasks.expire_booking_task, booking_id=booking.pk, at=booking.respond_by)
    return booking


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
    # Charged right after the last step that can refuse (the slot), before other guests' cards are released.
    # Exactly the total: an adopted hold (an on-demand estimate) can be larger, and its rest is released.
    money().capture(reference=booking_reference(booking.pk), amount=booking.total)
    for other in selectors.overlapping_requests(booking=booking).select_for_update().order_by("pk"):
        other.listing = booking.listing
        _set_outcome(other, pricing.full_refund(selectors.booking_quote(other)), now)
        _move(other, BookingStatus.DECLINED, by=None, now=now, reason=AUTO_DECLINE_REASON)
        money().release_authorisation(reference=booking_reference(other.pk))
        declined.append(other)
    tasks.schedule(tasks.start_booking_task, booking_id=booking.pk, at=booking.start)
    tasks.schedule(tasks.complete_booking_task, booking_id=booking.pk, at=booking.end)
    tasks.schedule(tasks.release_payout_task, booking_id=booking.pk, at=booking.payout_release_at)
    return declined


def _notify_declined(declined: list[Booking]) -> None:
    for other in declined:
        _notify([other.guest], "booking.declined", other, f"{AUTO_DECLINE_REASON} {NOT_CHARGED}")


# --- The host answers ------------------------------------------------------------------------


def accept_booking(*, host: User, booking_id: int, now: datetime | None = None) -> Booking:
    """The host confirms a request within its answer window; overlapping requests are declined."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock(booking_id)
        _require_host(booking, host, "accept")
        ensure_not_suspended(host, doing="accept bookings")
        if booking.status == BookingStatus.CONFIRMED:
            return booking
        if booking.status != BookingStatus.REQUESTED:
            auto_declined = booking.transitions.filter(reason=AUTO_DECLINE_REASON).exists()
            if booking.status == BookingStatus.DECLINED and auto_declined:
                raise Conflict(DATES_TAKEN_MESSAGE, code="dates_taken")
            raise _wrong_state(booking, "accepted")
        if now >= booking.respond_by:
            raise Conflict("The time to answer this request has run out.", code="expired")
        if not booking.listing.is_bookable:
            raise Conflict("This listing is paused: reactivate it before accepting.", code="listing_paused")
        declined = _confirm(booking, by=host, now=now, reason="Accepted by the host")
        _notify_declined(declined)
        _notify([booking.guest], "booking.confirmed", booking, "The host accepted: your booking is confirmed.")
    return booking


def decline_booking(*, host: User, booking_id: int, reason: str = "", now: datetime | None = None) -> Booking:
    """The host says no to a request; the guest's authorisation is released."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock(booking_id)
        _require_host(booking, host, "decline")
        if not _needs_move(booking, to=BookingStatus.DECLINED, from_=(BookingStatus.REQUESTED,), verb="declined"):
            return booking
        _set_outcome(booking, pricing.full_refund(selectors.booking_quote(booking)), now)
        _move(booking, BookingStatus.DECLINED, by=host, now=now, reason=reason or "Declined by the host")
        money().release_authorisation(reference=booking_reference(booking.pk))
        _notify([booking.guest], "booking.declined", booking, f"The host declined your request. {NOT_CHARGED}")
    return booking


def withdraw_booking(*, guest: User, booking_id: int, now: datetime | None = None) -> Booking:
    """The guest takes back a request before the host answers."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock(booking_id)
        _require_guest(booking, guest, "withdraw")
        if not _needs_move(booking, to=BookingStatus.WITHDRAWN, from_=(BookingStatus.REQUESTED,), verb="withdrawn"):
            return booking
        _set_outcome(booking, pricing.full_refund(selectors.booking_quote(booking)), now)
        _move(booking, BookingStatus.WITHDRAWN, by=guest, now=now, reason="Withdrawn by the guest")
        money().release_authorisation(reference=booking_reference(booking.pk))
        _notify([_host(booking)], "booking.withdrawn", booking, f"{booking.guest.public_name} withdrew the request.")
    return booking


# --- Timers ------------------------------------------------------------------------------------


def expire_booking(*, booking_id: int, now: datetime | None = None) -> Booking:
    """A request the host left unanswered past `respond_by` expires."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock(booking_id)
        if not _needs_move(booking, to=BookingStatus.EXPIRED, from_=(BookingStatus.REQUESTED,), verb="expired"):
            return booking
        if now < booking.respond_by:
            raise Conflict("The host still has time to answer.", code="not_due")
        _set_outcome(booking, pricing.full_refund(selectors.booking_quote(booking)), now)
        _move(booking, BookingStatus.EXPIRED, by=None, now=now, reason="The host did not answer in time")
        money().release_authorisation(reference=booking_reference(booking.pk))
        _notify([booking.guest], "booking.expired", booking, f"The host did not answer in time. {NOT_CHARGED}")
        _notify([_host(booking)], "booking.expired", booking, "A request expired before you answered.")
    return booking


def start_booking(*, booking_id: int, now: datetime | None = None) -> Booking:
    """A confirmed booking becomes in progress at its start."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock(booking_id)
        if not _needs_move(booking, to=BookingStatus.IN_PROGRESS, from_=(BookingStatus.CONFIRMED,), verb="started"):
            return booking
        if now < booking.start:
            raise Conflict("This booking has not started yet.", code="not_due")
        _move(booking, BookingStatus.IN_PROGRESS, by=None, now=now, reason="Start time reached")
        _notify([booking.guest, _host(booking)], "booking.started", booking, "Your booking has started.")
    return booking


def complete_booking(*, booking_id: int, now: datetime | None = None) -> Booking:
    """An in-progress booking is completed at its end."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock(booking_id)
        if not _needs_move(booking, to=BookingStatus.COMPLETED, from_=(BookingStatus.IN_PROGRESS,), verb="completed"):
            return booking
        if now < booking.end:
            raise Conflict("This booking has not ended yet.", code="not_due")
        booking.ended_at = now
        _move(booking, BookingStatus.COMPLETED, by=None, now=now, reason="End time reached")
        _notify([booking.guest, _host(booking)], "booking.completed", booking, "Your booking is complete.")
    return booking


def release_payout(*, booking_id: int, now: datetime | None = None) -> Booking:
    """Mark the host payout released: 24 h after the start or at the end if sooner, never while disputed.

    In progress and completed bookings pay `host_payout`; a booking the guest
    cancelled late pays the host's share (`host_payout_after_cancellation`) at the
    same moment. Not a status change, so no history row. Idempotent: once
    released, nothing changes.
    """
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock(booking_id)
        if booking.payout_released_at is not None:
            return booking
        if booking.status == BookingStatus.DISPUTED:
            raise Conflict("A dispute is open: the payout waits for its decision.", code="disputed")
        if booking.status not in PAYOUT_STATUSES or booking.payout_amount <= 0:
            raise _wrong_state(booking, "paid out")
        if booking.payout_release_at is None or now < booking.payout_release_at:
            raise Conflict("The payout is not due yet.", code="not_due")
        # Sent now, or waiting (visibly, on the host's payout page) until the host can receive money.
        money().payout(reference=booking_reference(booking.pk), host=_host(booking), amount=booking.payout_amount)
        booking.payout_released_at = now
        booking.save(update_fields=["payout_released_at", "updated_at"])
    return booking


# --- Cancellations -----------------------------------------------------------------------------


def _cancellable(booking: Booking, *, to: str, now: datetime) -> bool:
    """False when the booking already has status `to` (cancelling twice changes nothing); raises when a
    confirmed or in-progress booking is not what is being cancelled, or it has already ended."""
    if not _needs_move(booking, to=to, from_=CANCELLABLE_STATUSES, verb="cancelled"):
        return False
    if now >= booking.end:
        raise Conflict("This booking has already ended.", code="ended")
    if selectors.settled_by_dispute(booking):
        # The policy's refund would be paid on top of the dispute's split (or fail half-way).
        raise Conflict(selectors.SETTLED_BY_DISPUTE, code="settled_by_dispute")
    return True


def cancel_by_guest(*, guest: User, booking_id: int, reason: str = "", now: datetime | None = None) -> Booking:
    """The guest cancels a confirmed or in-progress booking; the refund follows the frozen policy."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock(booking_id)
        _require_guest(booking, guest, "cancel")
        if not _cancellable(booking, to=BookingStatus.CANCELLED_BY_GUEST, now=now):
            return booking
        settlement = guest_refund(booking=booking, at=now)
        _set_outcome(booking, settlement, now)
        _move_and_free_slot(
            booking, BookingStatus.CANCELLED_BY_GUEST, by=guest, now=now, reason=reason or "Cancelled by the guest"
        )
        money().refund(
            reference=booking_reference(booking.pk), amount=settlement.refund, host_keeps=settlement.host_payout
        )
        freed = f"{booking.guest.public_name} cancelled. The dates are free again."
        _notify([_host(booking)], "booking.cancelled", booking, freed)
        refund = format_money(settlement.refund, booking.currency)
        _notify([guest], "booking.cancelled", booking, f"You cancelled. Refund: {refund}.")
    return booking


def cancel_by_host(*, host: User, booking_id: int, reason: str = "", now: datetime | None = None) -> Booking:
    """The host cancels a confirmed or in-progress booking: the guest gets everything back."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock(booking_id)
        _require_host(booking, host, "cancel")
        if not _cancellable(booking, to=BookingStatus.CANCELLED_BY_HOST, now=now):
            return booking
        _set_outcome(booking, pricing.full_refund(selectors.booking_quote(booking)), now)
        _move_and_free_slot(
            booking, BookingStatus.CANCELLED_BY_HOST, by=host, now=now, reason=reason or "Cancelled by the host"
        )
        money().refund(reference=booking_reference(booking.pk), amount=booking.refund_amount, host_keeps=0)
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
            _notify(parties, "booking.declined", booking, f"This request was cancelled. {NOT_CHARGED}")
        elif booking.status == BookingStatus.CONFIRMED and booking.start > now:
            _set_outcome(booking, pricing.full_refund(selectors.booking_quote(booking)), now)
            _move_and_free_slot(booking, BookingStatus.CANCELLED_BY_HOST, by=None, now=now, reason=reason)
            money().refund(reference=booking_reference(booking.pk), amount=booking.refund_amount, host_keeps=0)
            _notify(parties, "booking.cancelled", booking, note)
    return booking


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


# --- Hooks for the disputes issue --------------------------------------------------------------


def mark_disputed(*, booking_id: int, by: User | None = None, reason: str = "", now: datetime | None = None) -> Booking:
    """A dispute opened: the booking keeps its slot and its payout is frozen until `clear_dispute`."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock(booking_id)
        if not _needs_move(booking, to=BookingStatus.DISPUTED, from_=DISPUTABLE_STATUSES, verb="disputed"):
            return booking
        booking.status_before_dispute = booking.status
        _move(booking, BookingStatus.DISPUTED, by=by, now=now, reason=reason or "A dispute was opened")
        money().freeze(reference=booking_reference(booking.pk), reason=reason or "A dispute was opened")
        _notify([booking.guest, _host(booking)], "booking.disputed", booking, "A dispute is open on this booking.")
    return booking


def clear_dispute(*, booking_id: int, by: User | None = None, reason: str = "", now: datetime | None = None) -> Booking:
    """The dispute closed without ending the booking: back to where the clock says it is."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock(booking_id)
        if booking.status != BookingStatus.DISPUTED:
            if booking.status in HOLDING_STATUSES:
                return booking
            raise _wrong_state(booking, "cleared of a dispute")
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
        closed = "The dispute on this booking is closed."
        _notify([booking.guest, _host(booking)], "booking.dispute_closed", booking, closed)
    return booking


# --- The sweep ---------------------------------------------------------------------------------

# A guest who leaves the bank's check unfinished for this long will not come back to it.
CHECKOUT_TIMEOUT = timedelta(hours=1)


def abandon_checkout(*, checkout_id: int, now: datetime | None = None) -> PendingCheckout:
    """Give up a 3-D Secure checkout the guest never finished: its authorisation is released. Idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        checkout = PendingCheckout.objects.select_for_update().get(pk=checkout_id)
        if checkout.booking_id is not None or checkout.failure_message:
            return checkout
        if now < checkout.created_at + CHECKOUT_TIMEOUT:
            raise Conflict("The guest may still be confirming this card.", code="not_due")
        checkout.failure_message = "The card check was not finished in time. Book again."
        checkout.save(update_fields=["failure_message"])
    # After the commit, like every other abandoned authorisation: the failure stands even if Stripe is slow.
    _abandon(checkout.payment_id)
    return checkout


def advance_due_bookings(*, now: datetime | None = None) -> dict[str, int]:
    """Run every time-driven transition that is due (after downtime, or if a task was lost).

    Each booking goes through its own service call and transaction; a booking
    another worker moved meanwhile is skipped. Running it twice changes nothing
    the second time.
    """
    now = now or timezone.now()
    steps: list[tuple[str, Any, Any]] = [
        ("expired", selectors.due_expiries, expire_booking),
        ("started", selectors.due_starts, start_booking),
        ("completed", selectors.due_completions, complete_booking),
        ("payouts_released", selectors.due_payouts, release_payout),
    ]
    counts: dict[str, int] = {}
    for name, due, service in steps:
        counts[name] = 0
        for booking_id in list(due(now=now).order_by("pk").values_list("pk", flat=True)):
            try:
                service(booking_id=booking_id, now=now)
            except DomainError:
                continue
            counts[name] += 1
    counts["checkouts_abandoned"] = 0
    stale = selectors.unfinished_checkouts(before=now - CHECKOUT_TIMEOUT)
    for checkout_id in list(stale.order_by("pk").values_list("pk", flat=True)):
        try:
            abandon_checkout(checkout_id=checkout_id, now=now)
        except DomainError:
            continue
        counts["checkouts_abandoned"] += 1
    return counts
