"""Geo-search over the H3 cell index: nearest first, cheapest first or best rated, with filters.

How a search is answered without reading every listing:
- nearest first: rings of cells grow from the searcher's cell (fine cells
  first, coarser ones when the area is sparse). After each ring, every listing
  not yet read is at least as far as the next ring's lower bound, so once the
  k-th hit is closer than that bound, it is provably the k-th.
- cheapest first: the coarse cells that cover the circle are each scanned in
  price order through the (cell, price) index, and the database merges the
  scans and stops after the page (a UNION ALL under ORDER BY ... LIMIT).
- driving services match when the searcher is inside the driver's own service
  radius: each driver's service disk is covered by coarse cells
  (DriverCoverage), so "who comes to me" is one indexed lookup.
Filters run in SQL; exact distances are computed with numpy, never in a Python
loop over candidate rows.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import sqlite3
import weakref
from dataclasses import dataclass, field
from datetime import datetime

import h3
import numpy as np
import psycopg
from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.errors import DomainError
from listings import geo
from listings.models import ListingKind, ListingStatus

DEFAULT_RADIUS_KM = 10.0
MAX_RADIUS_KM = 100.0
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class SortOrder:
    DISTANCE = "distance"
    PRICE = "price"
    RATING = "rating"
    CHOICES = (DISTANCE, PRICE, RATING)


@dataclass(frozen=True)
class SearchQuery:
    """What a requester asks for; built from a form, the API or a benchmark, and validated here."""

    latitude: float
    longitude: float
    radius_km: float = DEFAULT_RADIUS_KM
    kind: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    guests: int | None = None
    min_price: int | None = None
    max_price: int | None = None
    instant_book: bool = False
    sort: str = SortOrder.DISTANCE
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    def __post_init__(self) -> None:
        if not (-90 <= self.latitude <= 90) or math.isnan(self.latitude):
            raise DomainError("The latitude must be between -90 and 90.", field="latitude")
        if not (-180 <= self.longitude <= 180) or math.isnan(self.longitude):
            raise DomainError("The longitude must be between -180 and 180.", field="longitude")
        if not (0 < self.radius_km <= MAX_RADIUS_KM):
            raise DomainError(f"The radius must be more than 0 and at most {MAX_RADIUS_KM:g} km.", field="radius_km")
        if self.kind not in (None, *ListingKind.values):
            raise DomainError("Choose rooms, cars or drivers (or any).", field="kind")
        if (self.start is None) != (self.end is None):
            raise DomainError("Give both a start and an end, or neither.", field="end" if self.start else "start")
        if self.start is not None and self.end is not None:
            if self.start.tzinfo is None or self.end.tzinfo is None:
                raise DomainError("Dates must include a time zone.", field="start")
            if self.end <= self.start:
                raise DomainError("The end must be after the start.", field="end")
        if self.guests is not None and self.guests < 1:
            raise DomainError("Guests or seats must be at least 1.", field="guests")
        if self.min_price is not None and self.min_price < 0:
            raise DomainError("The minimum price cannot be negative.", field="min_price")
        if self.max_price is not None and self.max_price < 0:
            raise DomainError("The maximum price cannot be negative.", field="max_price")
        if self.min_price is not None and self.max_price is not None and self.max_price < self.min_price:
            raise DomainError("The maximum price is below the minimum price.", field="max_price")
        if self.sort not in SortOrder.CHOICES:
            raise DomainError("Sort by distance, price or rating.", field="sort")
        if self.page < 1:
            raise DomainError("Pages start at 1.", field="page")
        if not (1 <= self.page_size <= MAX_PAGE_SIZE):
            raise DomainError(f"A page holds 1 to {MAX_PAGE_SIZE} results.", field="page_size")

    @property
    def wanted(self) -> int:
        """Hits needed to fill this page and know whether another follows."""
        return self.page * self.page_size + 1


@dataclass(frozen=True)
class SearchHit:
    listing_id: int
    distance_km: float


@dataclass
class SearchResult:
    hits: list[SearchHit]
    page: int
    has_next: bool
    rows_examined: int = 0
    listings: list = field(default_factory=list)


# Columns read for every candidate, all numeric so they land in one numpy array:
# reach = the driver's service radius, or -1 for rooms and cars (their reach is the searcher's radius).
# The service radius is a subquery by primary key, run only for drivers' rows: as a LEFT JOIN,
# PostgreSQL may hash-join a scan of every driver's details when it expects a few hundred rows.
_SERVICE_RADIUS = "COALESCE((SELECT d.service_radius_km FROM listings_driverdetails d WHERE d.listing_id = l.id), 0)"
_COLUMNS = (
    "l.id, l.latitude, l.longitude, l.unit_price, "
    f"CASE WHEN l.kind = 'driver' THEN {_SERVICE_RADIUS} ELSE -1 END, "
    "l.rating_sum, l.rating_count"
)
_FROM = "listings_listing l"
# The same columns for rows known not to be drivers. The reach has the drivers' type: PostgreSQL
# merges the ordered scans of a UNION ALL only when every term has the same column types.
_ROOM_CAR_COLUMNS = (
    "l.id, l.latitude, l.longitude, l.unit_price, CAST(-1 AS double precision), l.rating_sum, l.rating_count"
)
ID, LAT, LNG, PRICE, REACH, RATING_SUM, RATING_COUNT = range(7)


def _filters(query: SearchQuery, kinds: tuple[str, ...], now: datetime) -> tuple[str, list]:
    """WHERE conditions (without cells) and their parameters."""
    sql = ["l.status = %s"]
    params: list = [ListingStatus.ACTIVE]
    sql.append("l.kind IN (" + ", ".join(["%s"] * len(kinds)) + ")")
    params += list(kinds)
    if query.guests is not None:
        sql.append("l.capacity >= %s")
        params.append(query.guests)
    if query.min_price is not None:
        sql.append("l.unit_price >= %s")
        params.append(query.min_price)
    if query.max_price is not None:
        sql.append("l.unit_price <= %s")
        params.append(query.max_price)
    if query.instant_book:
        sql.append("l.instant_book = %s")
        params.append(True)
    if query.start is not None and query.end is not None:
        nights, hours = units_between(query.start, query.end)
        # Whole hours between now and the start: the notice the owner gets.
        notice_hours = max(int((query.start - now).total_seconds() // 3600), -1)
        sql.append(
            "((l.kind = %s AND l.min_units <= %s AND l.max_units >= %s)"
            " OR (l.kind <> %s AND l.min_units <= %s AND l.max_units >= %s))"
        )
        params += [ListingKind.ROOM, nights, nights, ListingKind.ROOM, hours, hours]
        sql.append("l.advance_notice_hours <= %s")
        params.append(notice_hours)
        sql.append(
            "NOT EXISTS (SELECT 1 FROM listings_busyperiod b WHERE b.listing_id = l.id AND b.start < %s AND b.end > %s)"
        )
        params += [query.end, query.start]
    return " AND ".join(sql), params


def units_between(start: datetime, end: datetime) -> tuple[int, int]:
    """(nights, hours) a period counts for: any started night or hour counts whole."""
    seconds = (end - start).total_seconds()
    return math.ceil(seconds / 86400), math.ceil(seconds / 3600)


def _cell_condition(column: str, cells: list[int], params: list) -> str:
    if connection.vendor == "postgresql":
        params.append(cells)
        return f"l.{column} = ANY(%s)"
    params.extend(cells)
    return f"l.{column} IN ({', '.join(['%s'] * len(cells))})"


def _great_circle_km_sql(latitude: str, longitude: str, *, least: str = "least") -> str:
    """SQL for the great-circle km from the point in three parameters (lat, lat, lng) to a row's point.

    Callers scale it to stay on the safe side of the geodesic (see geo: the ratio stays within
    0.994-1.005). `least` is "min" on SQLite.
    """
    return (
        f"2 * 6371.0088 * asin({least}(1.0, sqrt(power(sin(radians({latitude} - %s) / 2), 2)"
        f" + cos(radians({latitude})) * cos(radians(%s)) * power(sin(radians({longitude} - %s) / 2), 2))))"
    )


class _PreparingCursor(psycopg.Cursor):
    """Binds parameters on the server and prepares each statement on first use on its connection."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


def _prepared_cursor():
    connection.ensure_connection()
    cursor = _PreparingCursor(connection.connection)
    # Django's wrappers: database errors as Django's, and the statement logged when queries are (tests count them).
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# The statements this module PREPAREd on each open connection (they live as long as its session).
_PREPARED_ON: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _named(sql: str, params: list, prefix: str) -> tuple[str, dict]:
    """The same SQL with its %s placeholders named prefix0, prefix1... and the parameters by name."""
    names = iter(range(len(params)))
    return re.sub("%s", lambda _: f"%({prefix}{next(names)})s", sql), {
        f"{prefix}{number}": value for number, value in enumerate(params)
    }


def _execute_prepared(cursor, sql: str, params: dict, planner: dict[str, str]) -> None:
    """Run a long statement with named parameters as a PREPAREd statement, planned with `planner` settings.

    psycopg's own preparing converts the statement's text on every run (it caches only short ones:
    a millisecond for a cheapest-first statement of 24 scans) and sends every placeholder as a
    parameter; here each name is one parameter, the text is sent once per connection (PREPARE), and
    each run sends `EXECUTE name(values)` in the same round trip as the settings it is planned with: the plan
    is made at the first run (and again if the table's statistics change), with the settings of that
    moment.
    """
    names = list(dict.fromkeys(_PLACEHOLDER.findall(sql)))
    number = {name: position for position, name in enumerate(names, start=1)}
    text = _PLACEHOLDER.sub(lambda match: f"${number[match.group(1)]}", sql)
    statement = "search_" + hashlib.blake2b(text.encode(), digest_size=10).hexdigest()
    prepared = _PREPARED_ON.setdefault(connection.connection, set())
    if statement not in prepared:
        cursor.execute(f"PREPARE {statement} AS {text}")  # it outlives a rollback: PREPARE is not transactional
        prepared.add(statement)
    execute = f"EXECUTE {statement}(" + ", ".join(f"%({name})s" for name in names) + ")"
    _execute_with_planner(cursor, execute, params, planner)


def _execute_with_planner(cursor, sql: str, params: list | dict, planner: dict[str, str]) -> None:
    """Run one statement with planner settings for it alone, in one round trip; the cursor is left on its rows.

    SET LOCAL lasts until the end of the (implicit) transaction of this multi-statement string; RESET
    covers the case of an outer transaction. Needs Django's default client-side binding (several
    statements in one call).
    """
    sets = [f"SET LOCAL {name} = {value}" for name, value in planner.items()]
    cursor.execute("; ".join([*sets, sql, *(f"RESET {name}" for name in planner)]), params)
    for _ in sets:
        cursor.nextset()


def _fetch(
    sql: str, params: list | dict, width: int = 7, *, planner: dict[str, str] | None = None, prepare: bool = False
) -> np.ndarray:
    """Rows of one search statement as floats.

    On PostgreSQL: `planner` settings change for this statement alone; `prepare` plans the statement
    once per connection and reuses the plan (for statements whose text does not depend on the data:
    cells come as parameters). Statements with named parameters are prepared by `_execute_prepared`
    (with the `planner` settings), others by psycopg. JIT and parallel workers are off for the whole
    session (see POSTGRES_SESSION_OPTIONS in settings).
    """
    postgres = connection.vendor == "postgresql"
    prepared = postgres and prepare and settings.SEARCH_PREPARED_STATEMENTS
    if prepared and isinstance(params, dict):
        with connection.cursor() as cursor:
            _execute_prepared(cursor, sql, params, planner or {})
            rows = cursor.fetchall()
    elif prepared and not planner:
        with _prepared_cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    else:
        with connection.cursor() as cursor:
            if postgres and planner:
                _execute_with_planner(cursor, sql, params, planner)
            else:
                cursor.execute(sql, params)
            rows = cursor.fetchall()
    if not rows:
        return np.empty((0, width))
    return np.array(rows, dtype=np.float64)


def _matches(query: SearchQuery, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mask of rows that match, their distances): rooms and cars within the radius, drivers within their reach."""
    distance = geo.geodesic_km(query.latitude, query.longitude, rows[:, LAT], rows[:, LNG])
    reach = rows[:, REACH]
    limit = np.where(reach < 0, query.radius_km, reach)
    return distance <= limit, distance


def _kinds(query: SearchQuery) -> tuple[str, ...]:
    return (query.kind,) if query.kind else tuple(ListingKind.values)


# (column, resolution, last ring before moving to coarser cells)
_NEAREST_PLAN = (("cell_fine", geo.RES_FINE, 6), ("cell_mid", geo.RES_MID, 4), ("cell_coarse", geo.RES_COARSE, None))


@dataclass(frozen=True)
class _Rings:
    """One resolution's first two reads for nearest-first: the searcher's cell and its neighbours, then ring 2."""

    column: str
    last_ring: int | None
    origin: str
    first: list[str]
    first_bounds: np.ndarray
    second: list[str]
    second_bounds: np.ndarray

    def frontier_after_first(self, radius_km: float) -> float:
        """A lower bound of all the first read left unread (ring 2, and its own cells outside the circle)."""
        outside = self.first_bounds[self.first_bounds > radius_km]
        return min(float(outside.min()) if len(outside) else math.inf, float(self.second_bounds.min()))

    def second_inside(self, radius_km: float) -> list[str]:
        return [cell for cell, bound in zip(self.second, self.second_bounds, strict=True) if bound <= radius_km]


def _rings(query: SearchQuery, level: int) -> _Rings:
    column, resolution, last_ring = _NEAREST_PLAN[level]
    origin = h3.latlng_to_cell(query.latitude, query.longitude, resolution)
    first, second = geo.ring(origin, 0) + geo.ring(origin, 1), geo.ring(origin, 2)
    bounds = geo.lower_bounds_km(query.latitude, query.longitude, first + second)
    return _Rings(column, last_ring, origin, first, bounds[: len(first)], second, bounds[len(first) :])


class _Levels:
    """The rings of each resolution, worked out once per search and only for the resolutions it reaches."""

    def __init__(self, query: SearchQuery) -> None:
        self._query = query
        self._rings: dict[int, _Rings] = {}

    def __getitem__(self, level: int) -> _Rings:
        if level not in self._rings:
            self._rings[level] = _rings(self._query, level)
        return self._rings[level]


# Rows of a prefetched read that are provably nearer than `frontier` and match: rooms and cars whose
# great-circle distance grown by 0.6% (never less than the geodesic, see geo) is below it. Every row
# counted here is one the exact check in Python counts too (drivers, whose reach varies, are not
# counted), so the count can only make the statement read a ring Python did not need, never skip one
# it needs.
_PROVEN_NEAR_PG = (
    "(SELECT count(*) FROM {read} r WHERE NOT r.driver AND 1.006 * "  # noqa: S608 (constants only)
    + _great_circle_km_sql("r.lat", "r.lng")
    + " < %s)"
)
# The reads keep whether a row is a driver; the service radius is looked up once, for the rows returned.
_READ_PG = (
    "{name}(id, lat, lng, price, driver, rating_sum, rating_count) AS MATERIALIZED"
    " (SELECT l.id, l.latitude, l.longitude, l.unit_price, l.kind = 'driver', l.rating_sum, l.rating_count"
    " FROM listings_listing l WHERE {gate} AND l.{column} = ANY(%s) AND {where})"
)
_PREFETCHED_PG = (
    "SELECT u.id, u.lat, u.lng, u.price,"
    " CASE WHEN u.driver THEN COALESCE((SELECT d.service_radius_km FROM listings_driverdetails d"
    " WHERE d.listing_id = u.id), 0) ELSE -1 END, u.rating_sum, u.rating_count, u.tag FROM ({reads}) AS u"
)
_SECOND_READ = 10  # tag offset of a level's second read
_RAN = 20  # tag offset of the marker row saying a level's second read ran


def _prefetch(
    query: SearchQuery, filters: tuple[str, list], levels: _Levels, stats: dict
) -> dict[tuple[int, int], np.ndarray]:
    """PostgreSQL: the reads nearest-first will make at each resolution's first two steps, in one statement.

    Keyed by (level, k): k=1 is the searcher's cell and its neighbours, k=2 the ring after them.
    Nearest-first moves to coarser cells when a first read finds fewer rows than wanted, and reads
    the next ring when the rows read do not prove the k-th hit yet. In the countryside that took up to
    four round trips, each with its own plan. Here every read after the first runs only under the
    same condition (a one-time filter, decided before it reads anything): a coarser level when the
    finer first reads found fewer rows than wanted, a second ring when the first one does not prove
    the k-th hit by the conservative count above. A level whose first read ends the circle is the last.
    Only reads that ran are returned, so the caller reads anything else itself.
    """
    if connection.vendor != "postgresql":
        return {}
    radius, wanted = query.radius_km, query.wanted
    reached = []
    for level in range(len(_NEAREST_PLAN)):
        reached.append(levels[level])
        if reached[-1].last_ring is None or reached[-1].frontier_after_first(radius) > radius:
            break  # the circle ends within these cells: no coarser read follows
    where, where_params = filters
    ctes, params, selects = [], [], []
    for level, rings in enumerate(reached):
        # The first read runs when every finer first read found fewer rows than wanted.
        finer_first_reads = (f"(SELECT count(*) FROM f{finer}) < {wanted}" for finer in range(level))  # noqa: S608
        gate = " AND ".join(["TRUE", *finer_first_reads])
        first = [cell for cell, bound in zip(rings.first, rings.first_bounds, strict=True) if bound <= radius]
        ctes.append(_READ_PG.format(name=f"f{level}", column=rings.column, gate=gate, where=where))
        params += [geo.to_ints(first), *where_params]
        selects.append(f"SELECT f{level}.*, {level} AS tag FROM f{level}")  # noqa: S608
        frontier = rings.frontier_after_first(radius)
        second = rings.second_inside(radius)
        if frontier > radius or not second:
            continue
        go = [gate, f"{_PROVEN_NEAR_PG.format(read=f'f{level}')} < {wanted}"]
        if rings.last_ring is not None:
            # With fewer rows than wanted, nearest-first goes to coarser cells instead of ring 2.
            go.append(f"(SELECT count(*) FROM f{level}) >= {wanted}")  # noqa: S608
        ctes.append(f"g{level} AS MATERIALIZED (SELECT {' AND '.join(go)} AS go)")
        params += [query.latitude, query.latitude, query.longitude, frontier]
        second_gate = f"(SELECT go FROM g{level})"  # noqa: S608
        ctes.append(_READ_PG.format(name=f"s{level}", column=rings.column, gate=second_gate, where=where))
        params += [geo.to_ints(second), *where_params]
        selects.append(f"SELECT s{level}.*, {_SECOND_READ + level} FROM s{level}")  # noqa: S608
        selects.append(f"SELECT 0, 0, 0, 0, FALSE, 0, 0, {_RAN + level} FROM g{level} WHERE go")  # noqa: S608
    if len(selects) < 2:
        return {}  # one read: the loop makes exactly this statement itself
    sql = f"WITH {', '.join(ctes)} {_PREFETCHED_PG.format(reads=' UNION ALL '.join(selects))}"
    rows = _fetch(sql, params, width=8, prepare=True)
    tags = rows[:, 7]
    prefetched: dict[tuple[int, int], np.ndarray] = {}
    for level in range(len(reached)):
        prefetched[(level, 1)] = rows[tags == level][:, :7]
        if (tags == _RAN + level).any():
            prefetched[(level, 2)] = rows[tags == _SECOND_READ + level][:, :7]
        if len(prefetched[(level, 1)]) >= wanted:
            break  # the coarser first reads did not run
    stats["rows"] += sum(len(read) for read in prefetched.values())
    return prefetched


def _nearest(query: SearchQuery, filters: tuple[str, list], stats: dict) -> tuple[bool, np.ndarray]:
    """(proven, hits) with hits as rows of (distance, id, is_driver) sorted nearest first.

    proven=False means the rings reached the edge of the circle first: then the
    hits hold every room and car in it, but drivers from farther away may still
    reach the searcher.
    """
    where, where_params = filters
    wanted = query.wanted
    levels = _Levels(query)
    prefetched = _prefetch(query, filters, levels, stats)
    for level in range(len(_NEAREST_PLAN)):
        rings = levels[level]
        found: list[np.ndarray] = []
        pruned = math.inf  # lower bound of cells left out because they lie wholly outside the radius
        # The searcher's cell and its neighbours first: in a dense centre that settles it in one query.
        to_read, bounds = rings.first, rings.first_bounds
        k = 1
        rows_here = 0
        while True:
            inside = [cell for cell, bound in zip(to_read, bounds, strict=True) if bound <= query.radius_km]
            if len(inside) < len(to_read):
                pruned = min(pruned, float(bounds[bounds > query.radius_km].min()))
            rows = np.empty((0, 7))
            if (level, k) in prefetched:
                rows = prefetched[(level, k)]
            elif inside:
                params: list = []
                cells_sql = _cell_condition(rings.column, geo.to_ints(inside), params)
                params += where_params
                sql = f"SELECT {_COLUMNS} FROM {_FROM} WHERE {cells_sql} AND {where}"  # noqa: S608
                rows = _fetch(sql, params, prepare=True)
                stats["rows"] += len(rows)
            rows_here += len(rows)
            if len(rows):
                mask, distance = _matches(query, rows)
                found.append(np.column_stack([distance[mask], rows[mask, ID], rows[mask, REACH] >= 0]))
            if k == 1:
                next_ring, next_bounds = rings.second, rings.second_bounds
            else:
                next_ring = geo.ring(rings.origin, k + 1)
                next_bounds = geo.lower_bounds_km(query.latitude, query.longitude, next_ring)
            frontier = min(pruned, float(next_bounds.min()))
            hits = np.concatenate(found) if found else np.empty((0, 3))
            hits = hits[np.lexsort((hits[:, 1], hits[:, 0]))]
            if len(hits) >= wanted and hits[wanted - 1, 0] < frontier:
                return True, hits
            if frontier > query.radius_km:
                return False, hits
            # Too sparse for cells this small (fewer candidates than wanted next to the
            # searcher), or enough rings read: start again with cells 49 times larger.
            if rings.last_ring is not None and (k >= rings.last_ring or (k == 1 and rows_here < wanted)):
                break
            to_read, bounds = next_ring, next_bounds
            k += 1
    raise AssertionError("the coarsest resolution always runs until the radius is exhausted")


# A driver reaches the searcher when the geodesic to its base is within its service radius. The
# great-circle distance shrunk by 1% is never more than the geodesic (their ratio stays within
# 0.994-1.005, see geo), so this condition only drops drivers that the exact check would drop too.
# Coverage cells are coarse, so most drivers found through them are too far: the condition reads the
# point and radius copied onto the coverage row (and its index), so a driver too far away is dropped
# without reading its listing.


@functools.cache
def _sqlite_has_math() -> bool:
    """Whether this Python's SQLite was built with its math functions (sin, asin, radians...): most are."""
    try:
        sqlite3.connect(":memory:").execute("SELECT asin(sin(radians(1)))")
    except sqlite3.OperationalError:
        return False
    return True


# Kilometres per degree, at least: of latitude anywhere (110.574 at the equator), and of longitude on
# the parallel of `latitude` (the equatorial radius, 6378.137 km, is the largest a parallel can have).
_KM_PER_DEGREE_OF_LATITUDE = 110.5
_KM_PER_DEGREE_OF_LONGITUDE_AT_EQUATOR = 111.3
# A driver's reach can be as large as this (a database constraint on service_radius_km).
_MAX_REACH_KM = 200.0


def _may_reach(query: SearchQuery) -> tuple[str, list]:
    """SQL on a coverage row `c` keeping drivers that may reach the searcher.

    First a box test in plain arithmetic, rigorous on the ellipsoid: a driver farther north or south
    than its reach, or farther east or west than its reach measured on the parallel nearest the pole
    that a path within the reach can touch, cannot reach. Many of the drivers a coarse cover finds
    fail it (the latitude half alone turned away 56% in a rural cell at a million listings) and
    never reach the great-circle check that follows (a dozen function calls a row).
    """
    pole_side = min(90.0, abs(query.latitude) + _MAX_REACH_KM / _KM_PER_DEGREE_OF_LATITUDE)
    km_per_degree_of_longitude = _KM_PER_DEGREE_OF_LONGITUDE_AT_EQUATOR * math.cos(math.radians(pole_side))
    postgres = connection.vendor == "postgresql"
    least = "least" if postgres else "min"
    box = (
        f"abs(c.latitude - %s) * {_KM_PER_DEGREE_OF_LATITUDE} <= c.reach_km"
        f" AND {least}(abs(c.longitude - %s), 360 - abs(c.longitude - %s)) * %s <= c.reach_km"
    )
    params = [query.latitude, query.longitude, query.longitude, km_per_degree_of_longitude]
    if postgres or _sqlite_has_math():
        great_circle = _great_circle_km_sql("c.latitude", "c.longitude", least=least)
        return f"{box} AND 0.99 * {great_circle} <= c.reach_km", [
            *params,
            query.latitude,
            query.latitude,
            query.longitude,
        ]
    return box, params


def _driver_rows(query: SearchQuery, filters: tuple[str, list], stats: dict) -> np.ndarray:
    """Every driver (passing the filters) whose coverage holds the searcher's cell."""
    where, where_params = filters
    reach, reach_params = _may_reach(query)
    if connection.vendor == "postgresql":
        # ARRAY(...) runs first and feeds the primary-key index; a plain IN (subquery) may be
        # planned as a hash join over a scan of every listing.
        covered = (
            "l.id = ANY(ARRAY(SELECT c.listing_id FROM listings_drivercoverage c"  # noqa: S608
            f" WHERE c.cell = %s AND {reach}))"
        )
    else:
        covered = f"l.id IN (SELECT c.listing_id FROM listings_drivercoverage c WHERE c.cell = %s AND {reach})"  # noqa: S608
    sql = f"SELECT {_COLUMNS} FROM {_FROM} WHERE {covered} AND l.kind = 'driver' AND {where}"  # noqa: S608
    rows = _fetch(sql, [geo.coverage_cell_of(query.latitude, query.longitude), *reach_params, *where_params])
    stats["rows"] += len(rows)
    return rows


def _circle_rows(query: SearchQuery, filters: tuple[str, list], stats: dict) -> np.ndarray:
    """Every matching room/car in the circle, plus every driver whose service disk holds the searcher."""
    where, where_params = filters
    params: list = []
    cells, _ = geo.covering_cells(query.latitude, query.longitude, query.radius_km, geo.RES_COARSE)
    if cells and set(_kinds(query)) - {ListingKind.DRIVER}:
        cells_sql = _cell_condition("cell_coarse", geo.to_ints(cells), params)
        params += where_params
        sql = f"SELECT {_ROOM_CAR_COLUMNS} FROM listings_listing l WHERE {cells_sql} AND l.kind <> 'driver' AND {where}"  # noqa: S608
        rows = _fetch(sql, params)
        stats["rows"] += len(rows)
    else:
        rows = np.empty((0, 7))
    if ListingKind.DRIVER in _kinds(query):
        rows = np.concatenate([rows, _driver_rows(query, filters, stats)])
    return rows


def _by_distance(query: SearchQuery, filters: tuple[str, list], stats: dict) -> np.ndarray:
    proven, hits = _nearest(query, filters, stats)
    if not proven and ListingKind.DRIVER in _kinds(query):
        # Rooms and cars in the circle are all known; drivers come from the coverage lookup, complete.
        drivers = _driver_rows(query, filters, stats)
        mask, distance = _matches(query, drivers)
        hits = np.concatenate(
            [hits[hits[:, 2] == 0], np.column_stack([distance[mask], drivers[mask, ID], np.ones(int(mask.sum()))])]
        )
        hits = hits[np.lexsort((hits[:, 1], hits[:, 0]))]
    return hits[:, :2]


def _by_rating(query: SearchQuery, filters: tuple[str, list], stats: dict) -> np.ndarray:
    rows = _circle_rows(query, filters, stats)
    mask, distance = _matches(query, rows)
    rows, distance = rows[mask], distance[mask]
    with np.errstate(invalid="ignore", divide="ignore"):
        rating = np.where(rows[:, RATING_COUNT] > 0, rows[:, RATING_SUM] / rows[:, RATING_COUNT], -1.0)
    # Best average first; unrated last; then nearer, then older listing.
    order = np.lexsort((rows[:, ID], distance, -rating))
    return np.column_stack([distance[order], rows[order, ID]])


# Rows beyond the page asked of the database: a few may still fail the exact distance check.
_PRICE_TOP_MARGIN = 10
# Scans merged by one statement. SQLite allows 500 terms in a compound SELECT. Each number of scans
# is a statement of its own, compiled (SQLite) or prepared and planned (PostgreSQL) once per
# connection: counts are rounded up to a multiple of _SCANS_STEP with scans of a cell no listing
# is in (H3 cell ids are positive), so that a few statements serve every search.
_SCANS_PER_STATEMENT = 200
_SCANS_STEP = 8
_NO_CELL = -1
_DRIVERS_BY_PRICE_FROM = "listings_drivercoverage c JOIN listings_listing l ON l.id = c.listing_id"
# A driver's row as the coverage index orders it: its price and id from the coverage row.
_DRIVER_BY_PRICE_COLUMNS = (
    f"c.listing_id, l.latitude, l.longitude, c.unit_price, {_SERVICE_RADIUS}, l.rating_sum, l.rating_count"
)
# What PostgreSQL plans the cheapest-first statement with (it is prepared, so planned once). Each scan
# is planned for an average cell, and with the filters the planner often expects fewer rows than the
# page: it would then read and sort whole cells (a dense one holds thousands: 450 ms instead of 1).
# Sorting is never needed there, every scan has an index in price order; the generic plan is the
# same for every search, so making it at once saves five custom plans per connection.
_CHEAPEST_PLANNER = {"enable_sort": "off", "plan_cache_mode": "force_generic_plan"}


@dataclass(frozen=True)
class _PriceScan:
    """One index scan in price order: a coarse cell's rooms and cars (`whole`: wholly inside the circle), or
    the drivers coming here (cell None)."""

    cell: int | None
    whole: bool = False


def _by_price(query: SearchQuery, filters: tuple[str, list], stats: dict) -> np.ndarray:
    """Cheapest first: the database merges per-cell index scans in price order and stops after the page.

    Each coarse cell covering the circle is a scan of the (cell, price, id) index, the drivers coming
    here one of the coverage (cell, price, listing) index. A UNION ALL of those scans under ORDER BY
    price, id LIMIT n is a k-way merge that the database stops after n rows (SQLite merges co-routines,
    PostgreSQL plans a Merge Append): a page reads about n rows and one more per cell, however many
    listings the cells hold. Rows that cannot be in the circle are dropped in the scans; the exact
    check here may still turn a few away from the rim, and when that leaves the page short, the
    statement runs again with a larger n. A large circle's cells are merged by several statements,
    whose pages are merged here; one is run again only while its next row could still enter the page.

    A merge takes a first row from every scan, and a cell that only grazes the circle may hold
    thousands of rows outside it before one inside: its scan would walk them all. So the scans stop
    at a price cap, the page's last price among the cells wholly inside the circle (every row there
    is a hit, so no page needs a dearer row), found by a first merge of those cells in the same
    statement.
    """
    scans: list[_PriceScan] = []
    if set(_kinds(query)) - {ListingKind.DRIVER}:
        cells, _ = geo.covering_cells(query.latitude, query.longitude, query.radius_km, geo.RES_COARSE)
        inside = geo.upper_bounds_km(query.latitude, query.longitude, cells) <= query.radius_km
        scans += [_PriceScan(cell, bool(whole)) for cell, whole in zip(geo.to_ints(cells), inside, strict=True)]
    if ListingKind.DRIVER in _kinds(query):
        scans.append(_PriceScan(None))
    batches = [scans[start : start + _SCANS_PER_STATEMENT] for start in range(0, len(scans), _SCANS_PER_STATEMENT)]
    wanted = query.wanted
    limit = wanted + _PRICE_TOP_MARGIN
    held: dict[int, np.ndarray] = {}
    pending = list(range(len(batches)))
    while True:
        # The key (price, id) that every row a statement did not return lies above; None: it returned all.
        bounds: dict[int, tuple[float, float] | None] = {}
        for index in pending:
            rows = _cheapest_rows(query, filters, batches[index], limit)
            stats["rows"] += len(rows)
            held[index] = rows
            bounds[index] = (rows[-1, PRICE], rows[-1, ID]) if len(rows) == limit else None
        everything = np.concatenate(list(held.values())) if held else np.empty((0, 7))
        mask, distance = _matches(query, everything)
        accepted = everything[mask]
        order = np.lexsort((accepted[:, ID], accepted[:, PRICE]))
        accepted, accepted_distance = accepted[order], distance[mask][order]
        threshold = (
            (accepted[wanted - 1, PRICE], accepted[wanted - 1, ID]) if len(accepted) >= wanted else (math.inf, 0)
        )
        pending = [index for index, bound in bounds.items() if bound is not None and bound < threshold]
        if not pending:
            return np.column_stack([accepted_distance, accepted[:, ID]])
        limit *= 4


def _may_lie_inside(query: SearchQuery) -> tuple[str, list]:
    """SQL keeping the rooms and cars `l` that may lie in the circle (a superset: the exact check follows).

    A great-circle distance shrunk by 0.6% is never more than the geodesic (see geo). A SQLite without
    math functions keeps the circle's latitude band.
    """
    params = [query.latitude, query.latitude, query.longitude, query.radius_km]
    if connection.vendor == "postgresql":
        return f"0.994 * {_great_circle_km_sql('l.latitude', 'l.longitude')} <= %s", params
    if _sqlite_has_math():
        return f"0.994 * {_great_circle_km_sql('l.latitude', 'l.longitude', least='min')} <= %s", params
    margin = query.radius_km / 110.0 + 0.01
    return "l.latitude >= %s AND l.latitude <= %s", [query.latitude - margin, query.latitude + margin]


def _cheapest_rows(query: SearchQuery, filters: tuple[str, list], scans: list[_PriceScan], limit: int) -> np.ndarray:
    """The `limit` cheapest rows (of _COLUMNS) of these cells' rooms and cars and of the drivers coming here.

    One statement, a UNION ALL of one index scan per cell (and the drivers') under ORDER BY price, id
    LIMIT: rows come back in that order. A cell wholly inside the circle needs no distance check.
    The other scans stop at the cap (see _by_price), the `wanted`-th price of the whole cells, when
    they hold that many rows. Parameters are named, so that the scans share theirs.
    """
    postgres = connection.vendor == "postgresql"
    where, params = _named(*filters, "f")
    params["limit"] = limit
    wholes = [scan.cell for scan in scans if scan.whole]
    partials = [scan.cell for scan in scans if scan.cell is not None and not scan.whole]
    capped = bool(wholes)
    wholes += [_NO_CELL] * (-len(wholes) % _SCANS_STEP)
    partials += [_NO_CELL] * (-len(partials) % _SCANS_STEP)
    if postgres:
        # Arrays: the statement's text depends only on how many cells there are.
        params |= {"wholes": wholes, "partials": partials}
        whole_params = [f"(%(wholes)s::bigint[])[{position}]" for position in range(1, len(wholes) + 1)]
        partial_params = [f"(%(partials)s::bigint[])[{position}]" for position in range(1, len(partials) + 1)]
    else:
        params |= {f"w{position}": cell for position, cell in enumerate(wholes)}
        params |= {f"p{position}": cell for position, cell in enumerate(partials)}
        whole_params = [f"%(w{position})s" for position in range(len(wholes))]
        partial_params = [f"%(p{position})s" for position in range(len(partials))]
    rooms_and_cars = f"FROM listings_listing l WHERE l.kind <> 'driver' AND {where} AND l.cell_coarse = "
    selects = [f"SELECT {_ROOM_CAR_COLUMNS} {rooms_and_cars}{cell}" for cell in whole_params]
    cap = ""
    with_cap = ""
    if capped:
        params |= {"skip": query.wanted - 1, "no_cap": _NO_PRICE_CAP}
        cap_scans = [f"SELECT l.unit_price, l.id {rooms_and_cars}{cell}" for cell in whole_params]
        with_cap = f"WITH cap(price, id) AS MATERIALIZED ({_merged(cap_scans, 'LIMIT 1 OFFSET %(skip)s')}) "
        cap = " AND {price} <= COALESCE((SELECT price FROM cap), %(no_cap)s)"
    if partials:
        inside, inside_params = _named(*_may_lie_inside(query), "d")
        params |= inside_params
        selects += [
            f"SELECT {_ROOM_CAR_COLUMNS} {rooms_and_cars}{cell}{cap.format(price='l.unit_price')} AND {inside}"
            for cell in partial_params
        ]
    if any(scan.cell is None for scan in scans):
        reach, reach_params = _named(*_may_reach(query), "r")
        params |= reach_params | {"here": geo.coverage_cell_of(query.latitude, query.longitude)}
        selects.append(
            f"SELECT {_DRIVER_BY_PRICE_COLUMNS} FROM {_DRIVERS_BY_PRICE_FROM}"  # noqa: S608
            f" WHERE c.cell = %(here)s{cap.format(price='c.unit_price')} AND {reach} AND l.kind = 'driver'"
            f" AND {where}"
        )
    sql = with_cap + _merged(selects, "LIMIT %(limit)s", key="4, 1")
    return _fetch(sql, params, prepare=True, planner=_CHEAPEST_PLANNER if postgres else None)


# "No cap": the largest price a listing can have (a 32-bit integer column on PostgreSQL).
_NO_PRICE_CAP = 2**31 - 1


def _merged(selects: list[str], limit: str, key: str = "1, 2") -> str:
    """A UNION ALL of scans under ORDER BY `key` and `limit`, written so that the database merges them.

    PostgreSQL merges subqueries that each come in the order asked (Merge Append); SQLite orders the
    terms of a compound SELECT itself.
    """
    if connection.vendor == "postgresql":
        scans = " UNION ALL ".join(f"({select} ORDER BY {key})" for select in selects)
        return f"SELECT * FROM ({scans}) AS scans ORDER BY {key} {limit}"  # noqa: S608
    return " UNION ALL ".join(selects) + f" ORDER BY {key} {limit}"


def search_listing_hits(query: SearchQuery, *, now: datetime | None = None) -> SearchResult:
    """The page of hits (listing id, exact distance) for the query, without loading the listings."""
    now = now or timezone.now()
    stats = {"rows": 0}
    filters = _filters(query, _kinds(query), now)
    ranked = {SortOrder.DISTANCE: _by_distance, SortOrder.PRICE: _by_price, SortOrder.RATING: _by_rating}[query.sort](
        query, filters, stats
    )
    offset = (query.page - 1) * query.page_size
    page = ranked[offset : offset + query.page_size]
    return SearchResult(
        hits=[SearchHit(listing_id=int(listing_id), distance_km=float(distance)) for distance, listing_id in page],
        page=query.page,
        has_next=len(ranked) > offset + query.page_size,
        rows_examined=stats["rows"],
    )
