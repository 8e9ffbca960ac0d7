"""Time-driven dispatch steps (django-tasks): the next wave of offers, and the expiry of a request.

Enqueued on commit with `run_after`; each calls an idempotent service, so a task that
finds the request already taken or closed changes nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django_tasks import task
from django_tasks.base import Task

from core.errors import DomainError

logger = logging.getLogger(__name__)


def schedule(dispatch_task: Task, *, request_id: int, at: datetime) -> None:
    """Enqueue `dispatch_task(request_id)` at `at` once the current transaction commits (robust: see bookings)."""

    def enqueue() -> None:
        backend_task = dispatch_task
        if dispatch_task.get_backend().supports_defer:
            backend_task = dispatch_task.using(run_after=at)
        backend_task.enqueue(request_id)

    transaction.on_commit(enqueue, robust=True)


@task()
def send_next_wave_task(request_id: int) -> str:
    from dispatch.services import send_next_wave, switch_off_silent

    switch_off_silent()
    try:
        return f"offered {len(send_next_wave(request_id=request_id))}"
    except DomainError as error:
        if error.retryable:
            raise  # Stripe is down: fail the task so it is retried, not recorded as done
        logger.info("dispatch request %s: wave skipped (%s)", request_id, error.message)
        return f"skipped: {error.message}"


@task()
def expire_request_task(request_id: int) -> str:
    from dispatch.services import expire_request

    try:
        return str(expire_request(request_id=request_id).state)
    except DomainError as error:
        if error.retryable:
            raise  # Stripe is down: fail the task so it is retried, not recorded as done
        logger.info("dispatch request %s: expiry skipped (%s)", request_id, error.message)
        return f"skipped: {error.message}"
