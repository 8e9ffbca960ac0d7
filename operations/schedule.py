"""The one schedule of periodic jobs: what runs, how often. `manage.py scheduler` fires it.

Every job here is a catch-up sweep, safe to run any time and any number of times: a run finds
what is due and does it. So a period missed while no scheduler ran is caught up by one run, and a
job fired a second time by accident changes nothing. Add a job here, never a cron line or a loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings

MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Job:
    """A periodic job: a management command (with arguments) or a function called with none."""

    name: str
    every: timedelta
    command: str = ""
    args: tuple[str, ...] = ()
    call: str = ""  # dotted path of a function, when the job is not a command
    # A run still going after this long is presumed dead (its scheduler was killed) and may fire again.
    lease: timedelta = field(default=timedelta(minutes=15))

    def __post_init__(self) -> None:
        if bool(self.command) == bool(self.call):
            raise ValueError(f"job {self.name}: give either a command or a call")


JOBS: list[Job] = [
    # Bookings: expiries, starts, completions, payouts and stale 3-D Secure checkouts. The worker
    # runs each booking's own timer tasks on time; this catches what a lost or late task missed.
    Job("advance_bookings", MINUTE, command="advance_bookings"),
    # Reviews: "you can write a review", reminders, windows closing.
    Job("advance_reviews", 5 * MINUTE, command="advance_reviews"),
    # On demand: expire requests past their timeout, switch off silent providers.
    Job("advance_dispatch", MINUTE, command="advance_dispatch"),
    # Payments: money operations (capture, release, refund) recorded by a booking's transaction but
    # left pending by a crash, a timeout or an outage, sent again with their key (payments.outbox).
    Job("redrive_money", MINUTE, command="redrive_money"),
    # Payments: webhook events that failed, and payouts waiting for a host's account.
    Job("retry_stripe_events", 5 * MINUTE, command="retry_stripe_events"),
    # Payments: what we recorded against Stripe's own objects; mismatches into the staff queue.
    Job("reconcile_stripe", timedelta(days=1), command="reconcile_stripe", lease=timedelta(hours=2)),
    # Disputes: a chargeback whose dispute was not opened when its webhook arrived.
    Job("open_chargeback_disputes", 5 * MINUTE, command="open_chargeback_disputes"),
    # Cars: deposit holds whose claim window closed without a claim are released.
    Job("release_deposits", 5 * MINUTE, command="release_deposits"),
    # Receipts: receipts whose task was lost, PDFs not yet rendered, last month's host statements.
    Job("issue_documents", 5 * MINUTE, command="issue_documents"),
    # Workers: tasks left RUNNING by a worker that died are put back in the queue.
    Job("requeue_stale_tasks", MINUTE, call="operations.workers.requeue_stale_tasks"),
    # Readiness: a task that proves a worker is draining the queue, and measures its lag.
    Job("worker_heartbeat", timedelta(seconds=20), call="operations.workers.enqueue_heartbeat"),
    # Email and push: deliveries due whose task was lost (each is claimed first, so never sent twice).
    Job("send_due_notifications", MINUTE, command="send_due_notifications"),
    # People's data: archives of "download my data" past their expiry are emptied.
    Job("purge_data_exports", timedelta(days=1), command="purge_data_exports"),
    # Driving licences and identity documents: photos deleted a set number of days after staff decided.
    Job("purge_verification_documents", timedelta(days=1), command="purge_verification_documents"),
    Job("clearsessions", timedelta(days=1), command="clearsessions"),
    Job("prune_task_origins", timedelta(days=1), call="operations.taskorigin.prune_task_origins"),
]

if settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend":
    JOBS.append(Job("prune_task_results", timedelta(days=1), command="prune_db_task_results"))
