"""Tasks inherit the request id of the request that enqueued them (see operations.logs)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import DatabaseError, transaction
from django.utils import timezone

from operations.logs import request_id_var, task_id_var
from operations.models import TaskOrigin

logger = logging.getLogger("sharing.tasks")


def on_task_enqueued(sender: object, task_result, **kwargs: object) -> None:
    request_id = request_id_var.get()
    logger.info("enqueued task=%s", task_result.task.module_path, extra={"task_id": str(task_result.id)})
    if not request_id:
        return
    try:
        # A savepoint: the task may be enqueued inside the caller's transaction (core.tasks), which a
        # failed insert must not break.
        with transaction.atomic():
            TaskOrigin.objects.create(task_id=str(task_result.id), request_id=request_id)
    except DatabaseError:  # the task itself is enqueued; only the log link is lost
        logger.warning("could not record the request of task %s", task_result.id)


def on_task_started(sender: object, task_result, **kwargs: object) -> None:
    task_id_var.set(str(task_result.id))
    try:
        origin = TaskOrigin.objects.filter(task_id=str(task_result.id)).values_list("request_id", flat=True).first()
    except DatabaseError:
        origin = None
    request_id_var.set(origin or "")


def on_task_finished(sender: object, task_result, **kwargs: object) -> None:
    task_id_var.set("")
    request_id_var.set("")


def prune_task_origins(*, older_than: timedelta = timedelta(days=14)) -> str:
    deleted, _ = TaskOrigin.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return f"pruned={deleted}"
