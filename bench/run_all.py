"""Runs every benchmark on a 2-core machine and prints one table (~6 minutes; ~15 the first time, which
builds and keeps the 100,000- and 1,000,000-listing geo-search databases).

    .venv/bin/python bench/run_all.py            (what `make bench` runs)
    .venv/bin/python bench/run_all.py --quick    (small sizes, a smoke run)

Each benchmark is its own script in this folder, run as a subprocess; its
`key=value` lines are parsed and compared with the targets from the issues.
PostgreSQL and Redis must answer on 127.0.0.1 (the PostgreSQL cases are left
out, with a line saying so, when PostgreSQL does not).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent


@dataclass
class Row:
    metric: str
    value: float | None
    target: str
    passed: bool | None
    digits: int = 1


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def run(script: str, *args: str, timeout: int) -> list[dict[str, str]]:
    """Run one benchmark; return its key=value lines as dicts (echoing its output)."""
    command = [sys.executable, str(BENCH_DIR / script), *args]
    print(f"$ {' '.join(command[1:])}", flush=True)
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
    sys.stdout.write(result.stdout)
    if result.returncode != 0:
        sys.stdout.write(result.stderr[-2000:])
        print(f"  ! {script} exited with {result.returncode}")
    print(f"  ({time.monotonic() - started:.0f} s)", flush=True)
    return [dict(re.findall(r"(\w+)=(\S+)", line)) for line in result.stdout.splitlines() if "=" in line]


def number(line: dict[str, str], key: str) -> float | None:
    try:
        return float(line[key])
    except (KeyError, ValueError):
        return None


def below(value: float | None, limit: float) -> bool | None:
    return None if value is None else value < limit


def geo_rows(db: str, n: int, big_n: int | None) -> list[Row]:
    """Geo-search at n listings (with the naive scan; reference rows) and, when big_n is given, at big_n too.

    The targets are the issue's, at big_n: nearest < 10 ms (PostgreSQL) / < 20 ms (SQLite), a city-sized
    map view < 20 ms (issue 23), the others < 50 ms, and p95 at big_n at most 1.5x p95 at n; on
    PostgreSQL, our p95 over PostGIS's on the same
    rows and points at most 1.0 (issue 25), with every page the same as PostGIS's. Both databases are
    built once and kept (--keep), and timed round by round in one run (--baseline), so that the growth
    compares measurements made seconds apart, not minutes.
    """
    nearest_target = 10 if db == "postgres" else 20
    # On PostgreSQL, PostGIS on the same rows alongside (issue 25): the ratio of the p95s, target <= 1.0.
    postgis = ["--postgis"] if db == "postgres" else []
    if big_n:
        args = ["--listings", str(big_n), "--baseline", str(n), "--db", db, "--keep", *postgis]
        lines = run("geo_search.py", *args, timeout=3600)
    else:
        lines = run("geo_search.py", "--listings", str(n), "--db", db, *postgis, timeout=1800)
    rows = []
    for line in lines:
        if "postgis_p95_ms" in line:
            size, ratio = int(line["n"]), number(line, "ratio")
            label = f"geo {line['case']} {line['place']} {db} n={size} p95 ours/PostGIS"
            if big_n and size != big_n:
                rows.append(Row(label, ratio, "(reference)", None, digits=2))
            else:
                rows.append(Row(label, ratio, "<= 1.0", None if ratio is None else ratio <= 1.0, digits=2))
            agreed, _, pages = line.get("agree", "").partition("/")
            label = f"geo {line['case']} {line['place']} {db} n={size} pages agreeing with PostGIS"
            rows.append(Row(label, float(agreed or 0), f"= {pages}", agreed == pages, digits=0))
        elif "ratio_growth_from" in line:
            label = (
                f"geo {line['case']} {line['place']} {db} ours/PostGIS {line['ratio_growth_from']}->"
                f"{line['ratio_growth_to']} (from {line['ratio_from']})"
            )
            rows.append(Row(label, number(line, "ratio_to"), "(reference)", None, digits=2))
        elif "p95_growth" in line:
            growth = number(line, "p95_growth")
            label = f"geo {line['case']} {line['place']} {db} p95 growth {line['growth_from']}->{line['growth_to']}"
            rows.append(Row(label, growth, "<= 1.5x", None if growth is None else growth <= 1.5))
        elif "case" in line:
            size = int(line["n"])
            label = f"geo {line['case']} {line['place']} {db} n={size} p95_ms"
            p95 = number(line, "p95_ms")
            if big_n and size != big_n:
                rows.append(Row(label, p95, "(reference)", None))
            else:
                # Issue 23: a city-sized map view ("search this area") < 20 ms on both databases.
                target = nearest_target if line["case"] in ("nearest", "rooms") else 50
                target = 20 if line["case"].startswith("area") else target
                rows.append(Row(label, p95, f"< {target}", below(p95, target)))
        elif "speedup" in line:
            rows.append(Row(f"geo naive scan {db} n={n} p50_ms", number(line, "naive_p50_ms"), "(reference)", None))
            rows.append(Row(f"geo speedup over naive {db} n={n}", number(line, "speedup"), "(reference)", None))
    return rows


def race_rows(db: str, attempts: int) -> list[Row]:
    rows = []
    for line in run("booking_race.py", "--attempts", str(attempts), "--db", db, timeout=900):
        if "overlaps" not in line:
            continue
        label = line.get("round", "same-slot")
        overlaps = number(line, "overlaps")
        rows.append(Row(f"booking race {db} {label} overlaps", overlaps, "= 0", overlaps == 0))
        if label == "same-slot":
            confirmed = number(line, "confirmed")
            rows.append(Row(f"booking race {db} {label} confirmed", confirmed, "= 1", confirmed == 1))
        rate = number(line, "bookings_per_second")
        if rate is not None:
            rows.append(Row(f"booking race {db} {label} bookings_per_s", rate, "(reference)", None))
    return rows


def ws_rows(db: str, clients: int, rate: int, seconds: int) -> list[Row]:
    rows = []
    args = ["--clients", str(clients), "--rate", str(rate), "--seconds", str(seconds)]
    if db == "postgres":
        # The script creates a database named after this one and drops it at the end.
        args += ["--database-url", "postgres://postgres@127.0.0.1:5432/sharing_ws"]
    for line in run("ws_latency.py", *args, timeout=900):
        if "p99_ms" not in line:
            continue
        p99 = number(line, "p99_ms")
        lost = number(line, "lost")
        committed = number(line, "committed_per_s")
        label = f"websocket {db} clients={clients}"
        # Issue 17: on PostgreSQL, 200 committed a second at p99 < 50 ms.
        p99_target = 50 if db == "postgres" else 100
        rows.append(Row(f"{label} rate={rate}/s p99_ms", p99, f"< {p99_target}", below(p99, p99_target)))
        rows.append(Row(f"{label} p50_ms", number(line, "p50_ms"), "(reference)", None))
        ok = None if committed is None else committed >= 0.97 * rate
        rows.append(Row(f"{label} committed_per_s", committed, f">= {rate} (3 % slack)", ok))
        rows.append(Row(f"{label} msgs_per_s", number(line, "msgs_per_s"), "(reference)", None))
        rows.append(Row(f"{label} lost", lost, "= 0", lost == 0))
    return rows


def _writer_lines(clients: int, asked: dict[int, int], seconds: int) -> dict[int, dict[str, str]]:
    """ws_latency.py's summary line on PostgreSQL for each writer-process count, asked `asked[count]` a second."""
    lines = {}
    for processes, rate in asked.items():
        args = ["--clients", str(clients), "--rate", str(rate), "--seconds", str(seconds)]
        args += ["--writer-processes", str(processes)]
        args += ["--database-url", "postgres://postgres@127.0.0.1:5432/sharing_ws"]
        for line in run("ws_latency.py", *args, timeout=900):
            if "committed_per_s" in line:
                lines[processes] = line
    return lines


def ws_writer_rows(clients: int, per_process: int, seconds: int) -> list[Row]:
    """Committed notifications a second on PostgreSQL from one writer process and from two, as issue 17 states its aim.

    Each process is asked `per_process` a second (so two are asked twice one's rate), at p99 < 50 ms,
    and two commit about twice what one commits; a platform-wide lock held them to ~60-100/s together.
    """
    rows, rates = [], {}
    for processes, line in _writer_lines(clients, {1: per_process, 2: 2 * per_process}, seconds).items():
        rate = per_process * processes
        rates[processes] = committed = number(line, "committed_per_s")
        label = f"websocket postgres asked {rate}/s writer_processes={processes}"
        lost = number(line, "lost")
        rows.append(Row(f"{label} lost", lost, "= 0", lost == 0))
        p99 = number(line, "p99_ms")
        rows.append(Row(f"{label} p99_ms", p99, "< 50", below(p99, 50)))
        ok = None if committed is None else committed >= 0.97 * rate
        rows.append(Row(f"{label} committed_per_s", committed, f">= {rate} (3 % slack)", ok))
    if rates.get(1) and rates.get(2):
        ratio = rates[2] / rates[1]
        label = f"websocket postgres committed_per_s 2 processes / 1, asked {per_process}/s each"
        rows.append(Row(label, ratio, ">= 1.9 (~2)", ratio >= 1.9))
    return rows


def ws_ceiling_rows(clients: int, rate: int, seconds: int) -> list[Row]:
    """The same, one process and two asked `rate` a second, more than two processes can commit: what the machine allows.

    (At 600/s two writers met the ask, which capped their ratio at 600 / one writer's rate.) With the
    share of busy backends found waiting on a lock, and where the machine's CPU went.
    """
    rows, rates = [], {}
    for processes, line in _writer_lines(clients, {1: rate, 2: rate}, seconds).items():
        rates[processes] = committed = number(line, "committed_per_s")
        label = f"websocket postgres asked {rate}/s writer_processes={processes}"
        lost = number(line, "lost")
        rows.append(Row(f"{label} lost", lost, "= 0", lost == 0))
        rows.append(Row(f"{label} committed_per_s", committed, "(reference)", None))
        rows.append(Row(f"{label} machine cpu_busy_pct", number(line, "cpu_busy_pct"), "(reference)", None))
        # Whether a lock held the writers back: the share of busy backends waiting on one (a
        # platform-wide lock keeps every writer but one waiting; per-person locks almost none).
        waits = number(line, "lock_wait_pct")
        rows.append(Row(f"{label} backends waiting on a lock pct", waits, "< 5", below(waits, 5)))
        # Where the machine's CPU went, per committed notification (ws_latency.py): with the cores
        # full, the rate two processes reach is 2 cores over this sum, whatever the locks do.
        parts = ("writers", "clients", "server", "postgres", "redis")
        split = ", ".join(f"{part} {line.get(f'cpu_ms_{part}', '?')}" for part in parts)
        label = f"{label} machine cpu_ms_per_msg ({split})"
        rows.append(Row(label, number(line, "cpu_ms_per_msg"), "(reference)", None, digits=2))
    if rates.get(1) and rates.get(2):
        # Reference, not pass/fail: on the shared 2-core machine the server, Redis and PostgreSQL
        # compete with the writers for the same cores.
        label = f"websocket postgres committed_per_s 2 processes / 1, asked {rate}/s"
        rows.append(Row(label, rates[2] / rates[1], "~2 (reference: the 2 cores)", None))
    return rows


def dispatch_rows(db: str, providers: int) -> list[Row]:
    rows = []
    for line in run("dispatch.py", "--providers", str(providers), "--db", db, timeout=900):
        if "p95_ms" in line and "providers" in line:
            p95, label = number(line, "p95_ms"), f"dispatch first offer {db} providers={providers}"
            rows.append(Row(f"{label} p95_ms", p95, "< 50", below(p95, 50)))
            rows.append(Row(f"{label} p50_ms", number(line, "p50_ms"), "(reference)", None))
    return rows


def email_rows(db: str, notifications: int) -> list[Row]:
    """Issue 18: a burst delivered to a local SMTP sink by 2 workers; no duplicates, deadline mails within 60 s."""
    rows = []
    args = ["--notifications", str(notifications), "--workers", "2", "--db", db]
    for line in run("email_burst.py", *args, timeout=2400):
        if "mails_per_s" in line:
            label = f"email burst {db} notifications={notifications}"
            duplicates, delay = number(line, "duplicates"), number(line, "deadline_delay_max_s")
            rows.append(Row(f"{label} mails_per_s", number(line, "mails_per_s"), "(reference)", None))
            rows.append(Row(f"{label} seconds", number(line, "seconds"), "(reference)", None))
            rows.append(Row(f"{label} duplicates", duplicates, "0", None if duplicates is None else duplicates == 0))
            rows.append(Row(f"{label} deadline_delay_max_s", delay, "< 60", below(delay, 60)))
    return rows


def slow_stripe_rows(db: str, hosts: int) -> list[Row]:
    """Issue 19: 30 hosts accept while Stripe takes 400 ms per call and others post messages at 20/s."""
    rows = []
    for line in run("slow_stripe.py", "--db", db, "--hosts", str(hosts), timeout=900):
        if "write_p99_ms" not in line:
            continue
        label = f"slow stripe {db} hosts={hosts}"
        failed, locked, p99 = number(line, "failed_accepts"), number(line, "locked"), number(line, "write_p99_ms")
        in_tx = number(line, "stripe_calls_in_transaction")
        rows.append(Row(f"{label} failed_accepts", failed, "= 0", failed == 0))
        rows.append(Row(f"{label} locked", locked, "= 0", locked == 0))
        rows.append(Row(f"{label} stripe_calls_in_transaction", in_tx, "= 0", in_tx == 0))
        rows.append(Row(f"{label} message write_p99_ms", p99, "< 100", below(p99, 100)))
        rows.append(Row(f"{label} message write_p50_ms", number(line, "write_p50_ms"), "(reference)", None))
    return rows


def stack_rows(seconds: int, step_seconds: int) -> list[Row]:
    """Issue 17: whole requests through nginx against `make stack`, 1 then 2 uvicorn web processes.

    Capacity at the latency target (open-loop arrivals, the rate stepped up): the highest rate at which
    the search API answers with p95 < 50 ms and no error, and the same for a bare Django view under the
    same server in the same run; target: the search API's rate at least half the bare view's. Then the
    mix: no errors, no notification lost or duplicated. Demo data (`make bench` stays within time);
    the README says which --listings the published table used.
    """
    rows = []
    args = ["--seconds", str(seconds), "--step-seconds", str(step_seconds), "--servers", "uvicorn", "--webs", "1,2"]
    for line in run("stack_load.py", *args, timeout=2400):
        label = f"stack {line.get('server', '')} web={line.get('web', '')}"
        if "capacity" in line:
            route, rate, p95 = line["capacity"], number(line, "rate_per_s"), number(line, "p95_ms")
            rows.append(Row(f"{label} {route} rate_per_s at p95 < 50 ms", rate, "(reference)", None))
            if route == "search_api":
                kept = None if rate is None else bool(rate) and p95 is not None and p95 < 50
                rows.append(Row(f"{label} search_api p95_ms at that rate", p95, "< 50", kept))
        elif line.get("route") == "bare_ws_echo":
            rows.append(Row(f"{label} bare_ws_echo p95_ms", number(line, "p95_ms"), "(reference)", None))
            rows.append(Row(f"{label} bare_ws_echo rps", number(line, "rps"), "(reference)", None))
        elif "route" in line:
            rows.append(Row(f"{label} mix {line['route']} p95_ms", number(line, "p95_ms"), "(reference)", None))
        elif "search_api_ratio" in line:
            ratio, errors, lost = number(line, "search_api_ratio"), number(line, "errors"), number(line, "lost")
            rows.append(
                Row(
                    f"{label} search_api rate / bare view rate (p95 < 50 ms)",
                    ratio,
                    ">= 0.5",
                    None if ratio is None else ratio >= 0.5,
                    digits=2,
                )
            )
            rows.append(Row(f"{label} mix rps", number(line, "mix_rps"), "(reference)", None))
            rows.append(Row(f"{label} errors", errors, "= 0", errors == 0, digits=0))
            rows.append(Row(f"{label} notifications lost", lost, "= 0", lost == 0, digits=0))
            duplicated = number(line, "duplicated")
            rows.append(Row(f"{label} notifications duplicated", duplicated, "= 0", duplicated == 0, digits=0))
    return rows


def engine_rows(tasks: int) -> list[Row]:
    """Issue 17: the database backend and RQ side by side (reference figures: the choice is written in README)."""
    rows = []
    for line in run("task_engines.py", "--tasks", str(tasks), timeout=1200):
        if "run_per_s" in line:
            label = f"tasks {line['engine']} workers={line['workers']}"
            rows.append(Row(f"{label} run_per_s", number(line, "run_per_s"), "(reference)", None))
            rows.append(Row(f"{label} enqueue_per_s", number(line, "enqueue_per_s"), "(reference)", None))
    return rows


def page_rows(loads: int, requests: int) -> list[Row]:
    """Issue 24: the full load of home, search and listing in Chromium on a phone, p95 < 1 s each, on the demo
    data; the whole request of the search and listing pages beside a bare Django view's (references)."""
    rows = []
    for line in run("page_load.py", "--loads", str(loads), "--requests", str(requests), timeout=1800):
        p95 = number(line, "p95_ms")
        if line.get("kind") == "load":
            label = f"page load (Chromium, phone, cold) {line['page']} sqlite"
            rows.append(Row(f"{label} p95_ms", p95, "< 1000", below(p95, 1000)))
            rows.append(Row(f"{label} transferred_kb", number(line, "transferred_kb"), "(reference)", None, digits=0))
        elif line.get("kind") == "request":
            label = f"page request {line['page'].replace('_', ' ')} sqlite"
            rows.append(Row(f"{label} p95_ms", p95, "(reference)", None))
    return rows


def search_cost_rows(db: str, requests: int) -> list[Row]:
    """Issue 17: CPU per request of the search API in one process beside a bare Django view's, on the demo data.

    A web process's rate is bounded by it (the stack's search API / bare view rate ratio). Target: < 4 ms
    of CPU per search (the model-instance path took ~9 ms on PostgreSQL on a quiet machine, the plain-row
    path of listings/cards.py ~3); the bare view's and the ratio are references.
    """
    rows = []
    for line in run("search_cost.py", "--db", db, "--requests", str(requests), timeout=900):
        if "cpu_ratio" not in line:
            continue
        label = f"search API CPU per request {db}"
        cpu = number(line, "search_api_cpu_ms")
        rows.append(Row(f"{label} cpu_ms", cpu, "< 4", below(cpu, 4), digits=2))
        rows.append(Row(f"{label} bare view cpu_ms", number(line, "bare_view_cpu_ms"), "(reference)", None, digits=2))
        rows.append(Row(f"{label} / bare view's", number(line, "cpu_ratio"), "(reference)", None, digits=2))
        if "search_api_db_cpu_ms" in line:
            database = number(line, "search_api_db_cpu_ms")
            rows.append(Row(f"{label} PostgreSQL's cpu_ms", database, "(reference)", None, digits=2))
    if db == "postgres":
        # The rows of the cards kept per web process (listings.cards) and not, taking turns in one process.
        for line in run("search_cost.py", "--db", db, "--requests", str(requests), "--kept-rows-ab", timeout=900):
            if "rows_kept" not in line:
                continue
            label = f"search API CPU per request {db}, rows kept={line['rows_kept']}"
            for name, part in (("search_api_cpu_ms", "web"), ("search_api_db_cpu_ms", "PostgreSQL's")):
                rows.append(Row(f"{label} {part} cpu_ms", number(line, name), "(reference)", None, digits=2))
    return rows


def print_table(rows: list[Row]) -> None:
    width = max(len(row.metric) for row in rows)
    print()
    print(f"Sharing benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores")
    print(f"{'metric':<{width}}  {'value':>10}  {'target':<12} result")
    for row in rows:
        value = "n/a" if row.value is None else f"{row.value:,.{row.digits}f}"
        verdict = "" if row.passed is None else ("pass" if row.passed else "FAIL")
        print(f"{row.metric:<{width}}  {value:>10}  {row.target:<12} {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run of every benchmark")
    options = parser.parse_args()
    geo_n = 10_000 if options.quick else 100_000
    # The geo-search targets are at 1,000,000 listings (built once, then kept and reused).
    geo_big_n = None if options.quick else 1_000_000
    clients = 100 if options.quick else 1_000

    databases = ["sqlite"] + (["postgres"] if answers(5432) else [])
    if "postgres" not in databases:
        print("PostgreSQL is not answering on 127.0.0.1:5432: PostgreSQL cases left out.")
    rows: list[Row] = []
    for db in databases:
        rows += geo_rows(db, geo_n, geo_big_n)
    for db in databases:
        rows += race_rows(db, 50 if options.quick else 200)
    for db in databases:
        rows += dispatch_rows(db, 1_000 if options.quick else 10_000)
    # SQLite, the demo's database: the pages a phone opens first (issue 24).
    rows += page_rows(5 if options.quick else 20, 10 if options.quick else 50)
    for db in databases:
        rows += search_cost_rows(db, 100 if options.quick else 400)
    # SQLite only: the burst takes ~13 minutes at 10,000 on 2 cores.
    rows += email_rows("sqlite", 500 if options.quick else 10_000)
    for db in databases:
        rows += slow_stripe_rows(db, 10 if options.quick else 30)
    if answers(6379):
        for db in databases:
            rows += ws_rows(db, clients, 200, 5 if options.quick else 15)
        if "postgres" in databases:
            rows += ws_writer_rows(clients, 200, 10 if options.quick else 15)
            rows += ws_ceiling_rows(clients, 1200, 5)
            rows += stack_rows(10 if options.quick else 60, 3 if options.quick else 5)
            rows += engine_rows(200 if options.quick else 1_000)
    else:
        print("Redis is not answering on 127.0.0.1:6379: the WebSocket benchmark was left out.")
    print_table(rows)
    return 1 if any(row.passed is False for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
