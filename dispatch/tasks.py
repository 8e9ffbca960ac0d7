"""Time-driven dispatch steps (django-tasks): the next wave of offers, and the expiry of a request.

Enqueued on commit with `run_after` (`core.tasks.schedule_on_commit`); each calls an
idempotent service, so a task that finds the request already taken or closed changes nothing.
"""

from __future__ import annotations

import logging

from django_tasks import task

from core.errors import DomainError

logger = logging.getLogger(__name__)


@task()
def send_next_wave_task(request_id: int) -> str:
    # Imported here: the services import this module for the task objects.
    from dispatch.services.availability import switch_off_silent
    from dispatch.services.waves import send_next_wave

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
    from dispatch.services.requests import expire_request

    try:
        return str(expire_request(request_id=request_id).state)
    except DomainError as error:
        if error.retryable:
            raise  # Stripe is down: fail the task so it is retried, not recorded as done
        logger.info("dispatch request %s: expiry skipped (%s)", request_id, error.message)
        return f"skipped: {error.message}"
