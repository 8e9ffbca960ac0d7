"""`manage.py scheduler`: the one process that fires every periodic job of operations.schedule.

Run one per machine or several: each job fires once a period across all of them (see
operations.scheduler). SIGTERM or SIGINT lets running jobs finish, then exits.
"""

from __future__ import annotations

import signal

from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from operations.scheduler import Scheduler


class Command(BaseCommand):
    help = "Run every periodic job from the one schedule, once a period across all schedulers."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--schedule", default="operations.schedule.JOBS", help="dotted path of the job list")
        parser.add_argument("--tick", type=float, default=1.0, help="seconds between looks for due jobs")
        parser.add_argument("--list", dest="list_only", action="store_true", help="print the schedule and exit")

    def handle(self, *args: object, schedule: str, tick: float, list_only: bool, **options: object) -> None:
        jobs = import_string(schedule)
        if list_only:
            for job in jobs:
                what = " ".join([job.command, *job.args]) if job.command else job.call
                self.stdout.write(f"{job.name:<26} every {job.every}  {what}")
            return
        scheduler = Scheduler(jobs, tick=tick)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: scheduler.stop())
        scheduler.run_forever()
