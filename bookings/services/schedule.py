"""Far-ahead bookings: the guest's card is saved at checkout, nothing is taken, the total is charged later.

When the start is more than settings.PAYMENT_SCHEDULE_AFTER_DAYS away (`charge_time`), checkout saves
the card (3-D Secure on-session if the bank asks) and the booking gets a PaymentSchedule. The
booking stays confirmed throughout; its schedule says where the money is:
  charge_scheduled_payment  at `charge_at` (start - PAYMENT_CHARGE_DAYS_BEFORE): the total is charged
                            off-session through the money outbox (recorded here, sent after commit)
  scheduled_charge_answered the outbox's answer: paid, or refused -> the guest is told at once and
                            has PAYMENT_RETRY_HOURS (`pay_by`) to pay on-session
  pay_now / complete_pay_now the guest pays in that window, with the same or another card (3-D Secure
                            through the payment page, like checkout); paying twice charges once
  lapse_unpaid_booking      at `pay_by`, unpaid: cancelled (nothing was taken, nothing is owed), the
                            host told, the dates freed
Cancelling before the charge gives nothing back (nothing was taken) and otherwise follows the policy
(the money port charges what the policy keeps); a booking whose charge was refused is cancelled at no
cost. The clock's sweep (`clock.advance_due_bookings`) runs the due steps and catches up an answer
whose telling was lost.
Promo codes and credit: reserved at booking like any other (the code's budget and per-person limit count
them); the card is saved for, and charged, only its part (`Booking.charged`), and the promotion and credit
are paid into escrow beside the charge. They come back whole if the booking never takes place: declined or
expired (`promotions.booking_moved`), cancelled before the charge at no cost (the money port), or lapsed
unpaid after a refused charge (`lapse_unpaid_booking`).
MONEY:
  charge_scheduled_payment -> charge the saved card off-session
  pay_now                  -> the new card is authorised, captured after commit; the saved card let go
  lapse_unpaid_booking     -> the saved card let go
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from bookings import pricing, selectors, tasks
from bookings.models import CANCELLED_STATUSES, Booking, BookingStatus, PaymentSchedule
from bookings.money import booking_reference, money
from bookings.services import promotions
from bookings.services.steps import _host, _lock, _move_and_free_slot, _notify, _require_guest, _set_outcome
from core.errors import AuthenticationRequired, CardRefused, Conflict, DomainError
from core.tasks import schedule_on_commit
from realtime.wording import moment, money_value

logger = logging.getLogger(__name__)
State = PaymentSchedule.State
WINDOW_CLOSED = gettext_noop("The time to pay for this booking has passed.")


def charge_time(*, start: datetime, now: datetime) -> datetime | None:
    """When a booking starting at `start` is charged, if it is far enough ahead to be paid later; else None."""
    if start - now <= timedelta(days=settings.PAYMENT_SCHEDULE_AFTER_DAYS):
        return None
    at = start - timedelta(days=settings.PAYMENT_CHARGE_DAYS_BEFORE)
    return at if at > now else None


def _schedule(booking: Booking) -> PaymentSchedule:
    schedule = PaymentSchedule.objects.select_for_update().filter(booking=booking).first()
    if schedule is None:
        raise Conflict(gettext_noop("This booking has no scheduled payment."), code="wrong_state")
    return schedule


def locked_schedule(booking: Booking) -> PaymentSchedule | None:
    """The booking's schedule, locked (the caller holds the booking's lock and transaction); None if paid at once."""
    return PaymentSchedule.objects.select_for_update().filter(booking=booking).first()


def end_schedule(booking: Booking) -> None:
    """The booking is cancelled: a schedule not yet paid ends with it (caller's transaction)."""
    schedule = locked_schedule(booking)
    if schedule is not None and schedule.state in (State.SCHEDULED, State.CHARGING, State.FAILED):
        schedule.state = State.CANCELLED
        schedule.save(update_fields=["state"])


def follow_new_start(booking: Booking, *, now: datetime) -> None:
    """The booking's dates changed before its scheduled charge: the charge follows the new start
    (PAYMENT_CHARGE_DAYS_BEFORE before it, or now if that moment has passed). Caller's lock and transaction;
    a task for the old moment finds the charge not due (or done) and changes nothing."""
    schedule = locked_schedule(booking)
    if schedule is None or schedule.state != State.SCHEDULED:
        return
    due = max(now, booking.start - timedelta(days=settings.PAYMENT_CHARGE_DAYS_BEFORE))
    if due != schedule.charge_at:
        schedule.charge_at = due
        schedule.save(update_fields=["charge_at"])
        schedule_on_commit(tasks.charge_scheduled_payment_task, booking.pk, at=due)


def charge_refused(booking: Booking) -> bool:
    """The saved card was refused and the guest has not paid: cancelling costs nothing (nothing was taken)."""
    schedule = locked_schedule(booking)
    return schedule is not None and schedule.state == State.FAILED


def charge_scheduled_payment(*, booking_id: int, now: datetime | None = None) -> Booking:
    """At `charge_at`, record the off-session charge of the total; idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock(booking_id)
        schedule = _schedule(booking)
        if schedule.state != State.SCHEDULED:
            return booking
        if booking.status != BookingStatus.CONFIRMED:
            raise Conflict(gettext_noop("Only a confirmed booking is charged."), code="wrong_state")
        if now < schedule.charge_at:
            raise Conflict(gettext_noop("The payment is not due yet."), code="not_due")
        # The card pays its part; the promo code and credit reserved at booking pay theirs into escrow with it.
        money().charge_saved_card(
            reference=booking_reference(booking.pk),
            amount=booking.charged,
            promotion=booking.platform_promotion,
            credit=booking.credit,
        )
        schedule.state = State.CHARGING
        schedule.save(update_fields=["state"])
    return booking


def scheduled_charge_answered(*, reference: str, now: datetime | None = None) -> Booking | None:
    """The money outbox's hook: the off-session charge of `reference` ("booking:N") was answered."""
    kind, _, booking_id = reference.partition(":")
    if kind != "booking" or not booking_id.isdigit():
        return None
    return sync_scheduled_charge(booking_id=int(booking_id), now=now)


def sync_scheduled_charge(*, booking_id: int, now: datetime | None = None) -> Booking:
    """Bring a charging schedule in line with the bank's answer: paid, or refused (the guest's window opens)."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock(booking_id)
        schedule = _schedule(booking)
        if schedule.state == State.CANCELLED and booking.status in CANCELLED_STATUSES:
            # Cancelled before the charge: what the policy kept was charged; refused, it is never paid,
            # so the promotion and credit reserved for it come back too.
            if money().scheduled_charge_outcome(reference=booking_reference(booking.pk))[0] == "refused":
                promotions.return_kept(booking, now=now)
            return booking
        if schedule.state != State.CHARGING:
            return booking
        outcome, words = money().scheduled_charge_outcome(reference=booking_reference(booking.pk))
        amount = money_value(booking.charged, booking.currency)
        if outcome == "paid":
            schedule.state, schedule.paid_at = State.PAID, now
            schedule.save(update_fields=["state", "paid_at"])
            _notify(
                [booking.guest],
                "booking.payment_taken",
                booking,
                gettext_noop("%(amount)s was charged to your saved card."),
                amount=amount,
            )
            _notify(
                [_host(booking)], "booking.payment_taken", booking, gettext_noop("The guest's payment went through.")
            )
        elif outcome == "refused":
            schedule.state = State.FAILED
            schedule.pay_by = now + timedelta(hours=settings.PAYMENT_RETRY_HOURS)
            schedule.failure_message = words[:300]
            schedule.save(update_fields=["state", "pay_by", "failure_message"])
            deadline = moment(schedule.pay_by, booking.time_zone)
            _notify(
                [booking.guest],
                "booking.payment_failed",
                booking,
                gettext_noop(
                    "We could not charge %(amount)s to your saved card (%(why)s) Pay by %(deadline)s to keep your "
                    "booking."
                ),
                amount=amount,
                why=words,
                deadline=deadline,
            )
            _notify(
                [_host(booking)],
                "booking.payment_failed",
                booking,
                gettext_noop("The guest's payment did not go through. They have until %(deadline)s to pay."),
                deadline=deadline,
            )
            schedule_on_commit(tasks.lapse_unpaid_booking_task, booking.pk, at=schedule.pay_by)
        else:
            raise Conflict(gettext_noop("The charge is still on its way to the bank."), code="not_due")
    return booking


def _window(guest: User, booking_id: int, now: datetime) -> tuple[Booking, PaymentSchedule | None]:
    """The guest's booking and its schedule, read without locks; None when it is paid already (a double submit)."""
    booking = selectors.visible_booking(user=guest, booking_id=booking_id)
    _require_guest(booking, guest, gettext_noop("pay for"))
    schedule = PaymentSchedule.objects.filter(booking=booking).first()
    if schedule is None or schedule.state in (State.SCHEDULED, State.CHARGING):
        raise Conflict(gettext_noop("There is nothing to pay on this booking now."), code="wrong_state")
    if schedule.state == State.PAID:
        return booking, None
    if schedule.state != State.FAILED or schedule.pay_by is None or now >= schedule.pay_by:
        raise Conflict(WINDOW_CLOSED, code="payment_window_closed")
    return booking, schedule


def pay_now(*, guest: User, booking_id: int, payment_method: str, now: datetime | None = None) -> Booking:
    """The guest pays in the window after a refused charge, with the same card or another, on-session.

    The card is authorised in its own committed step (no lock held while the bank answers); 3-D
    Secure raises AuthenticationRequired with the payment page's url (then `complete_pay_now`).
    A booking already paid is returned unchanged, and nothing is authorised.
    """
    now = now or timezone.now()
    booking, schedule = _window(guest, booking_id, now)
    if schedule is None:
        return booking
    held = money().authorise(
        payer=guest,
        amount=booking.charged,
        currency=booking.currency,
        reference=f"repay:{booking.pk}:{uuid.uuid4().hex[:16]}",
        payment_method=payment_method,
    )
    if held.requires_action:
        with transaction.atomic():
            PaymentSchedule.objects.filter(pk=schedule.pk).update(retry_payment_id=held.payment_id)
        next_url = reverse("bookings:pay_complete", kwargs={"booking_id": booking.pk})
        raise AuthenticationRequired(
            gettext_noop("Your bank asks you to confirm this payment."),
            subject=booking,
            url=money().authentication_url(payment_id=held.payment_id, next_url=next_url),
            client_secret=held.client_secret,
        )
    if not held.authorised:
        raise CardRefused(
            held.failure_message or gettext_noop("Your card was refused. Try another card."), code="payment_failed"
        )
    return _take(booking_id=booking.pk, payment_id=held.payment_id, guest=guest, now=now)


def complete_pay_now(*, guest: User, booking_id: int, now: datetime | None = None) -> Booking:
    """Where the payment page sends the guest back after 3-D Secure: pay with the card the bank confirmed."""
    now = now or timezone.now()
    booking, schedule = _window(guest, booking_id, now)
    if schedule is None:
        return booking
    if schedule.retry_payment_id is None:
        raise Conflict(
            gettext_noop("No payment is waiting for your bank. Pay with your card first."), code="wrong_state"
        )
    authorisation = money().confirm_authentication(payment_id=schedule.retry_payment_id)
    if authorisation.requires_action:
        raise Conflict(
            gettext_noop("Your bank has not confirmed the card yet. Finish its check first."), code="requires_action"
        )
    if not authorisation.authorised:
        message = authorisation.failure_message or "Your card could not be confirmed. Try another card."
        raise CardRefused(message, code="payment_failed")
    return _take(booking_id=booking.pk, payment_id=schedule.retry_payment_id, guest=guest, now=now)


def _take(*, booking_id: int, payment_id: int, guest: User, now: datetime) -> Booking:
    """The authorised payment pays the booking, under the booking's lock; a late or second one is released."""
    try:
        with transaction.atomic():
            booking = _lock(booking_id)
            schedule = _schedule(booking)
            if schedule.state == State.PAID:
                paid_already = True
            else:
                paid_already = False
                if schedule.state != State.FAILED or schedule.pay_by is None or now >= schedule.pay_by:
                    raise Conflict(WINDOW_CLOSED, code="payment_window_closed")
                money().replace_saved_card(
                    reference=booking_reference(booking.pk),
                    payment_id=payment_id,
                    payer=guest,
                    amount=booking.charged,
                    promotion=booking.platform_promotion,
                    credit=booking.credit,
                )
                schedule.state, schedule.paid_at, schedule.retry_payment_id = State.PAID, now, None
                schedule.save(update_fields=["state", "paid_at", "retry_payment_id"])
                amount = money_value(booking.charged, booking.currency)
                _notify(
                    [guest],
                    "booking.payment_taken",
                    booking,
                    gettext_noop("You paid %(amount)s: your booking stands."),
                    amount=amount,
                )
                _notify(
                    [_host(booking)],
                    "booking.payment_taken",
                    booking,
                    gettext_noop("The guest paid: the booking stands."),
                )
    except DomainError:
        _release(payment_id)
        raise
    if paid_already:
        _release(payment_id)  # a double submit: the first payment stands, this hold goes
    return booking


def _release(payment_id: int) -> None:
    try:
        money().abandon(payment_id=payment_id)
    except DomainError as error:
        logger.warning("could not release authorisation of payment %s: %s", payment_id, error.message)


def lapse_unpaid_booking(*, booking_id: int, now: datetime | None = None) -> Booking:
    """At `pay_by`, a booking still unpaid is cancelled: nothing was taken, the dates are freed. Idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock(booking_id)
        schedule = _schedule(booking)
        if schedule.state == State.LAPSED:
            return booking
        if schedule.state != State.FAILED or booking.status != BookingStatus.CONFIRMED:
            raise Conflict(gettext_noop("This booking's payment is not overdue."), code="not_needed")
        if schedule.pay_by is None or now < schedule.pay_by:
            raise Conflict(gettext_noop("The guest still has time to pay."), code="not_due")
        _set_outcome(booking, pricing.full_refund(selectors.booking_quote(booking)), now)
        _move_and_free_slot(booking, BookingStatus.CANCELLED_BY_GUEST, by=None, now=now, reason="Not paid in time")
        money().release_authorisation(reference=booking_reference(booking.pk))
        promotions.release_reserved(booking, now=now)  # the code's budget and the credit come back whole
        # A change still waiting closes with the booking (imported here: changes settle through this module).
        from bookings.services.changes import close_open_change

        close_open_change(booking, now=now)
        abandoned, schedule.retry_payment_id = schedule.retry_payment_id, None
        schedule.state = State.LAPSED
        schedule.save(update_fields=["state", "retry_payment_id"])
        _notify(
            [booking.guest],
            "booking.cancelled",
            booking,
            gettext_noop("You did not pay in time: the booking is cancelled. Nothing was charged."),
        )
        _notify(
            [_host(booking)],
            "booking.cancelled",
            booking,
            gettext_noop("The guest did not pay: the booking is cancelled and the dates are free again."),
        )
    if abandoned is not None:
        _release(abandoned)  # a card check the guest started in the window and never finished
    return booking


def describe(schedule: PaymentSchedule | None) -> str:
    """The schedule's state in words for both sides ("" when the booking was paid at confirmation)."""
    if schedule is None:
        return ""
    day = timezone.localtime(schedule.charge_at).strftime("%d %b %Y")
    if schedule.state == State.SCHEDULED:
        return f"Confirmed, payment scheduled for {day}: nothing has been charged yet."
    if schedule.state == State.CHARGING:
        return "Confirmed, payment being charged to the saved card."
    if schedule.state == State.PAID:
        return "Confirmed and paid."
    if schedule.state == State.FAILED and schedule.pay_by is not None:
        deadline = timezone.localtime(schedule.pay_by).strftime("%d %b %Y %H:%M %Z")
        return f"Payment refused by the bank: the guest must pay by {deadline}, or the booking is cancelled."
    if schedule.state == State.LAPSED:
        return "Cancelled: the payment was not made in time. Nothing was charged."
    return "Cancelled before the payment date: only what the cancellation policy keeps is charged."
