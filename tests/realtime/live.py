"""A real daphne process on the test database, for the end-to-end socket tests.

The child reaches the test database the way production reaches its own: through
SQLITE_PATH (the SQLite test file) or DATABASE_URL (the PostgreSQL test database), and
the channel layer through REDIS_URL with this xdist worker's CHANNEL_PREFIX.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment() -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sharing.settings", "DEBUG": "true"}
    # Browser tests set this for their own process; a server must keep async safety on.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        env.update(SQLITE_PATH=str(db["NAME"]), DATABASE_URL="")
    else:
        password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
        host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
        env["DATABASE_URL"] = f"postgres://{quote(db.get('USER') or '')}{password}@{host}:{port}/{db['NAME']}"
    if settings.REDIS_URL:
        env.update(REDIS_URL=settings.REDIS_URL, CHANNEL_PREFIX=settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"])
    else:
        env["REDIS_URL"] = ""
    return env


@contextmanager
def daphne_servers(count: int = 1, timeout: float = 30.0, ports: list[int] | None = None) -> Iterator[list[int]]:
    """Start `count` daphne processes at once (on `ports`, else free ones); yields the ports, stops them after."""
    started: list[tuple[int, subprocess.Popen, Path]] = []
    try:
        for index in range(count):
            port = ports[index] if ports else _free_port()
            log = Path(tempfile.mkstemp(prefix="realtime-daphne-", suffix=".log")[1])
            command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "sharing.asgi:application"]
            with log.open("wb") as output:
                process = subprocess.Popen(
                    command, cwd=settings.BASE_DIR, env=server_environment(), stdout=output, stderr=subprocess.STDOUT
                )
            started.append((port, process, log))
        deadline = time.monotonic() + timeout
        for port, process, log in started:
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("daphne did not start:\n" + log.read_text(errors="replace")[-3000:])
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


def post_json(port: int, path: str, body: dict, token: str) -> tuple[int, dict]:
    """An API call as the mobile app makes it (blocking; run it in a thread from async code)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "X-Session-Token": token},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())
