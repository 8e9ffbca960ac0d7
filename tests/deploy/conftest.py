"""The stack tests book through a real server: they need this worker's localstripe harness.

`stack` is `make stack` itself (scripts/stack.py: nginx, 2 uvicorn web processes, 2 workers, the
scheduler, production settings) on this pass's test database, started once per test module: it
takes a minute to turn ready, and the tests that kill a web process rely on the stack's supervisor
bringing it back for the next test.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from tests.payments.fixtures import WEBHOOK_SECRET, localstripe, stripe_api  # noqa: F401
from tests.support.servers import BASE_DIR, child_environment, free_port


def two_free_ports() -> int:
    """A port such that it and the next one are free (web.1 and web.2)."""
    for _ in range(50):
        port = free_port()
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two consecutive free ports")


def http_status(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:  # 503 not ready yet, or 502 while the web processes start
        return error.code, {}
    except OSError:
        return 0, {}


def readyz(listen: int) -> tuple[int, dict]:
    return http_status(f"http://127.0.0.1:{listen}/readyz")


class Stack:
    """A running `make stack`: nginx's port, the web processes' ports and their current pids."""

    def __init__(self, *, listen: int, web_ports: list[int], run_dir: Path, log: Path, stripe_key: str) -> None:
        self.listen = listen
        self.web_ports = web_ports
        self.run_dir = run_dir
        self.log = log
        self.stripe_key = stripe_key

    def pid(self, name: str) -> int:
        return int((self.run_dir / "pids" / f"{name}.pid").read_text())

    def wait_all_web_answering(self, timeout: float = 180) -> None:
        """Every web process answers /healthz (after a test killed one, the supervisor restarts it)."""
        deadline = time.monotonic() + timeout
        for port in self.web_ports:
            while http_status(f"http://127.0.0.1:{port}/healthz")[0] != 200:
                if time.monotonic() > deadline:
                    pytest.fail(f"web on {port} never came back:\n{self.log.read_text(errors='replace')[-5000:]}")
                time.sleep(0.5)


@pytest.fixture(scope="module")
def running_stack(django_db_setup, localstripe: str, tmp_path_factory) -> Iterator[Stack]:  # noqa: F811
    listen, web = free_port(), two_free_ports()
    stripe_key = "sk_test_" + uuid.uuid4().hex
    tmp_path = tmp_path_factory.mktemp("stack")
    env = child_environment(
        DEBUG="false",
        # The sessions the tests log people in with are signed with their key.
        SECRET_KEY=django_settings.SECRET_KEY,
        STRIPE_API_BASE=localstripe,
        STRIPE_SECRET_KEY=stripe_key,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    log = tmp_path / "stack.log"
    run_dir = tmp_path / "run"
    command = [
        sys.executable,
        "scripts/stack.py",
        "--listen",
        str(listen),
        "--web-base-port",
        str(web),
        "--run-dir",
        str(run_dir),
        "--database-url",
        env["DATABASE_URL"],
        "--redis-url",
        env["REDIS_URL"],
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while (status := readyz(listen))[0] != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the stack never turned ready ({status}):\n{log.read_text(errors='replace')[-5000:]}")
            time.sleep(1)
        yield Stack(listen=listen, web_ports=[web, web + 1], run_dir=run_dir, log=log, stripe_key=stripe_key)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_database_quiet(timeout: float = 90, quiet_for: float = 1.5) -> None:
    """Wait until no other session of the test database is running a statement or holds a transaction.

    After a test, the stack's workers and scheduler are still at work on what the test caused (the
    notifications' mails, a sweep). The test database is then emptied with one TRUNCATE of every table,
    which takes the tables' locks one by one: a worker transaction holding one and waiting for another
    made PostgreSQL end the TRUNCATE as a deadlock ("couldn't be flushed", CI of stop 30).
    """
    deadline = time.monotonic() + timeout
    quiet_since: float | None = None
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND (state <> 'idle' OR xact_start IS NOT NULL)"
            )
            if cursor.fetchone()[0]:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= quiet_for:
                return
            time.sleep(0.1)
    pytest.fail("the stack's processes kept the test database busy for 90 s after the test")


@pytest.fixture
def stack(running_stack: Stack, localstripe: str, settings) -> Iterator[Stack]:  # noqa: F811
    """The module's stack with both web processes up, and this test's Stripe calls in the stack's key space.

    Torn down before the test database is emptied, once the stack has finished what the test started.
    """
    settings.STRIPE_API_BASE = localstripe
    settings.STRIPE_SECRET_KEY = running_stack.stripe_key
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    running_stack.wait_all_web_answering()
    yield running_stack
    wait_database_quiet()
