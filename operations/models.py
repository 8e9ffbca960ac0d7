"""What the processes of a deployment share through the database: job leases and heartbeats."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ScheduledJob(models.Model):
    """One row per periodic job: who may fire it next, and how its last run went.

    Schedulers claim a job with one conditional UPDATE (`next_due <= now` and no live lease), so
    among any number of schedulers on any number of machines exactly one fires each period.
    """

    name = models.CharField(_("name"), primary_key=True, max_length=80)
    next_due = models.DateTimeField(_("next due"))
    # Set while a run is in progress; a scheduler killed mid-run frees the job when it passes.
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    claimed_by = models.CharField(_("claimed by"), max_length=120, blank=True)
    last_started_at = models.DateTimeField(_("last started at"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    runs = models.PositiveBigIntegerField(_("runs"), default=0)

    def __str__(self) -> str:
        return self.name


class Heartbeat(models.Model):
    """The last time a kind of process showed it was alive (`scheduler`, `worker`), for /readyz."""

    name = models.CharField(_("name"), primary_key=True, max_length=40)
    seen_at = models.DateTimeField(_("seen at"))
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    def __str__(self) -> str:
        return self.name


class TaskOrigin(models.Model):
    """The request id of the request that enqueued a task, so the task's logs carry it too.

    Written when the task is enqueued (after the request's commit), read when a worker starts it;
    rows older than two weeks are pruned by the scheduler with the finished tasks themselves.
    """

    task_id = models.CharField(_("task id"), primary_key=True, max_length=64)
    request_id = models.CharField(_("request id"), max_length=100)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.task_id} <- {self.request_id}"
