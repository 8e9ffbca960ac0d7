"""Delayed tasks for the time-driven transitions, through Django's tasks API (django-tasks backport).

Each task is enqueued after the deciding transaction commits, to run at its due
time (`core.tasks.schedule_on_commit`), and calls the idempotent service in
`bookings.services.clock`. A task that finds nothing to do (the host answered, the
guest cancelled) returns "skipped" and changes nothing. Any other refusal (a refusal
because Stripe is down, `DomainError.retryable`, above all) did not happen: it is
recorded for the sweep's retries (`bookings.services.retries`) and fails the task.
`manage.py advance_bookings` (fired every minute by the scheduler) catches up what a
lost or failed task missed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.utils import timezone
from django_tasks import task

from bookings.models import Booking
from core.errors import DomainError

logger = logging.getLogger(__name__)


def _run(service: Callable[..., Booking], step: str, booking_id: int) -> str:
    """Run the transition; "skipped" only when it is not (or no longer) due.

    Any other refusal or error is recorded for the sweep's retries (backoff, then the
    staff queue) and raised again, so the task backend records a failed task, never a success.
    """
    from bookings.services import retries

    now = timezone.now()
    try:
        booking = service(booking_id=booking_id, now=now)
    except DomainError as error:
        if error.code in retries.BENIGN_CODES and not error.retryable:
            logger.info("booking %s: %s skipped (%s)", booking_id, service.__name__, error.message)
            return f"skipped: {error.message}"
        retries.record_failure(step=step, object_id=booking_id, error=error, now=now)
        raise
    except Exception as error:
        retries.record_failure(step=step, object_id=booking_id, error=error, now=now)
        raise
    retries.record_success(step=step, object_id=booking_id, now=now)
    return str(booking.status)


@task()
def expire_booking_task(booking_id: int) -> str:
    from bookings.services.clock import expire_booking

    return _run(expire_booking, "expired", booking_id)


@task()
def start_booking_task(booking_id: int) -> str:
    from bookings.services.clock import start_booking

    return _run(start_booking, "started", booking_id)


@task()
def complete_booking_task(booking_id: int) -> str:
    from bookings.services.clock import complete_booking

    return _run(complete_booking, "completed", booking_id)


@task()
def release_payout_task(booking_id: int) -> str:
    from bookings.services.clock import release_payout

    return _run(release_payout, "payouts_released", booking_id)


@task()
def charge_scheduled_payment_task(booking_id: int) -> str:
    from bookings.services.schedule import charge_scheduled_payment

    return _run(charge_scheduled_payment, "payments_charged", booking_id)


@task()
def lapse_unpaid_booking_task(booking_id: int) -> str:
    from bookings.services.schedule import lapse_unpaid_booking

    return _run(lapse_unpaid_booking, "payments_lapsed", booking_id)


@task()
def remind_host_to_answer_task(booking_id: int, hours_left: int) -> str:
    from bookings.services.reminders import remind_host_to_answer

    try:
        booking = remind_host_to_answer(booking_id=booking_id, hours_left=hours_left)
    except DomainError as error:
        logger.info("booking %s: answer reminder skipped (%s)", booking_id, error.message)
        return f"skipped: {error.message}"
    return str(booking.status)


@task()
def remind_starts_tomorrow_task(booking_id: int) -> str:
    from bookings.services.reminders import remind_starts_tomorrow

    return _run(remind_starts_tomorrow, "reminded_start", booking_id)


@task()
def expire_booking_change_task(change_id: int) -> str:
    """An unanswered change closes at its deadline; a change answered meanwhile is left as it is."""
    from bookings.services.changes import expire_change

    try:
        change = expire_change(change_id=change_id)
    except DomainError as error:
        logger.info("change %s: expiry skipped (%s)", change_id, error.message)
        return f"skipped: {error.message}"
    return str(change.status)
