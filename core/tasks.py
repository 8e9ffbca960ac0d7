"""Enqueueing background tasks so that a rolled-back transaction enqueues nothing."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django_tasks.base import Task


def schedule_on_commit(task: Task, *args: object, at: datetime | None = None) -> None:
    """Enqueue `task(*args)` to run at `at` (or now), once the current transaction commits.

    robust=True: if the queue is unreachable the committed change still stands, and the
    periodic sweep that owns the transition performs it instead of the request failing
    after its commit.
    """

    def enqueue() -> None:
        backend_task = task
        if at is not None and task.get_backend().supports_defer:
            backend_task = task.using(run_after=at)
        backend_task.enqueue(*args)

    transaction.on_commit(enqueue, robust=True)
