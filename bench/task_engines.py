"""The two task engines side by side: django-tasks' database backend and RQ (operations.rq_engine), on PostgreSQL.

    .venv/bin/python bench/task_engines.py [--tasks 500] [--workers 2]

For each engine it starts --workers `manage.py task_worker` processes on a scratch PostgreSQL
database and Redis, enqueues --tasks tasks (one short database read and a count in Redis each,
bench/engine_tasks.py) from one process, and waits until all have run. One line per engine:

    engine=rq tasks=500 workers=2 enqueue_per_s=... run_per_s=... seconds=...

`run_per_s` counts from the first enqueue to the last task done.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINES = {"database": "django_tasks_db.DatabaseBackend", "rq": "operations.rq_engine.LeasedRQBackend"}


def enqueue_and_wait(tasks: int, key: str) -> None:
    """In a child with the engine's environment: enqueue, then wait for the count (prints two numbers)."""
    import django

    django.setup()
    import redis
    from django.conf import settings

    from bench.engine_tasks import count_done

    counter = redis.Redis.from_url(settings.REDIS_URL)
    started = time.perf_counter()
    for _ in range(tasks):
        count_done.enqueue(key)
    enqueued = time.perf_counter() - started
    deadline = time.monotonic() + 600
    while int(counter.get(key) or 0) < tasks:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {int(counter.get(key) or 0)} of {tasks} tasks ran in 10 minutes")
        time.sleep(0.05)
    print(f"{enqueued:.4f} {time.perf_counter() - started:.4f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/sharing_task_engines")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/2")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        enqueue_and_wait(args.tasks, args.child)
        return 0

    import psycopg

    admin, name = args.database_url.rsplit("/", 1)
    with psycopg.connect(f"{admin}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    base = {**os.environ, "DATABASE_URL": args.database_url, "REDIS_URL": args.redis_url}
    base |= {"DJANGO_SETTINGS_MODULE": "sharing.settings", "PYTHONPATH": str(ROOT), "DEBUG": "false"}
    base.setdefault("SECRET_KEY", "bench-task-engines-" + "x" * 40)
    base |= {"ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "false"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=base, check=True)
    failed = False
    try:
        for engine, backend in ENGINES.items():
            env = {**base, "TASKS_BACKEND": backend}
            workers = [
                subprocess.Popen(
                    [*manage, "task_worker"],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
                for _ in range(args.workers)
            ]
            try:
                time.sleep(5)  # the workers start (Django setup) before the clock does
                key = f"bench:task-engines:{uuid.uuid4().hex}"
                child = [sys.executable, __file__, "--tasks", str(args.tasks), "--child", key]
                result = subprocess.run(child, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
                if result.returncode != 0:
                    print(result.stderr[-2000:], file=sys.stderr)
                    failed = True
                    continue
                enqueued, seconds = (float(value) for value in result.stdout.split()[-2:])
                print(
                    f"engine={engine} tasks={args.tasks} workers={args.workers} "
                    f"enqueue_per_s={args.tasks / enqueued:.0f} run_per_s={args.tasks / seconds:.1f} "
                    f"seconds={seconds:.2f}",
                    flush=True,
                )
            finally:
                for worker in workers:
                    os.killpg(worker.pid, signal.SIGTERM)
                for worker in workers:
                    try:
                        worker.wait(timeout=30)
                    except subprocess.TimeoutExpired:
                        os.killpg(worker.pid, signal.SIGKILL)
    finally:
        with psycopg.connect(f"{admin}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
