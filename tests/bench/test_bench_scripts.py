"""Every benchmark still runs and prints its lines (at toy sizes; no timing is asserted here).

The figures themselves come from `make bench`; this only keeps the scripts from
rotting when a migration or an API they use changes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BENCH = Path(settings.BASE_DIR) / "bench"
NUMBER = r"[0-9.]+"


def run(script: str, *args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **(env or {})},
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result.stdout


def test_geo_search_prints_a_line_per_case_and_place_and_the_naive_comparison():
    out = run("geo_search.py", "--listings", "1000", "--db", "sqlite", "--queries", "3")
    for case in ("nearest", "filtered", "cheapest", "cheapest_fx"):
        for place in ("centre", "countryside"):
            pattern = (
                rf"^case={case} place={place} db=sqlite n=1000 p50_ms={NUMBER} p95_ms={NUMBER} rows_p95=\d+"
                rf" rounds_p95_ms={NUMBER}(/{NUMBER}){{4}}$"
            )
            assert re.search(pattern, out, re.MULTILINE), out
    assert re.search(rf"^naive_p50_ms={NUMBER} speedup={NUMBER}$", out, re.MULTILINE), out


def test_geo_search_times_a_baseline_round_by_round_and_prints_the_growth(tmp_path):
    # --keep writes the databases to the temporary folder: a throwaway one here.
    out = run(
        "geo_search.py",
        *("--listings", "2000", "--baseline", "1000", "--db", "sqlite", "--keep", "--queries", "3"),
        *("--cases", "cheapest", "--rounds", "2"),
        env={"TMPDIR": str(tmp_path)},
    )
    for n in (1000, 2000):
        assert re.search(rf"^case=cheapest place=countryside db=sqlite n={n} p50_ms=", out, re.MULTILINE), out
    growth = rf"^case=cheapest place=centre db=sqlite growth_from=1000 growth_to=2000 p95_growth={NUMBER}"
    assert re.search(rf"{growth} rounds_p95_growth={NUMBER}/{NUMBER}$", out, re.MULTILINE), out
    assert {path.name for path in tmp_path.glob("*.sqlite3")} == {
        "geo-bench-keep-1000.sqlite3",
        "geo-bench-keep-2000.sqlite3",
    }


def test_booking_race_confirms_exactly_one_of_the_attempts_on_one_slot():
    out = run("booking_race.py", "--attempts", "6", "--db", "sqlite", "--threads", "3")
    same_slot = re.search(r"^round=same-slot attempts=6 confirmed=(\d+) .*overlaps=(\d+) ", out, re.MULTILINE)
    assert same_slot, out
    assert same_slot.groups() == ("1", "0")
    assert "result=consistent" in out


@pytest.mark.redis_only
def test_ws_latency_delivers_every_notification_to_real_clients():
    out = run("ws_latency.py", "--clients", "5", "--rate", "20", "--seconds", "1", "--redis-url", settings.REDIS_URL)
    line = re.search(
        rf"^clients=5 .*p50_ms={NUMBER} p99_ms={NUMBER} .*msgs_per_s={NUMBER} lost=(\d+)$", out, re.MULTILINE
    )
    assert line, out
    assert line.group(1) == "0"
    # Where the machine's CPU went, per committed notification (the writers' share is in this process here).
    parts = ("per_msg", "writers", "clients", "server", "postgres", "redis")
    assert re.search(" ".join(rf"cpu_ms_{part}={NUMBER}" for part in parts), line.group(0)), out


def test_dispatch_prints_the_time_to_the_first_offer():
    out = run("dispatch.py", "--providers", "200", "--requests", "8", "--db", "sqlite")
    assert re.search(rf"^providers=200 p50_ms={NUMBER} p95_ms={NUMBER}$", out, re.MULTILINE), out


def test_slow_stripe_accepts_every_request_and_calls_stripe_outside_transactions():
    out = run("slow_stripe.py", "--db", "sqlite", "--hosts", "3", "--writers", "2", "--latency-ms", "50")
    pattern = (
        rf"^db=sqlite accepts=3 failed_accepts=0 locked=0 write_p50_ms={NUMBER} write_p99_ms={NUMBER}"
        r" writes=\d+ captured=3 stripe_calls_in_transaction=0 "
        r"reference_write_p50_ms=[0-9.]+ reference_write_p99_ms=[0-9.]+ reference_writes=\d+$"
    )
    assert re.search(pattern, out, re.MULTILINE), out
