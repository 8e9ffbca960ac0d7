"""Real server processes for end-to-end tests: the ASGI app under daphne, on the test database.

The process gets the test database of the calling test (the SQLite test file or
the PostgreSQL test database) and the channel layer (REDIS_URL with this xdist
worker's CHANNEL_PREFIX) through the same environment variables production uses,
so it runs the real settings path, not a test-only one.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_environment() -> dict[str, str]:
    """Environment variables that point a child process at this test's database."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return {"SQLITE_PATH": str(db["NAME"]), "DATABASE_URL": ""}
    user = quote(db.get("USER") or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return {"DATABASE_URL": f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"}


def child_environment(**overrides: str) -> dict[str, str]:
    env = {
        **os.environ,
        **test_database_environment(),
        "DJANGO_SETTINGS_MODULE": "sharing.settings",
        "DEBUG": "true",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        # Daphne runs each request's synchronous code in a thread of its own: a persistent connection stays
        # with its dead thread until PostgreSQL refuses more ("too many clients" after a few journeys: one
        # server held 79). Production lends them from a pool (DB_POOL_MAX_SIZE); test servers close each one.
        "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "0"),
    }
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
        env["CHANNEL_PREFIX"] = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    else:
        env["REDIS_URL"] = ""
    # Set in the test process while a Playwright browser is open; a server must keep Django's guard.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(overrides)
    return env


@contextmanager
def daphne_servers(
    count: int = 1, *, ports: list[int] | None = None, timeout: float = 30.0, **env_overrides: str
) -> Iterator[list[int]]:
    """Start `count` daphne processes at once (on `ports`, else free ones); yields their ports, stops them after."""
    started: list[tuple[int, subprocess.Popen, Path]] = []
    try:
        for index in range(count):
            port = ports[index] if ports else free_port()
            log = Path(tempfile.mkstemp(prefix=f"daphne-{port}-", suffix=".log")[1])
            # The project's app, forgetting content types a flush renumbered (see server_asgi).
            app = "tests.support.server_asgi:application"
            command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), app]
            with log.open("wb") as output:
                process = subprocess.Popen(
                    command,
                    cwd=BASE_DIR,
                    env=child_environment(**env_overrides),
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            started.append((port, process, log))
        deadline = time.monotonic() + timeout
        for port, process, log in started:
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"daphne on port {port} did not start:\n{log.read_text(errors='replace')[-3000:]}"
                    )
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.05)
        yield [port for port, _, _ in started]
    finally:
        for _, process, _ in started:
            process.terminate()
        for _, process, log in started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
            log.unlink(missing_ok=True)


@contextmanager
def asgi_server(**env_overrides: str) -> Iterator[str]:
    """One daphne process with the project's ASGI app; yields its base URL."""
    with daphne_servers(1, **env_overrides) as [port]:
        yield f"http://127.0.0.1:{port}"
