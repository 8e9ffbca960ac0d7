"""Fire the periodic jobs of one schedule so that, across every scheduler running, each fires once a period.

Periods are aligned on the Unix epoch (a 1-minute job's periods start on each minute), so every
scheduler agrees on them without talking to the others. A scheduler fires a job by claiming its
row with one conditional UPDATE: only the first claim of a period matches `next_due <= now`, on
SQLite and PostgreSQL alike (PostgreSQL re-checks the condition after waiting for the row lock).
The claim moves `next_due` to the next period's start, so a scheduler that was stopped for ten
periods fires the job once, not ten times.
"""

from __future__ import annotations

import io
import logging
import os
import socket
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime, timedelta

from django.core.management import call_command
from django.db import DatabaseError, close_old_connections, connection
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from operations.heartbeats import beat
from operations.models import ScheduledJob
from operations.schedule import Job

logger = logging.getLogger("sharing.scheduler")

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
HEARTBEAT_EVERY = timedelta(seconds=10)


def period_start(moment: datetime, every: timedelta) -> datetime:
    """The start of the period of length `every` that contains `moment` (periods start at the epoch)."""
    return EPOCH + every * ((moment - EPOCH) // every)


def register(jobs: list[Job], *, now: datetime) -> None:
    """Make sure each job has its row; a new job is due at once."""
    ScheduledJob.objects.bulk_create([ScheduledJob(name=job.name, next_due=now) for job in jobs], ignore_conflicts=True)


def claim(job: Job, *, now: datetime, owner: str) -> datetime | None:
    """Claim this period's run of `job`; returns the period's start, or None if it is not ours to fire."""
    period = period_start(now, job.every)
    claimed = (
        ScheduledJob.objects.filter(name=job.name, next_due__lte=now)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(
            next_due=period + job.every,
            lease_until=now + job.lease,
            claimed_by=owner,
            last_started_at=now,
            runs=F("runs") + 1,
        )
    )
    return period if claimed else None


def finish(job: Job, *, owner: str, error: str = "") -> None:
    ScheduledJob.objects.filter(name=job.name, claimed_by=owner).update(
        lease_until=None, last_finished_at=timezone.now(), last_error=error
    )


def run_job(job: Job) -> str:
    """Run one job in this thread; returns what it printed."""
    if job.call:
        result = import_string(job.call)()
        return "" if result is None else str(result)
    output = io.StringIO()
    call_command(job.command, *job.args, stdout=output)
    return output.getvalue().strip()


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Scheduler:
    """Claims due jobs every `tick` seconds and runs each in a thread of a small pool.

    `runner` is how a claimed job is run (tests pass one that records what fired).
    """

    def __init__(
        self,
        jobs: list[Job],
        *,
        owner: str | None = None,
        runner: Callable[[Job], str] = run_job,
        tick: float = 1.0,
        parallel: int = 4,
    ) -> None:
        self.jobs = jobs
        self.owner = owner or default_owner()
        self.runner = runner
        self.tick = tick
        self.pool = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="job")
        self.stopping = threading.Event()
        self.fired: list[tuple[str, datetime]] = []
        self._registered = False
        self._running: list[Future] = []

    def run_due(self, now: datetime | None = None) -> list[tuple[str, datetime]]:
        """Claim every due job once and start it; returns (job name, period start) of what this call fired."""
        now = now or timezone.now()
        if not self._registered:
            register(self.jobs, now=now)
            self._registered = True
        fired = []
        for job in self.jobs:
            period = claim(job, now=now, owner=self.owner)
            if period is not None:
                logger.info("fired job=%s period=%s owner=%s", job.name, period.isoformat(), self.owner)
                fired.append((job.name, period))
                self._running.append(self.pool.submit(self._run, job))
        self.fired.extend(fired)
        self._running = [future for future in self._running if not future.done()]
        return fired

    def drain(self) -> None:
        """Wait for the jobs this scheduler started to finish."""
        wait(self._running)

    def _run(self, job: Job) -> None:
        error = ""
        try:
            output = self.runner(job)
            logger.info("finished job=%s %s", job.name, output)
        except Exception as exc:  # a failing job must not stop the others; it is logged and recorded
            logger.exception("failed job=%s", job.name)
            error = f"{type(exc).__name__}: {exc}"[:2000]
        try:
            finish(job, owner=self.owner, error=error)
        except DatabaseError:
            logger.exception("could not record the end of job=%s (its lease will expire)", job.name)
        finally:
            connection.close()

    def run_forever(self) -> None:
        """Until stop(): beat, claim and start due jobs, sleep a tick. A database outage is waited out."""
        logger.info("scheduler started owner=%s jobs=%s", self.owner, ",".join(job.name for job in self.jobs))
        last_beat = None
        while not self.stopping.is_set():
            try:
                close_old_connections()
                now = timezone.now()
                # Every 10 s is plenty for "seen within the last minute", and spares SQLite a write a second.
                if last_beat is None or now - last_beat >= HEARTBEAT_EVERY:
                    beat("scheduler", now=now, owner=self.owner)
                    last_beat = now
                self.run_due(now)
            except DatabaseError:
                logger.exception("scheduler: database unavailable, retrying")
                connection.close()
            self.stopping.wait(self.tick)
        # Let running jobs finish (each is short); a second signal or a kill leaves its lease to expire.
        self.pool.shutdown(wait=True)
        connection.close()
        logger.info("scheduler stopped owner=%s", self.owner)

    def stop(self) -> None:
        self.stopping.set()
