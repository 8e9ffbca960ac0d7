"""A task that remembers the request id its worker ran it under (for the request-id tests)."""

from django_tasks import task

from operations.logs import request_id_var

seen: list[str] = []


@task()
def remember_request_id() -> None:
    seen.append(request_id_var.get())


@task()
def expire_when_let_go(booking_id: int, gate: str) -> str:
    """A booking's expiry that waits at a gate (a file) first, so a test can kill its worker mid-task."""
    import time
    from pathlib import Path

    from bookings.tasks import expire_booking_task

    Path(f"{gate}.started").touch()
    while not Path(gate).exists():
        time.sleep(0.05)
    return expire_booking_task.call(booking_id)


@task()
def record_claim(number: int, path: str) -> None:
    """Append which worker ran task `number` (RQ's worker name) to a file, after a short piece of work."""
    import time

    from rq import get_current_job

    time.sleep(0.05)
    job = get_current_job()
    with open(path, "a") as claims:
        claims.write(f"{number} {job.worker_name if job else '?'}\n")
