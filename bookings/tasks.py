"""Delayed tasks for the time-driven transitions, through Django's tasks API (django-tasks backport).

Each task is enqueued after the deciding transaction commits, to run at its due
time (`run_after`), and calls the idempotent service. A task that finds nothing
to do (the host answered, the guest cancelled) returns "skipped" and changes
nothing; a refusal because Stripe is down fails the task instead (it did not happen).
`manage.py advance_bookings` (fired every minute by the scheduler) catches up what a lost
or failed task missed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django_tasks import task
from django_tasks.base import Task

from core.errors import DomainError

logger = logging.getLogger(__name__)


def schedule(booking_task: Task, *, booking_id: int, at: datetime) -> None:
    """Enqueue `booking_task(booking_id)` to run at `at`, once the current transaction commits.

    robust=True: if the queue is unreachable the booking change still stands and
    the sweep performs the transition instead of the request failing after commit.
    """

    def enqueue() -> None:
        backend_task = booking_task
        if booking_task.get_backend().supports_defer:
            backend_task = booking_task.using(run_after=at)
        backend_task.enqueue(booking_id)

    transaction.on_commit(enqueue, robust=True)


def _run(service: Callable[..., object], booking_id: int) -> str:
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
    from bookings.services import expire_booking

    return _run(expire_booking, booking_id)


@task()
def start_booking_task(booking_id: int) -> str:
    from bookings.services import start_booking

    return _run(start_booking, booking_id)


@task()
def complete_booking_task(booking_id: int) -> str:
    from bookings.services import complete_booking

    return _run(complete_booking, booking_id)


@task()
def release_payout_task(booking_id: int) -> str:
    from bookings.services import release_payout

    return _run(release_payout, booking_id)
