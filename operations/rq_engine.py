"""The distributed task engine for PostgreSQL + Redis: django-tasks' RQ backend, with retries for abandoned tasks.

Chosen with `TASKS_BACKEND=operations.rq_engine.LeasedRQBackend` (README, "Workers and tasks"); the
embedded default stays django-tasks' database backend. RQ claims a task by moving its id from the
queue's Redis list to the worker (one atomic list operation), so exactly one worker runs it. A
worker that dies mid-task stops extending its claim in the queue's StartedJobRegistry; once the claim
runs out, `StartedJobRegistry.cleanup` puts the task back in the queue when it has retries left,
else records it failed. RQ only gives retries to jobs enqueued with them, and django-tasks-rq gives
none: every task enqueued here gets ABANDONED_RETRIES (every task of Sharing is idempotent).
"""

from __future__ import annotations

from typing import Any

import django_rq
from django_tasks.base import Task, TaskResult
from django_tasks_rq.backend import Job, RQBackend
from rq.registry import StartedJobRegistry

ABANDONED_RETRIES = 3


class LeasedRQBackend(RQBackend):
    def enqueue(self, task: Task, args: Any, kwargs: Any) -> TaskResult:
        result = super().enqueue(task, args, kwargs)
        connection = django_rq.get_connection(task.queue_name)
        key = Job.key_for(result.id)
        # Only the one field, so that a worker that already took the job keeps its status.
        if connection.exists(key):
            connection.hset(key, "retries_left", ABANDONED_RETRIES)
        return result


def requeue_abandoned() -> int:
    """Run RQ's clean-up of every queue's claims now (workers do it only every few minutes); the count put back."""
    requeued = 0
    for name in django_rq.settings.QUEUES:
        queue = django_rq.get_queue(name, job_class=Job)
        before = queue.count
        StartedJobRegistry(queue=queue).cleanup()
        requeued += max(0, queue.count - before)
    return requeued


def queue_depth_and_lag() -> list[tuple[str, int, float]]:
    """(queue, jobs waiting, seconds the oldest has waited) for /metrics."""
    from datetime import UTC, datetime

    rows = []
    for name in django_rq.settings.QUEUES:
        queue = django_rq.get_queue(name, job_class=Job)
        oldest = queue.get_jobs(0, 0)
        lag = 0.0
        if oldest and oldest[0].enqueued_at:
            enqueued = oldest[0].enqueued_at
            enqueued = enqueued if enqueued.tzinfo else enqueued.replace(tzinfo=UTC)
            lag = (datetime.now(UTC) - enqueued).total_seconds()
        rows.append((name, queue.count, lag))
    return rows
