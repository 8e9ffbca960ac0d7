"""Geo-search benchmark: the real search function over N listings clustered like real cities.

    python bench/geo_search.py --listings 100000 --db sqlite
    python bench/geo_search.py --listings 1000000 --db postgres [--admin-url postgres://postgres@127.0.0.1:5432/postgres]
    python bench/geo_search.py --listings 1000000 --db postgres --keep   # build once, reuse on later runs
    python bench/geo_search.py --listings 1000000 --baseline 100000 --db sqlite --keep   # and the growth
    python bench/geo_search.py --listings 1000000 --baseline 100000 --db postgres --keep --postgis   # vs PostGIS

Size: one command-line program whose parts (loading the rows, the cases, the paired timing and the
report) share the loaded database and its connections; the PostGIS reference is bench/postgis_reference.py.

Builds its own throwaway database (a temp SQLite file, or a `sharing_geo_bench_<pid>`
PostgreSQL database created and dropped here; with --keep, `/tmp/geo-bench-keep-<N>.sqlite3`
or `sharing_geo_bench_keep_<N>`, kept and reused while it holds exactly N listings,
migrated on each run), bulk-loads N listings in ten
cities on four continents (dense centres, sparse suburbs, some countryside),
then times `listings.search.search_listing_hits` (SQL included), in five rounds of
200 searches each (the median round's p50 and p95 are printed, every round's p95 after them), for:
  nearest:  nearest 20 within 10 km
  filtered: the same with dates, kind and a price range
  cheapest: cheapest first within 10 km (rooms: like with like without dates)
  cheapest_fx: the same for a searcher reading JPY with a price range in JPY (listings in 6 currencies)
  area:     a city-sized map view (12 km by 8 km, "search this area"), nearest its centre first
  area_cheapest: the same view, cheapest first
each in a dense centre and in the countryside, and a naive full scan measured
with geopy. With --baseline M, a kept database of M listings is timed too, round by round
with N, and the growth of each p95 from M to N is printed (the median of the rounds' ratios).
Output, one line per case and place (and size), the growth lines, then the naive scan:
  case=nearest place=centre db=sqlite n=100000 p50_ms=... p95_ms=... rows_p95=... rounds_p95_ms=.../.../...
  case=nearest place=centre db=sqlite growth_from=100000 growth_to=1000000 p95_growth=... rounds_p95_growth=...
  naive_p50_ms=... speedup=...
With --postgis (PostgreSQL), PostGIS answers the same queries on the same rows (see postgis_reference:
installed by scripts/ensure_postgis.sh, tables built once in the kept database), nearest-first for
rooms alone is timed too, and after the pass above (ours alone: p95 and growth) a second pass times
each search alternately with PostGIS's (the map views aside); per case, place and size, then the
ratio at each size:
  case=nearest place=centre db=postgres n=1000000 p95_ms=... postgis_p95_ms=... ratio=... agree=200/200
  case=nearest place=centre db=postgres ratio_growth_from=100000 ratio_growth_to=1000000 ratio_from=... ratio_to=...
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import sys
import tempfile
import time
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import postgis_reference  # noqa: E402 (this folder, as the script runs)

CITIES = [
    # name, latitude, longitude, share of the listings
    ("Paris", 48.8566, 2.3522, 0.16),
    ("Berlin", 52.5200, 13.4050, 0.12),
    ("London", 51.5072, -0.1276, 0.14),
    ("New York", 40.7128, -74.0060, 0.16),
    ("San Francisco", 37.7749, -122.4194, 0.08),
    ("Tokyo", 35.6762, 139.6503, 0.12),
    ("Sydney", -33.8688, 151.2093, 0.06),
    ("Sao Paulo", -23.5505, -46.6333, 0.07),
    ("Nairobi", -1.2921, 36.8219, 0.04),
    ("Suva", -18.1248, 178.4501, 0.05),  # near the antimeridian
]
# The cases timed unless --cases names others (rooms alone too with --postgis; see run_cases for each).
DEFAULT_CASES = {"nearest", "filtered", "cheapest", "cheapest_fx", "area", "area_cheapest"}
# The currency listings in each city are priced in (the cities above, in order).
CITY_CURRENCIES = ("EUR", "EUR", "GBP", "USD", "USD", "JPY", "AUD", "BRL", "USD", "AUD")
KIND_SHARES = (("room", 0.5), ("car", 0.35), ("driver", 0.15))
DRIVER_RADII_KM = (5, 10, 15, 20, 30)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def setup_database(kind: str, admin_url: str, keep_n: int | None = None):
    """Point the settings at a fresh database (or the kept one for N listings); return a cleanup function."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "sharing.settings"
    os.environ["REDIS_URL"] = ""
    # DEBUG off: Django would otherwise keep every query's SQL in memory and time it.
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "geo-bench-throwaway-key-not-used-for-anything-real")
    if kind == "sqlite" and keep_n is not None:
        os.environ["DATABASE_URL"] = ""
        os.environ["SQLITE_PATH"] = kept_database(kind, admin_url, keep_n)
        return lambda: None
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix="geo-bench-")
        path = os.path.join(folder, "bench.sqlite3")
        os.environ["DATABASE_URL"] = ""
        os.environ["SQLITE_PATH"] = path

        def cleanup() -> None:
            for suffix in ("", "-wal", "-shm", "-writers.lock"):
                Path(path + suffix).unlink(missing_ok=True)
            os.rmdir(folder)

        return cleanup

    import psycopg

    if keep_n is not None:
        name = kept_database(kind, admin_url, keep_n)
    else:
        name = f"sharing_geo_bench_{os.getpid()}"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = f"{admin_url.rsplit('/', 1)[0]}/{name}"
    os.environ["DB_CONN_MAX_AGE"] = "0"
    if keep_n is not None:
        return lambda: None

    def cleanup() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return cleanup


def kept_database(kind: str, admin_url: str, n: int) -> str:
    """The NAME of the kept database for n listings (created empty on PostgreSQL if missing)."""
    if kind == "sqlite":
        return os.path.join(tempfile.gettempdir(), f"geo-bench-keep-{n}.sqlite3")
    import psycopg

    name = f"sharing_geo_bench_keep_{n}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return name


def generate(n: int, seed: int = 7):
    """Points, kinds and prices for n listings: per city 55% centre (sigma 2 km), 35% suburbs (8 km), 10% country."""
    import numpy as np

    rng = np.random.default_rng(seed)
    shares = np.array([share for *_, share in CITIES])
    city = rng.choice(len(CITIES), size=n, p=shares / shares.sum())
    zone = rng.choice(3, size=n, p=[0.55, 0.35, 0.10])
    bearing = rng.uniform(0, 2 * math.pi, n)
    # Centre and suburbs are 2-D normal clouds (Rayleigh-distributed distances), so density
    # peaks smoothly at the centre; the countryside is spread thinly 20-90 km out.
    rayleigh = np.sqrt(-2 * np.log(1 - rng.random(n)))
    distance_km = np.where(zone == 0, 2 * rayleigh, np.where(zone == 1, 8 * rayleigh, rng.uniform(20, 90, n)))
    lat0 = np.array([CITIES[i][1] for i in city])
    lng0 = np.array([CITIES[i][2] for i in city])
    lat = np.clip(lat0 + distance_km * np.cos(bearing) / 111.0, -89.999, 89.999)
    lng = lng0 + distance_km * np.sin(bearing) / (111.0 * np.cos(np.radians(lat0)))
    lng = (lng + 180) % 360 - 180
    kinds = rng.choice([k for k, _ in KIND_SHARES], size=n, p=[s for _, s in KIND_SHARES])
    price = np.where(kinds == "room", rng.lognormal(np.log(9000), 0.5, n), rng.lognormal(np.log(1800), 0.5, n))
    # Euro cents to each city's currency (minor units) at the shipped rates; the reference price back from them.
    from core.money import currency_exponent
    from core.rates import shipped_rates, to_reference

    rates = shipped_rates()
    per_cent = np.array([float(rates.per_euro[c]) * 10 ** (currency_exponent(c) - 2) for c in CITY_CURRENCIES])
    local = np.maximum(np.round(price * per_cent[city]).astype(np.int64), 100)
    currency = np.array(CITY_CURRENCIES)[city]
    return {
        "currency": currency,
        # As Listing.save sets it (core.rates.to_reference: exact, halves up).
        "reference": [to_reference(a, c, rates) for a, c in zip(local.tolist(), currency.tolist(), strict=True)],
        "lat": lat,
        "lng": lng,
        "kind": kinds,
        "price": local,
        "capacity": rng.integers(1, 7, n),
        "instant": rng.random(n) < 0.4,
        "min_units": rng.integers(1, 4, n),
        "notice": rng.choice([0, 0, 12, 24, 48], size=n),
        "radius": rng.choice(DRIVER_RADII_KM, size=n),
        "busy": rng.random(n) < 0.15,
        "busy_offset_h": rng.integers(0, 24 * 20, n),
        "busy_length_h": rng.integers(4, 24 * 5, n),
    }


def load(n: int) -> None:
    """Bulk-load listings (executemany on SQLite, COPY on PostgreSQL), their driver details, coverage and busy days."""
    from django.db import connection, transaction

    from listings.models import Listing

    existing = Listing.objects.count()
    if existing == n:
        log(f"reusing the {n} listings already loaded")
        settle(connection)  # a migration since the last run may have added an index or rewritten rows
        return
    if existing:
        raise SystemExit(f"the kept database holds {existing} listings, not {n}: drop it and run again")
    with transaction.atomic():
        _load(n)
    settle(connection)


def settle(connection) -> None:
    """Statistics for the planner; on PostgreSQL also the visibility map, as autovacuum keeps it in production.

    Without it an index-only scan (driver coverage, the box indexes of cheapest first) still visits
    the table for every entry of a freshly loaded or rewritten table. Then a CHECKPOINT: the pages the
    load and VACUUM dirtied are written now, not by a checkpoint in the middle of the timing. SQLite
    gets ANALYZE only.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("CHECKPOINT")
        else:
            cursor.execute("ANALYZE")


def _load(n: int) -> None:
    import h3.api.basic_int as h3int
    from django.db import connection

    from accounts.models import User
    from listings import geo

    started = time.perf_counter()
    owner = User.objects.create_user(email="bench@sharing.test", password="bench-only-password")
    data = generate(n)
    lat, lng = data["lat"].tolist(), data["lng"].tolist()
    fine = [h3int.latlng_to_cell(a, b, geo.RES_FINE) for a, b in zip(lat, lng, strict=True)]
    mid = [h3int.cell_to_parent(cell, geo.RES_MID) for cell in fine]
    coarse = [h3int.cell_to_parent(cell, geo.RES_COARSE) for cell in mid]
    log(f"generated {n} listings and their cells in {time.perf_counter() - started:.1f}s")
    now = datetime.now(UTC)
    kinds, prices = data["kind"].tolist(), data["price"].tolist()
    currencies, references = data["currency"].tolist(), data["reference"]
    rows = [
        (
            owner.pk,
            kinds[i],
            "active",
            f"Bench {kinds[i]} {i}",
            "",
            "Bench street",
            "",
            "",
            lat[i],
            lng[i],
            "UTC",
            currencies[i],
            prices[i],
            references[i],
            0,
            int(data["min_units"][i]),
            30 if kinds[i] == "room" else 72,
            int(data["notice"][i]),
            int(data["capacity"][i]),
            bool(data["instant"][i]),
            "moderate",
            0,
            0,
            fine[i],
            mid[i],
            coarse[i],
            now,
            now,
        )
        for i in range(n)
    ]
    columns = (
        "owner_id, kind, status, title, description, address, city, country_code, latitude, longitude, time_zone, "
        "currency, unit_price, reference_price, fee_amount, min_units, max_units, advance_notice_hours, capacity, "
        "instant_book, cancellation_policy, rating_count, rating_sum, cell_fine, cell_mid, cell_coarse, created_at, "
        "updated_at"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY listings_listing ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(
                f"INSERT INTO listings_listing ({columns}) VALUES ({', '.join(['%s'] * 28)})",
                rows,
            )
        # Only the rows just loaded: bench/stack_load.py --listings adds them beside the demo's.
        cursor.execute("SELECT id FROM listings_listing WHERE owner_id = %s ORDER BY id", [owner.pk])
        ids = [row[0] for row in cursor.fetchall()]
    log(f"inserted listings in {time.perf_counter() - started:.1f}s")

    drivers, coverage = [], []
    # A driver's coverage is computed for a slightly larger disk around its res-7 cell's centre, so that
    # drivers in one cell share one computation: still a superset of the exact coverage, as search needs.
    cache: dict[tuple[int, int], list[int]] = {}
    for i in range(n):
        if kinds[i] != "driver":
            continue
        radius = int(data["radius"][i])
        drivers.append((ids[i], "", True, float(radius)))
        cell7 = h3int.cell_to_parent(fine[i], 7)
        key = (cell7, radius)
        if key not in cache:
            centre_lat, centre_lng = h3int.cell_to_latlng(cell7)
            slack = geo._cell_geometry(h3int.int_to_str(cell7))[2]
            cache[key] = geo.driver_coverage_cells(centre_lat, centre_lng, radius + slack)
        coverage += [(ids[i], cell, references[i], lat[i], lng[i], float(radius)) for cell in cache[key]]
    busy = []
    for i in range(n):
        if data["busy"][i]:
            start = now + timedelta(hours=int(data["busy_offset_h"][i]))
            busy.append((ids[i], start, start + timedelta(hours=int(data["busy_length_h"][i])), "booking", "", now))
    with connection.cursor() as cursor:
        tables = [
            ("listings_driverdetails", "listing_id, languages, brings_car, service_radius_km", drivers),
            ("listings_drivercoverage", "listing_id, cell, reference_price, latitude, longitude, reach_km", coverage),
            ("listings_busyperiod", 'listing_id, start, "end", source, note, created_at', busy),
        ]
        for table, table_columns, table_rows in tables:
            if connection.vendor == "postgresql":
                # The details of listings just loaded in this transaction, which no search has read: their
                # rows need no new version (listings migration 0027's triggers would write every driver's
                # listing row again, 15 % of the table to vacuum). Back on in the same transaction.
                user_triggers = table == "listings_driverdetails"
                if user_triggers:
                    cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
                with cursor.cursor.copy(f"COPY {table} ({table_columns}) FROM STDIN") as copy:
                    for row in table_rows:
                        copy.write_row(row)
                if user_triggers:
                    # The foreign keys' deferred checks of the COPY must run before the table can be altered.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            else:
                marks = ", ".join(["%s"] * len(table_rows[0]))
                cursor.executemany(f"INSERT INTO {table} ({table_columns}) VALUES ({marks})", table_rows)
    log(
        f"loaded {len(drivers)} drivers, {len(coverage)} coverage cells, {len(busy)} busy periods;"
        f" total {time.perf_counter() - started:.1f}s"
    )


def places(kind: str, count: int, seed: int):
    """Search points: within 1 km of a city centre, or 40-70 km out in the countryside."""
    import numpy as np

    rng = np.random.default_rng(seed)
    weights = np.array([share for *_, share in CITIES])
    for index in rng.choice(len(CITIES), size=count, p=weights / weights.sum()):
        _, lat0, lng0, _ = CITIES[index]
        distance = rng.uniform(0, 1) if kind == "centre" else rng.uniform(40, 70)
        bearing = rng.uniform(0, 2 * math.pi)
        lat = lat0 + distance * math.cos(bearing) / 111.0
        lng = lng0 + distance * math.sin(bearing) / (111.0 * math.cos(math.radians(lat0)))
        yield lat, (lng + 180) % 360 - 180


# A city-sized map view, width by height: a laptop's map at zoom 12-13.
CITY_VIEW_KM = (12.0, 8.0)


def make_query(lat: float, lng: float, view_km: tuple[float, float] | None = None, **fields):
    """The searched query: 10 km around the point, or (view_km) the map view centred on it."""
    from listings.search import Bounds, SearchQuery

    if view_km is None:
        return SearchQuery(latitude=lat, longitude=lng, radius_km=10, page_size=20, **fields)
    half_height = view_km[1] / 2 / 111.0
    half_width = view_km[0] / 2 / (111.0 * math.cos(math.radians(lat)))
    wrap = lambda value: (value + 180) % 360 - 180  # noqa: E731
    bounds = Bounds(
        south=lat - half_height, west=wrap(lng - half_width), north=lat + half_height, east=wrap(lng + half_width)
    )
    return SearchQuery.in_area(bounds, page_size=20, **fields)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1)]


_CONNECTIONS: dict[str, object] = {}


def use_database(name: str) -> None:
    """Make the default connection one to another database (a SQLite path or a PostgreSQL name).

    Each database keeps its own open connection, so that switching back finds its compiled and
    prepared statements where it left them.
    """
    from django.db import connections
    from django.db.utils import load_backend

    if name not in _CONNECTIONS:
        settings_dict = {**connections.settings["default"], "NAME": name}
        _CONNECTIONS[name] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "default")
    connections["default"] = _CONNECTIONS[name]


def run_cases(
    db: str,
    databases: dict[int, str],
    queries: int,
    only: set[str] | None = None,
    rounds: int = 5,
    references: dict[int, object] | None = None,
    place_names: tuple[str, ...] = ("centre", "countryside"),
    compare_only: bool = False,
) -> dict[int, float]:
    """Time each case and place in `rounds` rounds (all cases, at every size, in each round); print the figures.

    A p95 of a few milliseconds moves 20-30% between runs on a shared 2-core machine, and the machine
    has slow stretches of seconds: a round runs every case, each at every size (`databases`: the
    database for each number of listings) one after the other, so a slow stretch spoils one round
    rather than one size, and the printed p95 is the median round's. With two sizes, the growth of
    each case's p95 is the median of the rounds' ratios, each from two measurements a second apart.
    With `references` (a PostGIS reference per size, see postgis_reference), every search is timed
    alternately with the reference's statement for the same query (which goes first alternates
    too), their pages are compared, and a line per case, place and size gives the reference's p95,
    the ratio of the p95s (the median of the rounds' ratios) and how many pages agreed.
    With `compare_only`, only those comparison lines are printed: main() times our search alone in a
    pass of its own first (its p95 and growth lines), because the reference's statements read
    PostGIS's own tables and index (~300 MB at 1,000,000 listings), which push ours out of
    PostgreSQL's shared buffers between two of our searches at the larger size only.
    Returns the p50 of nearest-first in the centre, per size.
    """
    import statistics

    from listings.search import search_listing_hits

    now = datetime.now(UTC)
    start = (now + timedelta(days=3)).replace(hour=14, minute=0, second=0, microsecond=0)
    cases = {
        "nearest": {},
        "rooms": {"kind": "room"},
        "filtered": {
            "kind": "room",
            "start": start,
            "end": start + timedelta(days=2),
            "min_price": 5000,
            "max_price": 15000,
        },
        "cheapest": {"sort": "price"},
        # Cheapest first for a searcher reading yen, with a price range in yen: the bounds are converted to
        # the reference unit at the current rates (a query of the rates), the order is the reference index's.
        "cheapest_fx": {"sort": "price", "currency": "JPY", "min_price": 3000, "max_price": 40000},
        "area": {"view_km": CITY_VIEW_KM},
        "area_cheapest": {"view_km": CITY_VIEW_KM, "sort": "price"},
    }
    runs = [(case, place) for case in cases if case in (only or DEFAULT_CASES) for place in place_names]
    figures: dict[tuple[int, str, str], list[tuple[float, float, int]]] = {
        (n, case, place): [] for n in databases for case, place in runs
    }
    # Per size, case and place: each round's (reference p95, agreed pages, pages).
    compared: dict[tuple[int, str, str], list[tuple[float, int, int]]] = {key: [] for key in figures}
    for _ in range(rounds):
        for (case, place), (n, name) in itertools.product(runs, databases.items()):
            if len(databases) > 1:
                use_database(name)
            timings, rows, reference_timings, agreed = [], [], [], 0
            # PostGIS's reference statements answer circles: a map view is timed without it.
            reference = references[n] if references and not case.startswith("area") else None
            # A seed of its own per case and place, the same on every run (hash() of a str changes per process).
            points = list(places(place, queries + 10, seed=zlib.crc32(f"{case}-{place}".encode()) % 1000))
            for number, (lat, lng) in enumerate(points):
                query = make_query(lat, lng, **cases[case])
                if reference is not None and number % 2:
                    reference_began = time.perf_counter()
                    expected = reference.search(query, now)
                    reference_elapsed = (time.perf_counter() - reference_began) * 1000
                began = time.perf_counter()
                result = search_listing_hits(query, now=now)
                elapsed = (time.perf_counter() - began) * 1000
                if reference is not None and not number % 2:
                    reference_began = time.perf_counter()
                    expected = reference.search(query, now)
                    reference_elapsed = (time.perf_counter() - reference_began) * 1000
                if number >= 10:  # the first few warm caches, connections and prepared statements
                    timings.append(elapsed)
                    rows.append(result.rows_examined)
                    if reference is not None:
                        reference_timings.append(reference_elapsed)
                        agreed += postgis_reference.agree(result.hits, expected, query.sort)
            figures[n, case, place].append(
                (percentile(timings, 50), percentile(timings, 95), int(percentile(rows, 95)))
            )
            if reference is not None:
                compared[n, case, place].append((percentile(reference_timings, 95), agreed, len(timings)))
    if compare_only:
        print_comparison(db, figures, compared)
        return {}
    centre_p50 = {}
    for (n, case, place), measured in figures.items():
        p50 = statistics.median(p50 for p50, _, _ in measured)
        p95s = [p95 for _, p95, _ in measured]
        if case == "nearest" and place == "centre":
            centre_p50[n] = p50
        print(
            f"case={case} place={place} db={db} n={n} p50_ms={p50:.2f} "
            f"p95_ms={statistics.median(p95s):.2f} rows_p95={max(rows for _, _, rows in measured)} "
            f"rounds_p95_ms={'/'.join(f'{p95:.2f}' for p95 in p95s)}",
            flush=True,
        )
    if references:
        print_comparison(db, figures, compared)
    if len(databases) == 2:
        small, big = sorted(databases)
        for case, place in runs:
            ratios = [
                big_p95 / small_p95
                for (_, small_p95, _), (_, big_p95, _) in zip(
                    figures[small, case, place], figures[big, case, place], strict=True
                )
            ]
            print(
                f"case={case} place={place} db={db} growth_from={small} growth_to={big} "
                f"p95_growth={statistics.median(ratios):.2f} rounds_p95_growth={'/'.join(f'{r:.2f}' for r in ratios)}",
                flush=True,
            )
    return centre_p50


def print_comparison(db: str, figures: dict, compared: dict) -> None:
    """One line per size, case and place: our p95, PostGIS's, their ratio, agreement; then the ratio's growth.

    The ratio is the median of the rounds' ratios (each from searches timed alternately); agreement
    counts the pages of every round (a page that disagrees once is a wrong answer).
    """
    import statistics

    ratios: dict[tuple[int, str, str], float] = {}
    compared = {key: measured for key, measured in compared.items() if measured}
    for (n, case, place), measured in compared.items():
        ours = [p95 for _, p95, _ in figures[n, case, place]]
        ratios[n, case, place] = statistics.median(
            mine / theirs for mine, (theirs, _, _) in zip(ours, measured, strict=True)
        )
        agreed = sum(count for _, count, _ in measured)
        pages = sum(total for _, _, total in measured)
        print(
            f"case={case} place={place} db={db} n={n} p95_ms={statistics.median(ours):.2f} "
            f"postgis_p95_ms={statistics.median(p95 for p95, _, _ in measured):.2f} "
            f"ratio={ratios[n, case, place]:.2f} agree={agreed}/{pages}",
            flush=True,
        )
    sizes = sorted({n for n, _, _ in compared})
    if len(sizes) == 2:
        small, big = sizes
        for _, case, place in sorted(key for key in compared if key[0] == big):
            print(
                f"case={case} place={place} db={db} ratio_growth_from={small} ratio_growth_to={big} "
                f"ratio_from={ratios[small, case, place]:.2f} ratio_to={ratios[big, case, place]:.2f}",
                flush=True,
            )


def naive_scan(n: int) -> float:
    """Read every listing and measure each with geopy: the nearest 20 within 10 km, the slow way."""
    from django.db import connection
    from geopy.distance import geodesic

    timings = []
    # geopy's geodesic costs ~0.1-0.4 ms a point: a few scans are enough to show the ratio.
    for lat, lng in list(places("centre", 3 if n <= 200_000 else 1, seed=99)):
        began = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, latitude, longitude FROM listings_listing WHERE status = 'active'")
            hits = []
            for listing_id, latitude, longitude in cursor.fetchall():
                distance = geodesic((lat, lng), (latitude, longitude)).km
                if distance <= 10:
                    hits.append((distance, listing_id))
        hits.sort()
        timings.append((time.perf_counter() - began) * 1000)
    return percentile(timings, 50)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--queries", type=int, default=200, help="timed searches per case, place and round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of every case; the median round is printed")
    parser.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument(
        "--keep", action="store_true", help="keep the database for N listings and reuse it on the next run"
    )
    parser.add_argument(
        "--baseline",
        type=int,
        help="also time a kept database of this many listings, round by round with N, and print the growth",
    )
    parser.add_argument("--no-naive", action="store_true", help="skip the (slow) naive full scan")
    parser.add_argument(
        "--cases",
        help="comma-separated subset of nearest,rooms,filtered,cheapest,cheapest_fx,area,area_cheapest"
        " (default: all but rooms)",
    )
    parser.add_argument(
        "--places",
        default="centre,countryside",
        help="comma-separated subset of centre,countryside (default: both)",
    )
    parser.add_argument(
        "--postgis",
        action="store_true",
        help="PostgreSQL: time PostGIS on the same rows alongside (installs it, see scripts/ensure_postgis.sh)",
    )
    args = parser.parse_args()
    if args.baseline and not args.keep:
        parser.error("--baseline needs --keep (both databases are kept)")
    if args.postgis and args.db != "postgres":
        parser.error("--postgis needs --db postgres")
    if not set(args.places.split(",")) <= {"centre", "countryside"}:
        parser.error("--places takes centre, countryside or both")

    cleanup = setup_database(args.db, args.admin_url, args.listings if args.keep else None)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        databases = {args.listings: connection.settings_dict["NAME"]}
        if args.baseline:
            databases = {args.baseline: kept_database(args.db, args.admin_url, args.baseline), **databases}
        for n, name in databases.items():
            use_database(name)
            call_command("migrate", verbosity=0)
            load(n)
        references = None
        if args.postgis:
            references = {}
            for n, name in databases.items():
                url = f"{args.admin_url.rsplit('/', 1)[0]}/{name}"
                postgis_reference.prepare(url)
                references[n] = postgis_reference.Reference(url)
        # Rooms alone (the plain nearest-neighbour search) are timed for the PostGIS comparison, or when asked.
        only = set(args.cases.split(",")) if args.cases else DEFAULT_CASES | ({"rooms"} if references else set())
        place_names = tuple(args.places.split(","))
        # Ours alone first (p95 and growth), then alternately with PostGIS (the ratios; see run_cases).
        centre_p50 = run_cases(args.db, databases, args.queries, only, args.rounds, None, place_names)
        # PostGIS's statements answer circles: the map views are not compared.
        compared = {case for case in only if not case.startswith("area")}
        if references and compared:
            run_cases(args.db, databases, args.queries, compared, args.rounds, references, place_names, True)
        if args.no_naive or (only and "nearest" not in only) or "centre" not in place_names:
            return
        # The naive scan takes seconds a search: at the smaller size only.
        smallest = min(databases)
        use_database(databases[smallest])
        naive_p50 = naive_scan(smallest)
        print(f"naive_p50_ms={naive_p50:.1f} speedup={naive_p50 / centre_p50[smallest]:.0f}", flush=True)
    finally:
        cleanup()


if __name__ == "__main__":
    main()
