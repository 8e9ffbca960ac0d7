"""Real server processes for end-to-end tests: the ASGI app under daphne, on the test database.

The process gets the test database of the calling test (the SQLite test file or
the PostgreSQL test database) through the same environment variables that
production uses, so it runs the real settings path, not a test-only one.
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


def wait_for_port(port: int, *, process: subprocess.Popen | None = None, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server process exited early with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing answered on 127.0.0.1:{port} within {timeout:.0f} s")


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
    env = {**os.environ, **test_database_environment(), "DEBUG": "true", "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
        env["CHANNEL_PREFIX"] = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    # Set in the test process while a Playwright browser is open; a server must keep Django's guard.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(overrides)
    return env


@contextmanager
def asgi_server(**env_overrides: str) -> Iterator[str]:
    """Run daphne with the project's ASGI app; yields its base URL, stops it afterwards."""
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix=f"daphne-{port}-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "sharing.asgi:application"],
        cwd=BASE_DIR,
        env=child_environment(**env_overrides),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        try:
            wait_for_port(port, process=process)
        except (RuntimeError, TimeoutError) as error:
            log.flush()
            output = Path(log.name).read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{error}; server output:\n{output}") from None
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        Path(log.name).unlink(missing_ok=True)
