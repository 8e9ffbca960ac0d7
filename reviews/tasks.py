"""Delayed tasks for the reviews' time-driven steps, through Django's tasks API (django-tasks backport).

They are enqueued (with `core.tasks.schedule_on_commit`, after the deciding
transaction commits) when a booking's review window opens: the reminder a day
before it closes, and the closing itself. Both call idempotent services; a task
with nothing left to do returns "skipped". `manage.py advance_reviews` catches up
anything a lost task missed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django_tasks import task

from core.errors import DomainError

logger = logging.getLogger(__name__)


def _run(service: Callable[..., object], booking_id: int) -> str:
    try:
        service(booking_id=booking_id)
    except DomainError as error:
        if error.retryable:
            raise  # another system is down: fail the task so it is retried, not recorded as done
        logger.info("reviews of booking %s: %s skipped (%s)", booking_id, service.__name__, error.message)
        return f"skipped: {error.message}"
    return "done"


@task()
def remind_reviewers_task(booking_id: int) -> str:
    from reviews.services import remind_reviewers

    return _run(remind_reviewers, booking_id)


@task()
def close_review_window_task(booking_id: int) -> str:
    from reviews.services import close_review_window

    return _run(close_review_window, booking_id)
