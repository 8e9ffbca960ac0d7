"""The clock: the transitions time decides, each refused (code "not_due") before its moment.

They run at their due time as the delayed tasks in `bookings.tasks`, scheduled after the
deciding transaction commits, and again in `advance_due_bookings` (manage.py
advance_bookings), which catches up whatever a lost task or downtime missed; running a
transition twice changes nothing the second time.
  expire_booking   a request unanswered at `respond_by` expires
  start_booking    a confirmed booking is in progress from its start
  complete_booking an in-progress booking is completed at its end (and told to the ended hooks)
  release_payout   24 h after the start, or at the end if sooner; never while disputed
  and a far-ahead booking's payment steps (services.schedule): the off-session charge at its date,
  the answer of a charge whose telling was lost, and the lapse of one left unpaid after a refusal
MONEY:
  expire_booking   -> release the authorisation
  release_payout   -> the host's payout (sent, or waiting for their payout account)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from bookings import pricing, selectors
from bookings.models import PAYOUT_STATUSES, Booking, BookingStatus
from bookings.money import booking_reference, money
from bookings.services import changes, reminders, retries, schedule
from bookings.services.checkout import CHECKOUT_TIMEOUT, abandon_checkout
from bookings.services.steps import _host, _lock, _move, _needs_move, _notify, _set_outcome, _wrong_state
from core.errors import Conflict, DomainError

logger = logging.getLogger(__name__)


def expire_booking(*, booking_id: int, now: datetime | None = None) -> Booking:
    """A request the host left unanswered past `respond_by` expires."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock(booking_id)
        if not _needs_move(
            booking, to=BookingStatus.EXPIRED, from_=(BookingStatus.REQUESTED,), verb=gettext_noop("expired")
        ):
            return booking
        if now < booking.respond_by:
            raise Conflict(gettext_noop("The host still has time to answer."), code="not_due")
        _set_outcome(booking, pricing.full_refund(selectors.booking_quote(booking)), now)
        _move(booking, BookingStatus.EXPIRED, by=None, now=now, reason=gettext_noop("The host did not answer in time"))
        money().release_authorisation(reference=booking_reference(booking.pk))
        _notify(
            [booking.guest],
            "booking.expired",
            booking,
            gettext_noop("The host did not answer in time. You will not be charged."),
        )
        _notify([_host(booking)], "booking.expired", booking, gettext_noop("A request expired before you answered."))
    return booking


def start_booking(*, booking_id: int, now: datetime | None = None) -> Booking:
    """A confirmed booking becomes in progress at its start."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock(booking_id)
        if not _needs_move(
            booking, to=BookingStatus.IN_PROGRESS, from_=(BookingStatus.CONFIRMED,), verb=gettext_noop("started")
        ):
            return booking
        if now < booking.start:
            raise Conflict(gettext_noop("This booking has not started yet."), code="not_due")
        _move(booking, BookingStatus.IN_PROGRESS, by=None, now=now, reason=gettext_noop("Start time reached"))
        _notify([booking.guest, _host(booking)], "booking.started", booking, gettext_noop("Your booking has started."))
    return booking


def complete_booking(*, booking_id: int, now: datetime | None = None) -> Booking:
    """An in-progress booking is completed at its end."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock(booking_id)
        if not _needs_move(
            booking, to=BookingStatus.COMPLETED, from_=(BookingStatus.IN_PROGRESS,), verb=gettext_noop("completed")
        ):
            return booking
        if now < booking.end:
            raise Conflict(gettext_noop("This booking has not ended yet."), code="not_due")
        booking.ended_at = now
        _move(booking, BookingStatus.COMPLETED, by=None, now=now, reason=gettext_noop("End time reached"))
        _notify(
            [booking.guest, _host(booking)], "booking.completed", booking, gettext_noop("Your booking is complete.")
        )
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
            raise Conflict(gettext_noop("A dispute is open: the payout waits for its decision."), code="disputed")
        if booking.status not in PAYOUT_STATUSES or booking.payout_amount <= 0:
            raise _wrong_state(booking, gettext_noop("paid out"))
        if booking.payout_release_at is None or now < booking.payout_release_at:
            raise Conflict(gettext_noop("The payout is not due yet."), code="not_due")
        # Sent now, or waiting (visibly, on the host's payout page) until the host can receive money.
        money().payout(
            reference=booking_reference(booking.pk),
            host=_host(booking),
            amount=booking.payout_amount,
            taxes=booking.taxes_kept(),
        )
        booking.payout_released_at = now
        booking.save(update_fields=["payout_released_at", "updated_at"])
    return booking


def advance_due_bookings(*, now: datetime | None = None) -> dict[str, int]:
    """Run every time-driven transition that is due (after downtime, or if a task was lost).

    Each booking goes through its own service call and transaction; a booking
    another worker moved meanwhile is skipped. Running it twice changes nothing
    the second time. Failures are never hidden: each is counted (`failed`),
    recorded with its reason and retried with backoff (`retries`); after
    SWEEP_MAX_ATTEMPTS it is left to staff (`given_up`, the admin's stuck transitions).
    `waiting` counts what is backing off or given up and was not tried this run.
    """
    now = now or timezone.now()
    steps: list[tuple[str, Any, Any]] = [
        ("expired", selectors.due_expiries, expire_booking),
        ("started", selectors.due_starts, start_booking),
        ("completed", selectors.due_completions, complete_booking),
        ("payouts_released", selectors.due_payouts, release_payout),
        ("payments_charged", selectors.due_scheduled_charges, schedule.charge_scheduled_payment),
        ("charges_answered", selectors.charges_awaiting_answer, schedule.sync_scheduled_charge),
        ("payments_lapsed", selectors.due_lapses, schedule.lapse_unpaid_booking),
    ]
    counts: dict[str, int] = {"failed": 0, "given_up": 0, "waiting": 0}
    for name, due, service in steps:
        counts[name] = 0
        ids = list(due(now=now).order_by("pk").values_list("pk", flat=True))
        _attempt_each(name, ids, partial(_run_step, service, now), now, counts)
    counts["checkouts_abandoned"] = 0
    stale = selectors.unfinished_checkouts(before=now - CHECKOUT_TIMEOUT)
    ids = list(stale.order_by("pk").values_list("pk", flat=True))
    _attempt_each("checkouts_abandoned", ids, lambda pk: abandon_checkout(checkout_id=pk, now=now), now, counts)
    counts["changes_expired"] = 0
    ids = list(selectors.due_change_expiries(now=now).order_by("pk").values_list("pk", flat=True))
    _attempt_each("changes_expired", ids, lambda pk: changes.expire_change(change_id=pk, now=now), now, counts)
    counts["changes_reminded"] = 0
    ids = list(selectors.due_change_reminders(now=now).order_by("pk").values_list("pk", flat=True))
    remind = partial(_remind_change, now)
    _attempt_each("changes_reminded", ids, remind, now, counts)
    return counts


def _remind_change(now: datetime, change_id: int) -> None:
    reminders.remind_change_answer(change_id=change_id, now=now)


def _run_step(service: Callable[..., Booking], now: datetime, booking_id: int) -> Booking:
    return service(booking_id=booking_id, now=now)


def _attempt_each(
    name: str, ids: list[int], run: Callable[[int], object], now: datetime, counts: dict[str, int]
) -> None:
    """Run `run` for each id not backing off; count successes under `name`, failures in `failed`."""
    skip = retries.waiting(step=name, now=now)
    for object_id in ids:
        if object_id in skip:
            counts["waiting"] += 1
            continue
        try:
            run(object_id)
        except DomainError as error:
            if error.code in retries.BENIGN_CODES:
                continue
            failure: Exception = error
        except Exception as error:  # an outage or a bug: counted and retried, never a silent success
            logger.exception("%s of %s failed in the sweep", name, object_id)
            failure = error
        else:
            retries.record_success(step=name, object_id=object_id, now=now)
            counts[name] += 1
            continue
        row = retries.record_failure(step=name, object_id=object_id, error=failure, now=now)
        counts["failed"] += 1
        counts["given_up"] += int(row.gave_up)
