"""Settings come from the environment: embedded defaults, and a production path that passes --deploy."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.django_db


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="sharing.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", DEBUG="false", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is false." in result.stderr


def test_embedded_default_uses_sqlite_in_wal_mode_with_immediate_transactions():
    if settings.IS_POSTGRES:
        pytest.skip("this pass runs on PostgreSQL; the SQLite pass checks this")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_redis_url_switches_channel_layer_and_cache():
    if settings.REDIS_URL:
        assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
        # Redis, falling back to local memory while Redis is unreachable (login keeps working).
        assert settings.CACHES["default"]["BACKEND"] == "core.cache.RedisCacheWithLocalFallback"
    else:
        assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"
        assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


@pytest.mark.postgres_only
def test_postgres_sessions_run_without_jit_or_parallel_workers():
    """Geo-search's prepared statements rely on these session settings (they cannot SET LOCAL for themselves)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit'), current_setting('max_parallel_workers_per_gather')")
        assert cursor.fetchone() == ("off", "0")


def test_a_sqlite_database_url_runs_in_wal_mode_with_immediate_transactions(tmp_path):
    script = (
        "from django.db import connection\n"
        "cursor = connection.cursor()\n"
        "cursor.execute('PRAGMA journal_mode')\n"
        "print(cursor.fetchone()[0], connection.settings_dict['OPTIONS']['transaction_mode'])\n"
    )
    result = _manage("shell", "-v", "0", "-c", script, DATABASE_URL=f"sqlite:///{tmp_path}/site.sqlite3")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split() == ["wal", "IMMEDIATE"]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysq://sharing@127.0.0.1/sharing"),
        ("DATABASE_URL", "mysql://sharing@127.0.0.1/sharing"),
        ("REDIS_URL", "127.0.0.1:6379"),
        ("DB_CONN_MAX_AGE", "a minute"),
        ("SECURE_SSL_REDIRECT", "maybe"),
        ("TASKS_BACKEND", "celery"),
        ("DB_POOL_MAX_SIZE", "eight"),
        ("WEB_REQUEST_SLOW_MS", "0"),
        ("WEB_REQUEST_THREADS_MAX", "2"),
    ],
)
def test_a_wrong_variable_stops_the_process_with_one_line_naming_it(variable, value):
    env = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/sharing", variable: value}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"Configuration error: {variable} ")


def test_the_rq_task_engine_without_redis_stops_the_process_naming_the_variable():
    result = _manage("check", TASKS_BACKEND="operations.rq_engine.LeasedRQBackend", REDIS_URL="")
    assert result.returncode != 0
    assert result.stderr.strip() == "Configuration error: TASKS_BACKEND is the RQ engine, which needs REDIS_URL"


@pytest.mark.parametrize(
    ("env", "threads"),
    [
        ({}, 8),  # twice WEB_REQUEST_THREADS (4)
        ({"DB_POOL_MAX_SIZE": "6"}, 6),  # no more threads than connections the pool lends
        ({"DB_POOL_MAX_SIZE": "2"}, 4),  # but never fewer than WEB_REQUEST_THREADS
        ({"DB_POOL_MAX_SIZE": "20"}, 8),
        ({"DB_POOL_MAX_SIZE": "6", "WEB_REQUEST_THREADS_MAX": "12"}, 12),  # as asked
    ],
)
def test_a_web_process_holds_at_most_twice_its_request_threads_and_no_more_than_its_pool(env, threads):
    script = "from django.conf import settings; print(settings.WEB_REQUEST_THREADS_MAX)"
    clean = {"WEB_REQUEST_THREADS": "4", "WEB_REQUEST_THREADS_MAX": "", "DB_POOL_MAX_SIZE": ""}
    database = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/sharing"}
    result = _manage("shell", "-v", "0", "-c", script, **{**database, **clean, **env})
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split() == [str(threads)]
