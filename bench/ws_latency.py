"""Latency of notifications from commit to receipt, over real WebSockets and the Redis channel layer.

    .venv/bin/python bench/ws_latency.py --clients 1000 --rate 200 --seconds 15

It creates its own SQLite database in a temporary directory (or uses --database-url,
a PostgreSQL database it creates and drops), migrates it, makes one user and one app
session per client, starts daphne on a free local port with the Redis pub/sub layer
(REDIS_URL, default redis://127.0.0.1:6379/0, under a prefix of its own), connects N
real `websockets` clients, one per user, with their app tokens, and then commits
`--rate` notifications a second through `realtime.notify` inside a transaction, round
robin over the users. Latency is from the commit (an on_commit hook registered before
notify's own) to the moment the client has parsed the message. Prints one line:

    clients=... p50_ms=... p99_ms=... msgs_per_s=... lost=...

and details on stderr. Everything it started is stopped and deleted at the end, and the
whole run is bounded by --timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

BASE_DIR = Path(__file__).resolve().parent.parent


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


class Postgres:
    """A throw-away PostgreSQL database named after the one in --database-url."""

    def __init__(self, url: str) -> None:
        parsed = urlparse(url)
        self.name = f"{parsed.path.lstrip('/') or 'sharing'}_bench_{os.getpid()}"
        self.url = urlunparse(parsed._replace(path=f"/{self.name}"))
        self.admin_url = urlunparse(parsed._replace(path="/postgres"))

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql)

    def create(self) -> None:
        self._admin(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def prepare_database(clients: int) -> list[tuple[int, str]]:
    """Migrate, then one verified user and one logged-in session per client; returns (user id, token)."""
    import django
    from django.core.management import call_command

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction

    call_command("migrate", verbosity=0, interactive=False)
    User = get_user_model()
    with transaction.atomic():
        users = User.objects.bulk_create(
            [User(email=f"bench{i}@example.com", password="!unusable") for i in range(clients)]
        )
        if not users or users[0].pk is None:
            users = list(User.objects.order_by("pk"))
        people = []
        for user in users:
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            people.append((user.pk, session.session_key))
    return people


def start_server(port: int, env: dict[str, str], log_path: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "sharing.asgi:application"]
    return subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log_path.open("wb"), stderr=subprocess.STDOUT)


async def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise TimeoutError("the server did not answer")


async def run(args: argparse.Namespace, people: list[tuple[int, str]], port: int) -> str:
    from asgiref.sync import sync_to_async
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from websockets.asyncio.client import connect

    from realtime import notify

    committed: dict[int, float] = {}
    received: dict[int, float] = {}
    sockets = []
    readers = []
    connect_limit = asyncio.Semaphore(100)

    async def reader(ws) -> None:
        async for raw in ws:
            message = json.loads(raw)
            if message.get("type") == "notification":
                seq = message["notification"]["payload"].get("seq")
                if seq is not None and seq not in received:
                    received[seq] = time.perf_counter()

    async def open_client(token: str) -> None:
        async with connect_limit:
            ws = await connect(
                f"ws://127.0.0.1:{port}/ws/notifications/?token={token}",
                open_timeout=30,
                ping_interval=None,
                max_queue=None,
            )
            hello = json.loads(await asyncio.wait_for(ws.recv(), 30))
            assert hello["type"] == "hello", hello
            sockets.append(ws)
            readers.append(asyncio.create_task(reader(ws)))

    started = time.perf_counter()
    await asyncio.gather(*(open_client(token) for _, token in people))
    log(f"connected {len(sockets)} clients in {time.perf_counter() - started:.1f} s")

    def load_users() -> list:
        by_id = {u.pk: u for u in get_user_model().objects.filter(pk__in=[pk for pk, _ in people])}
        return [by_id[pk] for pk, _ in people]

    recipients = await sync_to_async(load_users)()

    def commit_one(seq: int) -> None:
        with transaction.atomic():
            # Registered before notify's own hook, so it runs first: the moment of commit.
            transaction.on_commit(lambda: committed.__setitem__(seq, time.perf_counter()))
            notify([recipients[seq % len(recipients)]], "bench.ping", {"seq": seq})

    total = int(args.rate * args.seconds)
    # Several writer threads, as several server workers would commit in parallel; each
    # keeps its own database connection. thread_sensitive=False gives real threads that
    # still hand group_send back to this event loop (one Redis connection, as in daphne).
    commit = sync_to_async(commit_one, thread_sensitive=False)
    writers = asyncio.Semaphore(args.writers)

    async def fire(seq: int) -> None:
        async with writers:
            await commit(seq)

    start = time.perf_counter()
    pending = []
    for seq in range(total):
        delay = start + seq / args.rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        pending.append(asyncio.create_task(fire(seq)))
    await asyncio.gather(*pending)
    drive_seconds = time.perf_counter() - start
    log(f"committed {total} in {drive_seconds:.2f} s ({total / drive_seconds:.0f}/s, target {args.rate:.0f}/s)")

    deadline = time.perf_counter() + args.drain
    while len(received) < total and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)

    for task in readers:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)

    latencies = [(received[s] - committed[s]) * 1000 for s in received if s in committed]
    lost = total - len(latencies)
    if not latencies:
        return f"clients={len(sockets)} p50_ms=nan p99_ms=nan msgs_per_s=0 lost={lost}"
    first = min(committed.values())
    last = max(received.values())
    return (
        f"clients={len(sockets)} p50_ms={statistics.median(latencies):.1f} "
        f"p99_ms={percentile(latencies, 0.99):.1f} msgs_per_s={len(latencies) / (last - first):.0f} lost={lost}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=200, help="notifications committed per second")
    parser.add_argument("--seconds", type=float, default=10, help="how long to send")
    parser.add_argument("--writers", type=int, default=4, help="threads committing notifications in parallel")
    parser.add_argument("--drain", type=float, default=5, help="seconds to wait for stragglers")
    parser.add_argument("--timeout", type=float, default=300, help="hard limit for the whole run")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    parser.add_argument("--database-url", default="", help="postgres://... to run on PostgreSQL instead of SQLite")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="sharing-ws-bench-"))
    postgres = Postgres(args.database_url) if args.database_url else None
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sharing.settings",
        "DEBUG": "true",
        "SQLITE_PATH": str(workdir / "bench.sqlite3"),
        "DATABASE_URL": postgres.url if postgres else "",
        "REDIS_URL": args.redis_url,
        "CHANNEL_PREFIX": f"bench-{os.getpid()}",
        "LOG_LEVEL": "WARNING",
        "MEDIA_ROOT": str(workdir / "media"),
    }
    os.environ.update(env)
    sys.path.insert(0, str(BASE_DIR))
    server = None
    try:
        if postgres:
            postgres.create()
        people = prepare_database(args.clients)
        port = free_port()
        server = start_server(port, env, workdir / "server.log")

        async def bounded() -> str:
            async with asyncio.timeout(args.timeout):
                await wait_for_port(port, server)
                return await run(args, people, port)

        print(asyncio.run(bounded()), flush=True)
        return 0
    except BaseException as error:
        log(f"benchmark failed: {error!r}")
        server_log = workdir / "server.log"
        if server_log.exists():
            log(server_log.read_text(errors="replace")[-2000:])
        return 1
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        from django.db import connections

        connections.close_all()
        if postgres:
            postgres.drop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
