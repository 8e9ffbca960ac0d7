"""Liveness and readiness checks, for nginx, a load balancer and the people on call.

Each check answers {"ok": bool, ...} with no secret in it (no URL, no password, no exception
text, only the exception's class). Every check runs afresh on each call, so readiness comes back
by itself when the database or Redis does, without a restart.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from operations import warmup
from operations.models import Heartbeat

_migrations_applied = False


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        # A broken persistent connection must not be reused by the next request.
        connection.close()
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True, "vendor": connection.vendor}


@cache
def _redis(url: str):
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)


def check_redis() -> dict | None:
    if not settings.REDIS_URL:
        return None
    try:
        _redis(settings.REDIS_URL).ping()
    except Exception as error:  # any failure (refused, timeout, auth) means "not ready"
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True}


def check_migrations() -> dict:
    """Applied migrations only grow, so once every one is applied the answer is kept for the process."""
    global _migrations_applied
    if not _migrations_applied:
        try:
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except DatabaseError as error:
            return {"ok": False, "error": type(error).__name__}
        if pending:
            return {"ok": False, "pending": len(pending)}
        _migrations_applied = True
    return {"ok": True}


def check_heartbeat(name: str) -> dict:
    try:
        heartbeat = Heartbeat.objects.filter(name=name).first()
    except DatabaseError as error:
        return {"ok": False, "error": type(error).__name__}
    if heartbeat is None:
        return {"ok": False, "seen_seconds_ago": None}
    ago = (timezone.now() - heartbeat.seen_at).total_seconds()
    result = {"ok": ago <= settings.READINESS_HEARTBEAT_SECONDS, "seen_seconds_ago": round(ago, 1)}
    if "queue_lag_seconds" in heartbeat.detail:
        result["queue_lag_seconds"] = heartbeat.detail["queue_lag_seconds"]
    return result


def check_warm() -> dict:
    # A process whose entry point did not start the warm-up (a test client, a shell) starts it now.
    warmup.start_in_background()
    return {"ok": warmup.is_warm(), "failed": warmup.failed_steps()}


def readiness() -> tuple[bool, dict]:
    """(ready, checks): ready when the database, Redis (if configured), the migrations, a worker and
    the scheduler (each seen within READINESS_HEARTBEAT_SECONDS) and this process's warm-up are."""
    checks = {"database": check_database()}
    redis_check = check_redis()
    if redis_check is not None:
        checks["redis"] = redis_check
    if checks["database"]["ok"]:
        checks["migrations"] = check_migrations()
        checks["worker"] = check_heartbeat("worker")
        checks["scheduler"] = check_heartbeat("scheduler")
    checks["warm_up"] = check_warm()
    ready = all(check["ok"] for check in checks.values()) and "migrations" in checks
    return ready, checks
