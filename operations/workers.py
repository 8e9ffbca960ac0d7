"""Keeping the task queue honest: tasks of dead workers go back to the queue; a heartbeat proves it drains.

django-tasks-db claims a task by marking it RUNNING and never looks at RUNNING rows again, so a
worker killed mid-task (kill -9, OOM, a machine lost) would leave it there forever. Every task of
this project is idempotent (it re-checks state under a row lock before acting), so a task RUNNING
for longer than the lease is presumed dead and put back as READY for another worker to run.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone


def requeue_stale_tasks(*, lease: timedelta | None = None) -> str:
    """Put RUNNING tasks older than the lease back in the queue; returns a one-line summary."""
    if settings.TASKS["default"]["BACKEND"] == settings.RQ_BACKEND:
        from operations.rq_engine import requeue_abandoned

        return f"requeued={requeue_abandoned()}"  # RQ's own claims expire; the lease is RQ's
    if settings.TASKS["default"]["BACKEND"] != "django_tasks_db.DatabaseBackend":
        return "requeued=0 (not the database backend)"
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    lease = lease or timedelta(seconds=settings.TASK_LEASE_SECONDS)
    cutoff = timezone.now() - lease
    requeued = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff).update(
        status=TaskResultStatus.READY, started_at=None
    )
    return f"requeued={requeued}"


def enqueue_heartbeat() -> str:
    from operations.tasks import worker_heartbeat

    worker_heartbeat.enqueue(timezone.now().isoformat())
    return "enqueued"
