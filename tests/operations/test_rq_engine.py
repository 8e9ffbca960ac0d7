"""The RQ task engine (TASKS_BACKEND=operations.rq_engine.LeasedRQBackend) with real `manage.py task_worker`
processes on this pass's Redis: each task is claimed by exactly one of two workers, and a worker killed
in the middle of a booking's timer task has it run again, once, after its claim runs out."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import django_rq
import pytest
from django.utils import timezone
from django_tasks_rq.backend import Job
from rq.job import JobStatus
from rq.registry import StartedJobRegistry
from rq.worker import Worker

from bookings.models import Booking, BookingStatus, BookingTransition
from operations.workers import requeue_stale_tasks
from payments.ledger import check_ledger
from tests.bookings.factories import request_room
from tests.operations.tasks_for_tests import expire_when_let_go, record_claim
from tests.payments.fixtures import WEBHOOK_SECRET
from tests.support.servers import BASE_DIR, child_environment
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.redis_only, pytest.mark.django_db(transaction=True)]

RQ = "operations.rq_engine.LeasedRQBackend"


@pytest.fixture
def rq_engine(settings):
    """This test's tasks go to RQ (the workers get the same setting), on an emptied queue."""
    connection = django_rq.get_connection("default")
    stale = list(connection.scan_iter(match="rq:*"))
    if stale:
        connection.delete(*stale)
    settings.TASKS = {"default": {"BACKEND": RQ}}
    yield django_rq.get_queue("default", job_class=Job)
    stale = list(connection.scan_iter(match="rq:*"))
    if stale:
        connection.delete(*stale)


def start_worker(settings, *extra: str) -> subprocess.Popen:
    env = child_environment(
        TASKS_BACKEND=RQ,
        STRIPE_API_BASE=settings.STRIPE_API_BASE,
        STRIPE_SECRET_KEY=settings.STRIPE_SECRET_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    return subprocess.Popen(
        [sys.executable, "manage.py", "task_worker", *extra],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the worker and the work-horse it forks per task
    )


def stop(worker: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


@pytest.mark.usefixtures("stripe_api")
def test_each_task_is_claimed_by_exactly_one_of_two_workers(rq_engine, settings, tmp_path):
    claims = tmp_path / "claims"
    workers = [start_worker(settings), start_worker(settings)]
    try:
        wait_for(lambda: len(Worker.all(queue=rq_engine)) == 2)
        for number in range(40):
            record_claim.enqueue(number, str(claims))
        wait_for(lambda: claims.exists() and len(claims.read_text().splitlines()) >= 40)
    finally:
        for worker in workers:
            stop(worker)
    lines = [line.split() for line in claims.read_text().splitlines()]
    assert sorted(int(number) for number, _ in lines) == list(range(40))  # each once, none twice
    assert len({name for _, name in lines}) == 2  # and both workers took some


@pytest.mark.usefixtures("stripe_api")
def test_a_timer_task_of_a_killed_worker_runs_again_once_its_claim_runs_out(rq_engine, settings, tmp_path):
    booking = request_room()
    Booking.objects.filter(pk=booking.pk).update(respond_by=timezone.now() - timedelta(minutes=10))
    gate = str(tmp_path / "gate")
    task = expire_when_let_go.enqueue(booking.pk, gate)
    worker = start_worker(settings)
    try:
        wait_for(lambda: Path(f"{gate}.started").exists())
    finally:
        stop(worker, signal.SIGKILL)  # the worker and its work-horse, mid-task
    job = Job.fetch(task.id, connection=rq_engine.connection)
    assert job.get_status() == JobStatus.STARTED  # and would stay so without the clean-up
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REQUESTED

    assert requeue_stale_tasks() == "requeued=0"  # its claim has not run out yet
    registry = StartedJobRegistry(queue=rq_engine)
    members = rq_engine.connection.zrange(registry.key, 0, -1)
    assert members
    rq_engine.connection.zadd(registry.key, dict.fromkeys(members, 1))  # as if the claim ran out long ago
    assert requeue_stale_tasks() == "requeued=1"

    Path(gate).touch()
    stop(start_worker(settings, "--burst"), signal.SIGCONT)  # runs what is queued, then exits
    booking.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED
    assert Job.fetch(task.id, connection=rq_engine.connection).get_status() == JobStatus.FINISHED
    assert BookingTransition.objects.filter(booking=booking, to_status=BookingStatus.EXPIRED).count() == 1
    assert check_ledger() == []
