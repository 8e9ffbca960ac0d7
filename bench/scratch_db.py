"""A throw-away database for one benchmark run: a temporary SQLite file, or a PostgreSQL database it drops."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def scratch_database(kind: str, admin_url: str, *, prefix: str, conn_max_age: int) -> tuple[str, Callable[[], None]]:
    """Point the settings (through the environment) at a fresh database; return its path or name and a cleanup.

    The channel layer is the in-memory one: a benchmark must not touch a shared Redis.
    """
    os.environ["DJANGO_SETTINGS_MODULE"] = "sharing.settings"
    os.environ["REDIS_URL"] = ""
    os.environ["DEBUG"] = "true"
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix=f"{prefix}-")
        path = os.path.join(folder, "bench.sqlite3")
        os.environ["DATABASE_URL"] = ""
        os.environ["SQLITE_PATH"] = path

        def remove_file() -> None:
            for suffix in ("", "-wal", "-shm", "-writers.lock"):
                Path(path + suffix).unlink(missing_ok=True)
            os.rmdir(folder)

        return path, remove_file

    import psycopg

    name = f"sharing_{prefix.replace('-', '_')}_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = f"{admin_url.rsplit('/', 1)[0]}/{name}"
    os.environ["DB_CONN_MAX_AGE"] = str(conn_max_age)

    def drop_database() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return name, drop_database
