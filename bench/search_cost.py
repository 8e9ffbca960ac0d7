"""CPU per request of the search API next to a bare Django view, in one process (issue 17).

    .venv/bin/python bench/search_cost.py [--db sqlite|postgres] [--requests 400] [--profile]

A web process's rate is bounded by the CPU each request costs it in Python: the stack bench
(bench/stack_load.py) measures rates through nginx, this one measures that cost alone, without
the server, the network or the other processes of the machine. On a scratch database holding
`seed_demo`'s listings, with production settings (DEBUG off), it sends whole requests through
Django's handler (every middleware; Django's test client builds the request) and reads the CPU
time of this process (time.process_time: the database server's own time is not in it):

- bare_view: `/bench/bare/` of bench/load_asgi.py, a JSON view with no database and no template;
- search_api: `/api/v1/listings/search` around points near Paris and Berlin, radius 10 km, a page of
  20 (as bench/stack_load.py asks), alternately logged out and with a guest's session token.

The two routes take turns in rounds, so that a slow stretch of a shared machine weighs on both.
Prints `route=... db=... cpu_ms=... wall_ms=...` per route, then `db=... search_api_cpu_ms=...
bare_view_cpu_ms=... cpu_ratio=...` (search over bare) and, when PostgreSQL runs on this machine,
`search_api_db_cpu_ms=...`: its server's CPU per search, which every web process shares. --profile
prints cProfile's top functions of the search requests instead; --kept-rows-ab the searches' CPU with
the rows of their cards kept per process (listings.cards, PostgreSQL) and without, taking turns.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # before this folder: bench/dispatch.py is not the dispatch app

from scratch_db import scratch_database  # noqa: E402

CITIES = [(48.8566, 2.3522), (52.5200, 13.4050)]


def prepare() -> str:
    """Migrate, load the demo data; the session key of a guest (the token header of the API)."""
    import django
    from django.core.management import call_command

    django.setup()
    import bench.load_asgi  # noqa: F401  (the bare view's URL configuration)

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model

    guest = get_user_model().objects.create_user(email="cost-guest@example.com", password="x", display_name="G")
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(guest.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = guest.get_session_auth_hash()
    session.save()
    return session.session_key


def search_paths(count: int) -> list[str]:
    rng = random.Random(17)
    paths = []
    for _ in range(count):
        lat, lng = rng.choice(CITIES)
        lat, lng = lat + rng.uniform(-0.05, 0.05), lng + rng.uniform(-0.05, 0.05)
        paths.append(f"/api/v1/listings/search?lat={lat:.5f}&lng={lng:.5f}&radius=10")
    return paths


def timed(client, paths: list[str], headers: list[dict]) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
    """CPU and wall milliseconds of each request."""
    cpu, wall = [], []
    for path, header in zip(paths, headers, strict=True):
        started_cpu, started = time.process_time(), time.perf_counter()
        response = client.get(path, headers=header)
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
    return cpu, wall


def database_cpu_ms() -> float:
    """CPU milliseconds used so far by this process's PostgreSQL backend (its /proc entry), 0 elsewhere.

    The connection is kept open (CONN_MAX_AGE), so the requests' statements all run in this one backend.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # the database runs on another machine
        return 0.0
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def kept_rows_ab(client, paths: list[str], headers: list[dict], rounds: int) -> None:  # type: ignore[no-untyped-def]
    """The search's CPU (this process's and PostgreSQL's) with the rows kept per process and without.

    In one process, the two taking turns round by round (a round of each per slice of the searches),
    so that a slow stretch of a shared machine weighs on both: separate runs here differ by up to 2x.
    Without: at most 0 rows kept, so every search reads its page's rows in full, as before they were kept.
    """
    from listings import cards

    size = cards.KEPT_CARDS
    figures: dict[str, tuple[list[float], list[float]]] = {"yes": ([], []), "no": ([], [])}
    step = len(paths) // rounds
    for round_ in range(rounds * 2):
        kept = "yes" if round_ % 2 == 0 else "no"
        cards.KEPT_CARDS = size if kept == "yes" else 0
        cards._KEPT.clear()
        part = slice((round_ // 2) * step, (round_ // 2 + 1) * step)
        timed(client, paths[:40], headers[:40])  # the places searched, kept again (or not)
        database_before = database_cpu_ms()
        cpu, _ = timed(client, paths[part], headers[part])
        figures[kept][0].extend(cpu)
        figures[kept][1].append(database_cpu_ms() - database_before)
    cards.KEPT_CARDS = size
    for kept, (cpu, database) in figures.items():
        print(
            f"rows_kept={kept} search_api_cpu_ms={statistics.median(cpu):.2f}"
            f" search_api_db_cpu_ms={sum(database) / len(cpu):.2f}",
            flush=True,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--requests", type=int, default=400, help="requests per route")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions of the searches")
    parser.add_argument(
        "--kept-rows-ab",
        action="store_true",
        help="searches alone, in rounds with the rows kept (listings.cards) and without, taking turns",
    )
    options = parser.parse_args()
    if options.kept_rows_ab and options.db != "postgres":
        parser.error("--kept-rows-ab needs --db postgres: on SQLite every search reads its rows")

    _, cleanup = scratch_database(options.db, options.database_url, prefix="bench-search-cost", conn_max_age=600)
    os.environ.update(DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50), SECURE_SSL_REDIRECT="false")
    os.environ.update(LOG_FORMAT="text", ALLOWED_HOSTS="testserver")
    try:
        guest_key = prepare()
        from django.test import Client

        client = Client()
        paths = search_paths(options.requests)
        headers = [{"X-Session-Token": guest_key} if n % 2 else {} for n in range(options.requests)]
        timed(client, paths[:40], headers[:40])  # warm: first use of every module, cache and statement
        timed(client, ["/bench/bare/"] * 40, [{}] * 40)
        if options.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile(time.process_time)  # CPU, as the figures: not the waits
            profiler.enable()
            timed(client, paths, headers)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(40)
            return 0
        if options.kept_rows_ab:
            kept_rows_ab(client, paths, headers, options.rounds)
            return 0
        figures: dict[str, tuple[list[float], list[float]]] = {"bare_view": ([], []), "search_api": ([], [])}
        database_ms = {"bare_view": 0.0, "search_api": 0.0}
        step = options.requests // options.rounds
        for round_ in range(options.rounds):
            part = slice(round_ * step, (round_ + 1) * step)
            for route in figures:
                routes = paths[part] if route == "search_api" else ["/bench/bare/"] * step
                database_before = database_cpu_ms()
                cpu, wall = timed(client, routes, headers[part] if route == "search_api" else [{}] * step)
                database_ms[route] += database_cpu_ms() - database_before
                figures[route][0].extend(cpu)
                figures[route][1].extend(wall)
        means = {}
        for route, (cpu, wall) in figures.items():
            # The median: a shared machine's other processes only ever add to a request's time.
            means[route] = statistics.median(cpu)
            print(
                f"route={route} db={options.db} n={len(cpu)} cpu_ms={statistics.median(cpu):.2f}"
                f" cpu_mean_ms={statistics.fmean(cpu):.2f} wall_ms={statistics.median(wall):.2f}",
                flush=True,
            )
        # The database server's CPU per search (PostgreSQL on this machine): shared by every web process.
        database = (
            f" search_api_db_cpu_ms={database_ms['search_api'] / len(figures['search_api'][0]):.2f}"
            if database_ms["search_api"] > 0  # 0: SQLite, or PostgreSQL on another machine
            else ""
        )
        print(
            f"db={options.db} search_api_cpu_ms={means['search_api']:.2f} bare_view_cpu_ms={means['bare_view']:.2f}"
            f" cpu_ratio={means['search_api'] / means['bare_view']:.2f}{database}",
            flush=True,
        )
    finally:
        cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
