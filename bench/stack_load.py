"""Whole requests through nginx against `make stack` (scripts/stack.py), per ASGI server and web process count.

    .venv/bin/python bench/stack_load.py --seconds 60 [--servers uvicorn,granian] [--webs 1,2]
        [--listings 1000000] [--step-seconds 5] [--database-url postgres://.../NAME] [--redis-url redis://.../N]

For each server and number of web processes it starts the stack (nginx, N web processes, 1 worker,
the scheduler; production settings) on a scratch PostgreSQL database with the demo data (plus, with
--listings N, N listings from the geo-search bench's generator, clustered in ten cities) and Redis, then:

1. capacity at the latency target (bench/open_loop.py): open-loop Poisson arrivals at a fixed rate,
   --step-seconds per step, the rate doubled then bisected, for the bare Django JSON view (served by
   the same server in the same processes, bench/load_asgi.py) and for the search API: the highest
   rate at which p95 < --p95-ms (50) with 0 errors, for each (a missed step is measured once more
   and counts only if missed twice: the machine is shared); their ratio is the issue's
   (`search_rate / bare_rate`, aim >= 0.5);
2. a bare Channels consumer echoing over --sockets sockets, for --seconds;
3. the mix, --seconds with --clients closed-loop clients: search API 45 %, search page 25 %,
   listing page 20 %, messages 10 % (each message notifies a host; the issue's booking request +
   accept share is not in it: it needs a card from the Stripe harness per booking), while --sockets
   sockets of the hosts wait for notifications.

Prints a line per capacity step (`step=search_api server=uvicorn web=2 rate=... sent=... p50_ms=...
p95_ms=... errors=0 kept=yes`), one per capacity (`capacity=search_api server=uvicorn web=2
rate_per_s=... p50_ms=... p95_ms=... errors=0 p95_target_ms=50`), one per route of the echo and the
mix (`route=search_api server=uvicorn web=2 rps=... p50_ms=... p95_ms=... p99_ms=... errors=0`), a
summary per run (`server=... web=... sockets=... notifications=... lost=0 duplicated=0 errors=0
search_api_ratio=...`, the capacity ratio) and, last, one `best_server=...` line. The client runs on
the same cores as the stack: rates are the whole machine's, comparable within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from open_loop import Step, find_capacity, open_loop  # noqa: E402 (this folder, as the script runs)

APP = "bench.load_asgi:application"
# The web commands compared; each reads $PORT and $WEB_WORKERS as the Procfile's does.
SERVERS = {
    "uvicorn": f"uvicorn {APP} --host 127.0.0.1 --port $PORT --workers ${{WEB_WORKERS:-1}} --lifespan off "
    "--timeout-graceful-shutdown 20 --timeout-keep-alive 75 --no-access-log",
    "gunicorn": f"gunicorn {APP} --worker-class uvicorn.workers.UvicornWorker --bind 127.0.0.1:$PORT "
    "--workers ${WEB_WORKERS:-1} --graceful-timeout 20 --keep-alive 75",
    "granian": f"granian --interface asginl --host 127.0.0.1 --port $PORT --workers ${{WEB_WORKERS:-1}} "
    f"--loop uvloop --http 1 --no-log {APP}",
}
MIX = [("search_api", 45), ("search_page", 25), ("listing_page", 20), ("message_api", 10)]
CITIES = [(48.8566, 2.3522, "Paris"), (52.5200, 13.4050, "Berlin")]
HOSTS, SECRET_KEY = 10, "bench-stack-load-" + "x" * 40


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def two_free_ports() -> int:
    for _ in range(50):
        port = free_port()
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two consecutive free ports")


# --- The scratch database: demo data, a guest writing to hosts, their sessions -----------------------


@dataclass
class World:
    listing_ids: list[int]
    guest_key: str
    threads: list[int]
    host_keys: list[tuple[int, str]]  # (host id, session key)


def holds(database_url: str, listings: int) -> bool:
    """Whether the database is one a previous run left with the demo data and `listings` generated ones."""
    import psycopg

    try:
        with psycopg.connect(database_url) as connection:
            bench = "SELECT id FROM accounts_user WHERE email = 'bench@sharing.test'"
            generated = connection.execute(f"SELECT count(*) FROM listings_listing WHERE owner_id IN ({bench})")
            demo = connection.execute(f"SELECT count(*) FROM listings_listing WHERE owner_id NOT IN ({bench})")
            return generated.fetchone() == (listings,) and demo.fetchone() != (0,)
    except psycopg.Error:
        return False


def prepare_database(database_url: str, redis_url: str, listings: int = 0, reuse: bool = False) -> World:
    import psycopg

    fresh = not (reuse and holds(database_url, listings))
    admin, name = database_url.rsplit("/", 1)
    if fresh:
        with psycopg.connect(f"{admin}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "SECRET_KEY": SECRET_KEY}
    env["DEBUG"] = "true"
    for command in (["migrate", "--noinput", "-v", "0"], ["seed_demo"]) if fresh else ():
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    if not fresh:
        print(f"# reusing {name}: demo data and {listings} generated listings", flush=True)
    os.environ.update({"DATABASE_URL": database_url, "REDIS_URL": redis_url, "SECRET_KEY": SECRET_KEY})
    os.environ["DJANGO_SETTINGS_MODULE"] = "sharing.settings"
    import django

    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model

    from listings.models import Listing
    from realtime import services

    if listings and fresh:
        add_listings(listings)

    def session_key(user) -> str:  # type: ignore[no-untyped-def]
        session = import_module(settings.SESSION_ENGINE).SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        return session.session_key

    users = get_user_model().objects

    def user(email: str, name: str):  # type: ignore[no-untyped-def]
        return users.filter(email=email).first() or users.create_user(email=email, password="x", display_name=name)

    guest = user("load-guest@example.com", "Load Guest")
    hosts = [user(f"load-host-{n}@example.com", f"Host {n}") for n in range(HOSTS)]
    threads = [
        services.ensure_thread(key=f"load:{host.pk}", title="Load", participants=[guest, host]).pk for host in hosts
    ]
    listing_ids = list(Listing.objects.filter(status="active").values_list("id", flat=True)[:200])
    return World(listing_ids, session_key(guest), threads, [(host.pk, session_key(host)) for host in hosts])


def add_listings(n: int) -> None:
    """n more active listings beside the demo's, from the geo-search bench's generator (COPY, then VACUUM ANALYZE)."""
    import geo_search  # this folder, as the script runs
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic():
        geo_search._load(n)
    geo_search.settle(connection)
    print(f"# added {n} listings in {time.perf_counter() - started:.0f} s", flush=True)


def stored_notifications(user_id: int, after: int) -> list[int]:
    from realtime.models import Notification

    return list(
        Notification.objects.filter(recipient_id=user_id, id__gt=after).order_by("id").values_list("id", flat=True)
    )


# --- The stack ---------------------------------------------------------------------------------------


def start_stack(server: str, webs: int, args: argparse.Namespace, run_dir: Path) -> tuple[subprocess.Popen, int]:
    listen, base = free_port(), two_free_ports()
    env = {**os.environ, "SECRET_KEY": SECRET_KEY, "DATABASE_URL": args.database_url, "REDIS_URL": args.redis_url}
    command = [
        *[sys.executable, "scripts/stack.py", "--listen", str(listen), "--web", str(webs), "--workers", "1"],
        *["--web-base-port", str(base), "--run-dir", str(run_dir), "--web-command", SERVERS[server]],
        *["--database-url", args.database_url, "--redis-url", args.redis_url],
    ]
    log = (run_dir.parent / f"{server}-{webs}.log").open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{listen}/readyz", timeout=5) as response:
                if response.status == 200:
                    return process, listen
        except OSError:
            pass
        time.sleep(1)
    stop_stack(process)  # SIGTERM: stack.py stops its processes (a SIGKILL would leave them running)
    raise SystemExit(f"the {server} stack never turned ready; see {log.name} in {run_dir.parent}")


def stop_stack(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()


# --- Load --------------------------------------------------------------------------------------------


@dataclass
class Timings:
    seconds: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[str, int] = field(default_factory=dict)  # what the errors were

    def failed(self, what: str) -> None:
        self.errors += 1
        self.statuses[what] = self.statuses.get(what, 0) + 1


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def line(route: str, server: str, webs: int, timings: Timings, seconds: float) -> str:
    ms = [value * 1000 for value in timings.seconds]
    return (
        f"route={route} server={server} web={webs} rps={len(ms) / seconds:.1f} p50_ms={percentile(ms, 0.5):.1f} "
        f"p95_ms={percentile(ms, 0.95):.1f} p99_ms={percentile(ms, 0.99):.1f} errors={timings.errors}"
        + "".join(f" error_{what}={count}" for what, count in sorted(timings.statuses.items()))
    )


def request_for(route: str, world: World, rng: random.Random) -> tuple[str, str, dict | None]:
    lat, lng, city = rng.choice(CITIES)
    lat, lng = lat + rng.uniform(-0.05, 0.05), lng + rng.uniform(-0.05, 0.05)
    if route == "search_api":
        return "GET", f"/api/v1/listings/search?lat={lat:.5f}&lng={lng:.5f}&radius=10", None
    if route == "search_page":
        return "GET", f"/listings/search/?lat={lat:.5f}&lng={lng:.5f}&q={city}", None
    if route == "listing_page":
        return "GET", f"/listings/{rng.choice(world.listing_ids)}/", None
    if route == "message_api":
        body = {"body": f"Is it free on the {rng.randint(1, 28)}th?"}
        return "POST", f"/api/v1/threads/{rng.choice(world.threads)}/messages", body
    return "GET", "/bench/bare/", None


async def http_clients(
    base: str, routes: list[tuple[str, int]], world: World, clients: int, seconds: float
) -> dict[str, Timings]:
    results: dict[str, Timings] = {route: Timings() for route, _ in routes}
    names, weights = [route for route, _ in routes], [weight for _, weight in routes]
    end = time.monotonic() + seconds

    async def client(number: int) -> None:
        rng = random.Random(number)
        headers = {"X-Session-Token": world.guest_key}
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(base, connector=aiohttp.TCPConnector(limit=1), timeout=timeout) as session:
            while time.monotonic() < end:
                route = rng.choices(names, weights)[0]
                method, path, body = request_for(route, world, rng)
                started = time.perf_counter()
                try:
                    async with session.request(method, path, json=body, headers=headers) as response:
                        await response.read()
                        status = str(response.status)
                except (aiohttp.ClientError, TimeoutError) as error:
                    status = type(error).__name__
                if status.startswith(("2", "3")):
                    results[route].seconds.append(time.perf_counter() - started)
                else:
                    results[route].failed(status)

    await asyncio.gather(*(client(number) for number in range(clients)))
    return results


async def echo_sockets(base: str, sockets: int, seconds: float) -> Timings:
    timings = Timings()
    end = time.monotonic() + seconds
    async with aiohttp.ClientSession(base) as session:

        async def one() -> None:
            try:
                async with session.ws_connect("/ws/bench/echo/") as ws:
                    while time.monotonic() < end:
                        started = time.perf_counter()
                        await ws.send_str("ping")
                        await ws.receive_str(timeout=30)
                        timings.seconds.append(time.perf_counter() - started)
            except (aiohttp.ClientError, TypeError, TimeoutError) as error:
                timings.failed(type(error).__name__)

        await asyncio.gather(*(one() for _ in range(sockets)))
    return timings


@dataclass
class Listener:
    user_id: int
    key: str
    start_id: int = 0
    received: list[int] = field(default_factory=list)
    errors: int = 0


async def listen(session: aiohttp.ClientSession, listener: Listener, ready: asyncio.Event, stop: asyncio.Event) -> None:
    headers = {"Cookie": f"sessionid={listener.key}", "Origin": str(session._base_url)}
    try:
        async with session.ws_connect("/ws/notifications/", headers=headers) as ws:
            async for message in ws:
                data = json.loads(message.data)
                if data["type"] == "hello":
                    listener.start_id = data["last_id"]
                    ready.set()
                elif data["type"] == "notification":
                    listener.received.append(data["notification"]["id"])
                if stop.is_set():
                    break
    except (aiohttp.ClientError, ValueError):
        listener.errors += 1
        ready.set()


async def mix_with_sockets(base: str, world: World, args: argparse.Namespace) -> tuple[dict[str, Timings], dict]:
    listeners = [Listener(*world.host_keys[n % len(world.host_keys)]) for n in range(args.sockets)]
    stop = asyncio.Event()
    async with aiohttp.ClientSession(base) as session:
        readies = [asyncio.Event() for _ in listeners]
        pairs = zip(listeners, readies, strict=True)
        tasks = [asyncio.create_task(listen(session, lst, ev, stop)) for lst, ev in pairs]
        await asyncio.wait_for(asyncio.gather(*(ev.wait() for ev in readies)), 60)
        results = await http_clients(base, MIX, world, args.clients, args.seconds)
        # Then every socket gets up to 30 s to receive what was stored for its host.
        from asgiref.sync import sync_to_async

        deadline = time.monotonic() + 30
        while True:
            stored = {
                lst.user_id: await sync_to_async(stored_notifications)(lst.user_id, lst.start_id) for lst in listeners
            }
            missing = sum(len(set(stored[lst.user_id]) - set(lst.received)) for lst in listeners)
            if missing == 0 or time.monotonic() > deadline:
                break
            await asyncio.sleep(1)
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    summary = {
        "sockets": len(listeners),
        "notifications": sum(len(lst.received) for lst in listeners),
        "lost": missing,
        "duplicated": sum(len(lst.received) - len(set(lst.received)) for lst in listeners),
        "socket_errors": sum(lst.errors for lst in listeners),
    }
    return results, summary


# The capacity runs (bench/open_loop.py): the bare view first, then the search API, as the ratio.
CAPACITY = ("bare_view", "search_api")


async def capacity(base: str, route: str, server: str, webs: int, world: World, args: argparse.Namespace) -> float:
    """The highest open-loop rate at which `route` answers with p95 < --p95-ms and no error; prints each step."""
    headers = {"X-Session-Token": world.guest_key}
    where = f"server={server} web={webs}"

    async def measure(rate: float) -> Step:
        got = await open_loop(
            base, lambda rng: request_for(route, world, rng), rate, args.step_seconds, headers=headers
        )
        await asyncio.sleep(1)  # what a missed step queued drains before the next one
        return got

    def report(step: Step, kept: bool) -> None:
        print(
            f"step={route} {where} rate={step.rate:g} sent={step.sent} p50_ms={step.p50_ms:.1f} "
            f"p95_ms={step.p95_ms:.1f} errors={step.errors} kept={'yes' if kept else 'no'}",
            flush=True,
        )

    # Untimed: the first seconds of a route through a fresh client were slower than any later step.
    await open_loop(base, lambda rng: request_for(route, world, rng), 20, 2, headers=headers)
    rate, best = await find_capacity(measure, p95_target_ms=args.p95_ms, report=report)
    p50, p95 = (best.p50_ms, best.p95_ms) if best else (float("nan"), float("nan"))
    print(
        f"capacity={route} {where} rate_per_s={rate:g} p50_ms={p50:.1f} p95_ms={p95:.1f} errors=0 "
        f"p95_target_ms={args.p95_ms:g}",
        flush=True,
    )
    return rate


def run_one(server: str, webs: int, world: World, args: argparse.Namespace, workdir: Path) -> dict[str, float]:
    process, listen_port = start_stack(server, webs, args, workdir / f"{server}-{webs}")
    base = f"http://127.0.0.1:{listen_port}"
    try:
        # Warm every route once on every process (nginx spreads them).
        asyncio.run(http_clients(base, [(route, 1) for route, _ in [*MIX, ("bare_view", 1)]], world, 2 * webs, 3))
        capacities = {route: asyncio.run(capacity(base, route, server, webs, world, args)) for route in CAPACITY}
        echo = asyncio.run(echo_sockets(base, args.sockets, args.seconds))
        print(line("bare_ws_echo", server, webs, echo, args.seconds), flush=True)
        results, summary = asyncio.run(mix_with_sockets(base, world, args))
    finally:
        stop_stack(process)
    for route, timings in results.items():
        print(line(route, server, webs, timings, args.seconds), flush=True)
    errors = sum(t.errors for t in results.values()) + echo.errors + summary["socket_errors"]
    # The ratio: the search API's highest rate at the latency target over the bare view's.
    bare_rate, search_rate = capacities["bare_view"], capacities["search_api"]
    ratio = search_rate / bare_rate if bare_rate else float("nan")
    total_rps = sum(len(t.seconds) for t in results.values()) / args.seconds
    print(
        f"server={server} web={webs} sockets={summary['sockets']} notifications={summary['notifications']} "
        f"lost={summary['lost']} duplicated={summary['duplicated']} errors={errors} mix_rps={total_rps:.1f} "
        f"search_api_ratio={ratio:.2f}",
        flush=True,
    )
    return {"mix_rps": total_rps, "errors": errors, "lost": summary["lost"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--servers", default="uvicorn,granian", help=f"comma-separated, of {', '.join(SERVERS)}")
    parser.add_argument("--webs", default="1,2", help="web process counts to run")
    parser.add_argument("--clients", type=int, default=16, help="closed-loop clients of the mix")
    parser.add_argument("--step-seconds", type=float, default=5, help="each open-loop step of the capacity runs")
    parser.add_argument("--p95-ms", type=float, default=50, help="the capacity runs' latency target")
    parser.add_argument("--listings", type=int, default=0, help="generated listings added to the demo data")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database a run with the same --listings left (else rebuilt)"
    )
    parser.add_argument("--sockets", type=int, default=50)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/sharing_stack_load")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/2")
    args = parser.parse_args()
    world = prepare_database(args.database_url, args.redis_url, args.listings, args.reuse)
    workdir = Path(tempfile.mkdtemp(prefix="stack-load-"))
    print(f"# logs in {workdir}", flush=True)
    outcome: dict[tuple[str, int], dict[str, float]] = {}
    for server in args.servers.split(","):
        for webs in [int(n) for n in args.webs.split(",")]:
            outcome[(server, webs)] = run_one(server, webs, world, args, workdir)
    top = max(int(n) for n in args.webs.split(","))
    clean = {key: value for key, value in outcome.items() if key[1] == top and not value["errors"]}
    if clean:
        server, _ = max(clean, key=lambda key: clean[key]["mix_rps"])
        rates = " ".join(f"{s}={v['mix_rps']:.1f}" for (s, w), v in outcome.items() if w == top)
        print(f"best_server={server} web={top} mix_rps {rates}")
    from django.db import connections

    connections.close_all()
    return 0 if all(not v["errors"] and not v["lost"] for v in outcome.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
