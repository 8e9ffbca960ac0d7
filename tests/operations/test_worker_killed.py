"""A worker killed with SIGKILL in the middle of a booking's timer task: the task is queued again after
its lease, runs once more, and its effect (the expiry, the released card hold) happens exactly once."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bookings.models import Booking, BookingStatus, BookingTransition
from operations.workers import requeue_stale_tasks
from payments.ledger import check_ledger
from tests.bookings.factories import request_room
from tests.operations.tasks_for_tests import expire_when_let_go
from tests.payments.fixtures import WEBHOOK_SECRET
from tests.support.servers import BASE_DIR, child_environment
from tests.support.waiting import wait_for


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("stripe_api")
def test_a_timer_task_of_a_killed_worker_runs_again_after_its_lease_and_expires_the_booking_once(tmp_path, settings):
    booking = request_room()
    Booking.objects.filter(pk=booking.pk).update(respond_by=timezone.now() - timedelta(minutes=10))
    DBTaskResult.objects.all().delete()  # only the task under test is in the queue
    gate = str(tmp_path / "gate")
    task = expire_when_let_go.enqueue(booking.pk, gate)

    env = child_environment(
        STRIPE_API_BASE=settings.STRIPE_API_BASE,
        STRIPE_SECRET_KEY=settings.STRIPE_SECRET_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.1", "--no-reload", "--no-startup-delay"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: Path(f"{gate}.started").exists())
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert DBTaskResult.objects.get(pk=task.id).status == "RUNNING"  # and would stay so forever
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REQUESTED

    assert requeue_stale_tasks(lease=timedelta(minutes=5)) == "requeued=0"  # still within its lease
    DBTaskResult.objects.filter(pk=task.id).update(started_at=timezone.now() - timedelta(minutes=6))
    assert requeue_stale_tasks(lease=timedelta(minutes=5)) == "requeued=1"

    Path(gate).touch()
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0", verbosity=0)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED
    assert DBTaskResult.objects.get(pk=task.id).status == "SUCCESSFUL"
    assert BookingTransition.objects.filter(booking=booking, to_status=BookingStatus.EXPIRED).count() == 1
    assert check_ledger() == []
