"""Enqueueing background tasks so that a rolled-back transaction enqueues nothing."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django_tasks.base import Task
from django_tasks_db import DatabaseBackend


def schedule_on_commit(task: Task, *args: object, at: datetime | None = None) -> None:
    """Enqueue `task(*args)` to run at `at` (or now), only if the current transaction commits.

    With the database task backend (the default) and a transaction open, the task's row is
    written in that transaction: a rollback (of it or of the savepoint around this call) takes
    the row with it, and the worker sees it once it commits. That spares each task a write of its
    own after the commit, which on SQLite, whose one writer at a time is the whole site's, made
    every enqueue queue again for the write lock behind other requests (bench/slow_stripe.py).
    Otherwise (the RQ engine, or no transaction) it is enqueued after commit, robust=True: if the
    queue is unreachable the committed change still stands, and the periodic sweep that owns the
    transition performs it instead of the request failing after its commit.
    """

    def enqueue() -> None:
        backend_task = task
        if at is not None and task.get_backend().supports_defer:
            backend_task = task.using(run_after=at)
        backend_task.enqueue(*args)

    if isinstance(task.get_backend(), DatabaseBackend) and transaction.get_connection().in_atomic_block:
        enqueue()
        return
    transaction.on_commit(enqueue, robust=True)
