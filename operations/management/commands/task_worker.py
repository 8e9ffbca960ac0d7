"""`manage.py task_worker`: the Procfile's `worker`, whichever task engine the environment chose.

The database backend (the embedded default) runs django-tasks-db's `db_worker`; the RQ engine
(`TASKS_BACKEND=operations.rq_engine.LeasedRQBackend`) runs django-rq's `rqworker` on every queue
with django-tasks-rq's job class, and its scheduler for tasks deferred with `run_after`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run a task worker for the configured task engine (database or RQ)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--burst", action="store_true", help="run what is queued, then stop")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.TASKS["default"]["BACKEND"] == "operations.rq_engine.LeasedRQBackend":
            import django_rq

            rq_args = [*django_rq.settings.QUEUES, "--job-class", "django_tasks_rq.Job", "--with-scheduler"]
            # In the worker's own process: RQ's default forks a work-horse per task, which then opens
            # a database connection of its own; bench/task_engines.py ran 11.8 tasks/s that way and
            # 26 without it. A task that crashes the process is re-run like one of a killed worker.
            rq_args += ["--worker-class", "rq.worker.SimpleWorker"]
            call_command("rqworker", *rq_args, *(["--burst"] if options["burst"] else []))
        elif options["burst"]:
            call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0")
        else:
            call_command("db_worker", "--interval", "1", "--no-reload")
