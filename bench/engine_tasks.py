"""The task `bench/task_engines.py` runs through each engine: one short database read, then a count in Redis."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django_tasks import task


@task()
def count_done(key: str) -> None:
    import redis

    with connection.cursor() as cursor:  # a task of ours reads the database at least once
        cursor.execute("SELECT 1")
    redis.Redis.from_url(settings.REDIS_URL).incr(key)
