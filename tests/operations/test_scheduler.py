"""The scheduler: each periodic job fires once a period, however many schedulers run, and catches up once."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection

from operations.models import ScheduledJob
from operations.schedule import JOBS, Job
from operations.scheduler import Scheduler, claim, finish, register, run_job
from tests.operations.fast_schedule import JOBS as FAST_JOBS
from tests.support.servers import BASE_DIR, child_environment

MINUTE_JOB = Job("sweep", timedelta(minutes=1), call="tests.operations.fast_schedule.nothing")
NOON = datetime(2026, 12, 4, 12, 0, 5, tzinfo=UTC)


@pytest.fixture
def registered(db) -> None:
    register([MINUTE_JOB], now=NOON - timedelta(hours=1))


def test_a_second_claim_in_the_same_period_fires_nothing(registered):
    assert claim(MINUTE_JOB, now=NOON, owner="a") == NOON.replace(second=0)
    finish(MINUTE_JOB, owner="a")
    assert claim(MINUTE_JOB, now=NOON + timedelta(seconds=30), owner="b") is None


def test_the_next_period_fires_again(registered):
    claim(MINUTE_JOB, now=NOON, owner="a")
    finish(MINUTE_JOB, owner="a")
    assert claim(MINUTE_JOB, now=NOON + timedelta(minutes=1), owner="b") == NOON.replace(second=0, minute=1)


def test_periods_missed_while_no_scheduler_ran_are_caught_up_by_one_run(registered):
    # Registered an hour ago and never claimed since: sixty periods missed, one run.
    assert claim(MINUTE_JOB, now=NOON, owner="a") is not None
    finish(MINUTE_JOB, owner="a")
    assert claim(MINUTE_JOB, now=NOON + timedelta(seconds=1), owner="a") is None
    assert ScheduledJob.objects.get(name="sweep").runs == 1


def test_a_job_still_running_is_not_fired_again_before_its_lease_passes(registered):
    claim(MINUTE_JOB, now=NOON, owner="a")
    assert claim(MINUTE_JOB, now=NOON + timedelta(minutes=5), owner="b") is None
    assert claim(MINUTE_JOB, now=NOON + MINUTE_JOB.lease + timedelta(seconds=1), owner="b") is not None


@pytest.mark.django_db(transaction=True)
def test_a_failing_job_is_recorded_and_the_next_period_fires():
    def explode(job: Job) -> str:
        raise RuntimeError("Stripe is down")

    scheduler = Scheduler([MINUTE_JOB], owner="a", runner=explode)
    scheduler.run_due(NOON)
    scheduler.drain()
    row = ScheduledJob.objects.get(name="sweep")
    assert row.last_error == "RuntimeError: Stripe is down"
    assert row.lease_until is None
    assert scheduler.run_due(NOON + timedelta(minutes=1)) == [("sweep", NOON.replace(second=0, minute=1))]


@pytest.mark.django_db(transaction=True)
def test_every_job_of_the_schedule_runs():
    for job in JOBS:
        run_job(job)
    connection.close()


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_in_threads_fire_each_job_once_per_period():
    schedulers = [Scheduler(FAST_JOBS, owner=name, runner=lambda job: "") for name in ("a", "b")]
    start = threading.Barrier(2)
    until = time.monotonic() + 3.5

    def loop(scheduler: Scheduler) -> None:
        start.wait()
        try:
            while time.monotonic() < until:
                scheduler.run_due()
                time.sleep(0.05)
        finally:
            scheduler.pool.shutdown(wait=True)
            connection.close()

    threads = [threading.Thread(target=loop, args=(scheduler,)) for scheduler in schedulers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    fired = Counter(schedulers[0].fired + schedulers[1].fired)
    assert fired and max(fired.values()) == 1
    for job in FAST_JOBS:
        assert sum(1 for name, _ in fired if name == job.name) >= 2


@pytest.mark.django_db(transaction=True)
def test_two_scheduler_processes_fire_each_job_once_per_period():
    logs = [Path(tempfile.mkstemp(prefix="scheduler-", suffix=".log")[1]) for _ in range(2)]
    command = [sys.executable, "manage.py", "scheduler", "--schedule", "tests.operations.fast_schedule.JOBS"]
    processes = []
    try:
        for log in logs:
            with log.open("wb") as output:
                processes.append(
                    subprocess.Popen(
                        [*command, "--tick", "0.1"],
                        cwd=BASE_DIR,
                        env=child_environment(),
                        stdout=output,
                        stderr=subprocess.STDOUT,
                    )
                )
        deadline = time.monotonic() + 90
        while sum("scheduler started" in log.read_text() for log in logs) < 2:
            assert time.monotonic() < deadline, "".join(log.read_text() for log in logs)
            time.sleep(0.2)
        time.sleep(4)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    text = "".join(log.read_text() for log in logs)
    for log in logs:
        log.unlink()
    fired = Counter(re.findall(r"fired job=(\w+) period=(\S+) owner=", text))
    assert fired, text
    assert max(fired.values()) == 1, text
    for job in FAST_JOBS:
        assert sum(1 for name, _ in fired if name == job.name) >= 2, text
    assert "stopped" in text
