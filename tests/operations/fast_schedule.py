"""A schedule of one-second jobs for the scheduler tests (`manage.py scheduler --schedule ...`)."""

from datetime import timedelta

from operations.schedule import Job


def nothing() -> str:
    return "done"


JOBS = [
    Job("fast_a", timedelta(seconds=1), call="tests.operations.fast_schedule.nothing"),
    Job("fast_b", timedelta(seconds=1), call="tests.operations.fast_schedule.nothing"),
]
