"""Delayed tasks for the time-driven transitions, through Django's tasks API (django-tasks backport).

Each task is enqueued after the deciding transaction commits, to run at its due
time (`core.tasks.schedule_on_commit`), and calls the idempotent service in
`bookings.services.clock`. A task that finds nothing to do (the host answered, the
guest cancelled) returns "skipped" and changes nothing; a refusal because Stripe is
down fails the task instead (it did not happen). `manage.py advance_bookings` (fired
every minute by the scheduler) catches up what a lost or failed task missed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django_tasks import task

from bookings.models import Booking
from core.errors import DomainError

logger = logging.getLogger(__name__)


def _run(service: Callable[..., Booking], booking_id: int) -> str:
    try:
        booking = service(booking_id=booking_id)
    except DomainError as error:
        if error.retryable:
            raise  # Stripe is down: the task fails, and the sweep (or a retry) does it once Stripe answers
        logger.info("booking %s: %s skipped (%s)", booking_id, service.__name__, error.message)
        return f"skipped: {error.message}"
    return str(booking.status)


@task()
def expire_booking_task(booking_id: int) -> str:
    from bookings.services.clock import expire_booking

    return _run(expire_booking, booking_id)


@task()
def start_booking_task(booking_id: int) -> str:
    from bookings.services.clock import start_booking

    return _run(start_booking, booking_id)


@task()
def complete_booking_task(booking_id: int) -> str:
    from bookings.services.clock import complete_booking

    return _run(complete_booking, booking_id)


@task()
def release_payout_task(booking_id: int) -> str:
    from bookings.services.clock import release_payout

    return _run(release_payout, booking_id)


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

    return _run(remind_starts_tomorrow, booking_id)
