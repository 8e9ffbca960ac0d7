"""Tasks of the operations app: the worker heartbeat that proves the queue is being drained."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django_tasks import task

from operations.heartbeats import beat


@task()
def worker_heartbeat(enqueued_at: str) -> None:
    """Record that a worker ran a task, and how long it waited in the queue (the queue's lag)."""
    now = timezone.now()
    lag = (now - datetime.fromisoformat(enqueued_at)).total_seconds()
    beat("worker", now=now, queue_lag_seconds=round(lag, 3))
