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

    clients=... processes=... writers=... cpu_busy_pct=... cpu_ms_per_msg=... cpu_ms_writers=...
    cpu_ms_clients=... cpu_ms_server=... cpu_ms_postgres=... cpu_ms_redis=... p50_ms=... p99_ms=...
    committed_per_s=... msgs_per_s=... lost=...

(cpu_ms_*: the machine's busy CPU per committed notification, and each part's own: the writer
processes, this process, which holds the clients (and the writer when there is one process), the
server, every PostgreSQL backend and Redis; from /proc, so on a quiet machine they add up. On
PostgreSQL, lock_wait_pct=... after cpu_busy_pct: the share of the database's busy backends found
waiting on a lock, sampled every 10 ms while the notifications were written.)

and details on stderr. Everything it started is stopped and deleted at the end, and the
whole run is bounded by --timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
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

from lock_waits import LockWaits  # noqa: E402  (this folder, the script's own)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine so far, from /proc/stat's first line (Linux)."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
    except OSError:
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def process_cpu_seconds(pids: list[int]) -> float:
    """CPU seconds (user + system) the processes have used so far, from /proc/PID/stat (Linux; 0 elsewhere).

    With the CPU of their children that have exited and been waited for: PostgreSQL's postmaster
    thereby counts the backends of connections closed in the meantime.
    """
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                # The command name is in brackets and may hold spaces: the fields after it are fixed.
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return total / os.sysconf("SC_CLK_TCK")


def pids_named(name: str) -> list[int]:
    """The ids of the running processes whose command is `name` (PostgreSQL's backends, redis-server)."""
    pids = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as comm:
                    if comm.read().strip() == name:
                        pids.append(int(entry))
            except OSError:
                continue
    return pids


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


async def run(args: argparse.Namespace, people: list[tuple[int, str]], port: int, server_pid: int) -> str:
    from asgiref.sync import sync_to_async
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidHandshake

    committed: dict[int, float] = {}
    received: dict[int, float] = {}
    sockets = []
    readers = []
    # Handshakes share the server's one database thread: more at once only makes each wait longer.
    connect_limit = asyncio.Semaphore(25)

    async def reader(ws) -> None:
        async for raw in ws:
            message = json.loads(raw)
            if message.get("type") == "notification":
                seq = message["notification"]["payload"].get("seq")
                if seq is not None and seq not in received:
                    received[seq] = time.perf_counter()

    retries = 0

    async def open_client(token: str) -> None:
        nonlocal retries
        async with connect_limit:
            for attempt in range(1, 9):
                try:
                    ws = await connect(
                        f"ws://127.0.0.1:{port}/ws/notifications/?token={token}",
                        open_timeout=30,
                        ping_interval=None,
                        max_queue=None,
                    )
                    break
                except (OSError, TimeoutError, InvalidHandshake):
                    # On a busy machine daphne drops handshakes its app has not accepted within
                    # 5 s (websocket_connect_timeout); a real client reconnects, so does this one.
                    if attempt == 8:
                        raise
                    retries += 1
                    await asyncio.sleep(0.5 * attempt)
            hello = json.loads(await asyncio.wait_for(ws.recv(), 30))
            assert hello["type"] == "hello", hello
            sockets.append(ws)
            readers.append(asyncio.create_task(reader(ws)))

    started = time.perf_counter()
    await asyncio.gather(*(open_client(token) for _, token in people))
    log(f"connected {len(sockets)} clients in {time.perf_counter() - started:.1f} s ({retries} handshakes retried)")

    recipients = await sync_to_async(load_recipients)(people)
    # The 1,000 clients are this process's own heap, alive to the end: a full collection walked them
    # again every few seconds and stopped every client for 150-290 ms, which the latencies counted as
    # the server's. Frozen once connected, as a web process freezes its warm-up (operations.warmup).
    gc.collect()
    gc.freeze()
    total = int(args.rate * args.seconds)

    # How busy the machine was while the notifications were written (when the cores are saturated,
    # more writer processes cannot add, whatever the locks do), and where that CPU went, per
    # committed notification: the writers, the server (daphne), this process (the clients; with one
    # writer process, the writer too), PostgreSQL (every backend, those of other databases too) and
    # Redis. Taken once the writers are ready, so their start-up is not counted.
    def elsewhere() -> dict[str, float]:
        groups = {"server": [server_pid], "postgres": pids_named("postgres"), "redis": pids_named("redis-server")}
        return {part: process_cpu_seconds(pids) for part, pids in groups.items()}

    before: dict[str, float] = {}
    database_url = os.environ.get("DATABASE_URL", "")
    lock_waits = LockWaits(database_url) if database_url.startswith("postgres") else None

    def snapshot() -> None:
        busy, ticks = cpu_ticks()
        before.update(busy=busy, ticks=ticks, wall=time.perf_counter(), clients=time.process_time())
        before.update(elsewhere())
        if lock_waits:
            lock_waits.start()

    writers_cpu = 0.0
    if args.writer_processes == 1:
        snapshot()
        start = time.perf_counter()
        await drive(args, recipients, range(total), start, committed)
    else:
        # Each process commits every K-th notification (its share of the rate) from one shared start.
        children = await asyncio.gather(*(start_writer(args, index) for index in range(args.writer_processes)))
        snapshot()
        start = time.perf_counter() + 0.2
        for child in children:
            child.stdin.write(f"{start}\n".encode())
            await child.stdin.drain()
        for child in children:
            output, _ = await child.communicate()
            if child.returncode != 0:
                raise RuntimeError(f"a writer process exited with {child.returncode}")
            report = json.loads(output.splitlines()[-1])
            committed.update({int(seq): at for seq, at in report["committed"].items()})
            writers_cpu += report["cpu_s"]
    lock_wait_pct = lock_waits.stop() if lock_waits else None
    busy_after, ticks_after = cpu_ticks()
    wall = time.perf_counter() - before["wall"]
    cpu_used = {part: seconds - before[part] for part, seconds in elsewhere().items()}
    cpu_used["clients"] = time.process_time() - before["clients"]
    cpu_used["writers"] = writers_cpu
    busy_fraction = (busy_after - before["busy"]) / max(1, ticks_after - before["ticks"])
    cpu_busy_pct = 100 * busy_fraction
    drive_seconds = max(committed.values(), default=start) - start
    committed_per_s = len(committed) / drive_seconds if drive_seconds > 0 else 0.0
    log(
        f"committed {len(committed)} of {total} in {drive_seconds:.2f} s "
        f"({committed_per_s:.0f}/s, target {args.rate:.0f}/s)"
    )

    deadline = time.perf_counter() + args.drain
    while len(received) < total and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)

    for task in readers:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)

    latencies = [(received[s] - committed[s]) * 1000 for s in received if s in committed]
    lost = total - len(latencies)
    shape = f"clients={len(sockets)} processes={args.writer_processes} writers={args.writers}"
    shape += f" cpu_busy_pct={cpu_busy_pct:.0f}"
    if lock_wait_pct is not None:
        shape += f" lock_wait_pct={lock_wait_pct:.1f}"
    per_message = {part: 1000 * seconds / max(1, len(committed)) for part, seconds in cpu_used.items()}
    machine_ms = busy_fraction * (os.cpu_count() or 1) * wall * 1000
    shape += f" cpu_ms_per_msg={machine_ms / max(1, len(committed)):.2f}"
    shape += "".join(
        f" cpu_ms_{part}={per_message[part]:.2f}" for part in ("writers", "clients", "server", "postgres", "redis")
    )
    if not latencies:
        return f"{shape} p50_ms=nan p99_ms=nan committed_per_s={committed_per_s:.0f} msgs_per_s=0 lost={lost}"
    first = min(committed.values())
    last = max(received.values())
    return (
        f"{shape} p50_ms={statistics.median(latencies):.1f} p99_ms={percentile(latencies, 0.99):.1f} "
        f"committed_per_s={committed_per_s:.0f} msgs_per_s={len(latencies) / (last - first):.0f} lost={lost}"
    )


def load_recipients(people: list[tuple[int, str]] | None = None) -> list:
    """The benchmark's users in id order (the order `people` was made in)."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(email__startswith="bench", email__endswith="@example.com")
    if people is not None:
        users = users.filter(pk__in=[pk for pk, _ in people])
    return list(users.order_by("pk"))


async def drive(
    args: argparse.Namespace, recipients: list, seqs: range, start: float, committed: dict[int, float]
) -> None:
    """Commit notification `seq` at `start + seq / rate` for each of `seqs`, `--writers` at a time."""
    from asgiref.sync import sync_to_async
    from channels.layers import get_channel_layer
    from django.db import transaction

    from realtime import notify

    def commit_one(seq: int) -> None:
        with transaction.atomic():
            # Registered before notify's own hook, so it runs first: the moment of commit.
            transaction.on_commit(lambda: committed.__setitem__(seq, time.perf_counter()))
            notify([recipients[seq % len(recipients)]], "bench.ping", {"seq": seq})

    # Several writer threads, as several server workers would commit in parallel; each
    # keeps its own database connection. thread_sensitive=False gives real threads that
    # still hand group_send back to this event loop (one Redis connection, as in daphne).
    commit = sync_to_async(commit_one, thread_sensitive=False)
    writers = asyncio.Semaphore(args.writers)

    async def fire(seq: int) -> None:
        async with writers:
            await commit(seq)

    # A web process has long had its connection to the channel layer when it notifies; a writer
    # process that just started opens it with its first notification, and the ~0.2 s of notifications
    # queued behind that connection counted as latency. Opened here, before the first one.
    await get_channel_layer().group_send("bench.warm-up", {"type": "bench.nothing"})

    pending = []
    for seq in seqs:
        delay = start + seq / args.rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        pending.append(asyncio.create_task(fire(seq)))
    await asyncio.gather(*pending)


async def start_writer(args: argparse.Namespace, index: int) -> asyncio.subprocess.Process:
    """One more writer process (this script with --writer-child), set up and waiting for the start time."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        str(Path(__file__).resolve()),
        "--writer-child",
        f"{index}/{args.writer_processes}",
        *("--rate", str(args.rate), "--seconds", str(args.seconds), "--writers", str(args.writers)),
        cwd=BASE_DIR,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    ready = await asyncio.wait_for(child.stdout.readline(), 60)
    if ready.strip() != b"ready":
        raise RuntimeError(f"a writer process did not start: {ready!r}")
    return child


def writer_child(args: argparse.Namespace) -> int:
    """The body of one writer process: its share of the notifications, commit times as JSON on stdout.

    Commit times are time.perf_counter() values, which on Linux read the system-wide monotonic
    clock, so the parent can subtract them from its own receive times.
    """
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    index, count = (int(part) for part in args.writer_child.split("/"))
    recipients = load_recipients()
    from operations.warmup import freeze_heap

    freeze_heap()  # as a web process does once warm (settings.WARM_UP), before it writes
    print("ready", flush=True)
    start = float(sys.stdin.readline())
    cpu_began = time.process_time()
    committed: dict[int, float] = {}
    seqs = range(index, int(args.rate * args.seconds), count)
    asyncio.run(drive(args, recipients, seqs, start, committed))
    from django.db import connections

    connections.close_all()
    print(json.dumps({"committed": committed, "cpu_s": time.process_time() - cpu_began}), flush=True)
    return 0


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
    parser.add_argument(
        "--writer-processes",
        type=int,
        default=1,
        help="processes committing notifications (each with --writers threads), as several web processes would",
    )
    parser.add_argument("--writer-child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.writer_child:
        return writer_child(args)

    workdir = Path(tempfile.mkdtemp(prefix="sharing-ws-bench-"))
    postgres = Postgres(args.database_url) if args.database_url else None
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sharing.settings",
        # The production settings (DEBUG off: no query log, no debug cursor), served over plain ws:// here.
        # One quiet run of 2026-12-07 on another machine gave p99 55.6 ms at 200/s with them; six runs
        # alternating DEBUG off and on on the next machine (05:12-05:18 UTC, 1,000 clients, PostgreSQL) gave
        # p99 3.1-4.9 ms either way, so that run was a stall of its machine, not the settings.
        "DEBUG": "false",
        "SECRET_KEY": "ws-bench-throwaway-key-not-used-for-anything-real-0123456789",
        "SECURE_SSL_REDIRECT": "false",
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
                return await run(args, people, port, server.pid)

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
