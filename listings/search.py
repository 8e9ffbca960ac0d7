"""Geo-search over the H3 cell index: nearest first, cheapest first or best rated, with filters.

How a search is answered without reading every listing:
- nearest first: rings of cells grow from the searcher's cell (fine cells
  first, coarser ones when the area is sparse). After each ring, every listing
  not yet read is at least as far as the next ring's lower bound, so once the
  k-th hit is closer than that bound, it is provably the k-th.
- cheapest first: the coarse cells that cover the circle are read in price
  order, each through the (cell, price) index with a LIMIT, and merged; a cell
  is read further only while its next row could still enter the page.
- driving services match when the searcher is inside the driver's own service
  radius: each driver's service disk is covered by coarse cells
  (DriverCoverage), so "who comes to me" is one indexed lookup.
Filters run in SQL; exact distances are computed with numpy, never in a Python
loop over candidate rows.
"""

from __future__ import annotations

import functools
import math
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime

import h3
import numpy as np
import psycopg
from django.conf import settings
from django.db import connection
from django.utils import timezone

from listings import geo
from listings.models import ListingKind, ListingStatus
from sharing.errors import DomainError

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
# The same columns for rows known not to be drivers.
_ROOM_CAR_COLUMNS = "l.id, l.latitude, l.longitude, l.unit_price, -1, l.rating_sum, l.rating_count"
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


def _fetch(
    sql: str, params: list, width: int = 7, *, planner: dict[str, str] | None = None, prepare: bool = False
) -> np.ndarray:
    """Rows of one search statement as floats.

    On PostgreSQL: `planner` settings change for this statement alone; `prepare` plans the statement
    once per connection and reuses the plan (for statements whose text does not depend on the data:
    cells come as one array parameter). JIT and parallel workers are off for the whole session (see
    POSTGRES_SESSION_OPTIONS in settings): a prepared statement cannot change them for itself.
    """
    postgres = connection.vendor == "postgresql"
    if postgres and prepare and settings.SEARCH_PREPARED_STATEMENTS and not planner:
        with _prepared_cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    else:
        with connection.cursor() as cursor:
            if postgres and planner:
                # SET LOCAL lasts until the end of the (implicit) transaction of this multi-statement
                # string; RESET covers the case of an outer transaction. Needs Django's default
                # client-side binding (several statements in one call).
                sets = "".join(f"SET LOCAL {name} = {value}; " for name, value in planner.items())
                resets = "".join(f"; RESET {name}" for name in planner)
                cursor.execute(f"{sets}{sql}{resets}", params)
                for _ in planner:
                    cursor.nextset()
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


def _may_reach(query: SearchQuery) -> tuple[str, list]:
    """SQL on a coverage row `c` keeping drivers that may reach the searcher (all, on a SQLite without math)."""
    params = [query.latitude, query.latitude, query.longitude]
    if connection.vendor == "postgresql":
        return f"0.99 * {_great_circle_km_sql('c.latitude', 'c.longitude')} <= c.reach_km", params
    if _sqlite_has_math():
        return f"0.99 * {_great_circle_km_sql('c.latitude', 'c.longitude', least='min')} <= c.reach_km", params
    return "1 = 1", []


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


_SOURCES_PER_QUERY = 200


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


@dataclass(frozen=True)
class _PriceSource:
    """Rows that come out of one index in price order: a coarse cell's rooms and cars, or the drivers coming here.

    A cell only partly inside the circle is `partial`: its rows outside the circle's latitude band are left out.
    """

    cell: int | None  # None: the driver coverage lookup
    partial: bool = False


SRC = 7  # the column of a price-ordered row that names its source


def _by_price(query: SearchQuery, filters: tuple[str, list], stats: dict) -> np.ndarray:
    """Cheapest first: merge per-cell price-ordered index scans, reading a cell further only while it could matter.

    Each read returns, for the sources still pending, their first `limit` rows in price order, cut
    to the `top` cheapest of them all, and how many rows each source had before the cut. What each
    source holds is then a prefix of its price order, and the next row it has not returned is known
    to lie above a bound: above its last row if it filled its limit, above the cut if the cut took
    some of its rows. A source is read again only while that bound is below the page's last row.
    """
    cells, _ = geo.covering_cells(query.latitude, query.longitude, query.radius_km, geo.RES_COARSE)
    wanted = query.wanted
    sources: list[_PriceSource] = []
    if set(_kinds(query)) - {ListingKind.DRIVER}:
        inside = geo.upper_bounds_km(query.latitude, query.longitude, cells) <= query.radius_km
        for cell, whole in zip(geo.to_ints(cells), inside, strict=True):
            sources.append(_PriceSource(cell, partial=not whole))
    if ListingKind.DRIVER in _kinds(query):
        sources.append(_PriceSource(None))
    read = _read_price_sources_pg if connection.vendor == "postgresql" else _read_price_sources
    limit, top = wanted, wanted + _PRICE_TOP_MARGIN
    held: dict[int, np.ndarray] = {}
    pending = list(range(len(sources)))
    while True:
        block, reads = read(query, filters, sources, pending, limit, top)
        stats["rows"] += sum(read.found for read in reads.values())
        cut = None
        if len(block) < sum(read.kept for read in reads.values()):
            last = block[np.lexsort((block[:, ID], block[:, PRICE]))[-1]]
            cut = (last[PRICE], last[ID])
        for index in pending:
            held[index] = block[block[:, SRC] == index]
        everything = np.concatenate(list(held.values())) if held else np.empty((0, 8))
        mask, distance = _matches(query, everything)
        accepted = everything[mask]
        order = np.lexsort((accepted[:, ID], accepted[:, PRICE]))
        accepted, accepted_distance = accepted[order], distance[mask][order]
        threshold = (
            (accepted[wanted - 1, PRICE], accepted[wanted - 1, ID]) if len(accepted) >= wanted else (math.inf, 0)
        )
        still_pending = []
        for index in pending:
            read_here = reads.get(index, _SourceRead(0, 0, None))
            if len(held[index]) < read_here.kept:
                bound = cut  # the cut took some of its rows: its next row is above the cut
            elif read_here.found >= limit:
                bound = read_here.last  # it filled its limit: its next row is above its last
            else:
                continue  # every row it has is held
            if bound < threshold:
                still_pending.append(index)
        if not still_pending:
            return np.column_stack([accepted_distance, accepted[:, ID]])
        pending = still_pending
        limit, top = limit * 4, top * 4


@dataclass(frozen=True)
class _SourceRead:
    """What one read found in one source: rows (in its first `limit`), rows kept for the cut, the last row's key."""

    found: int
    kept: int
    last: tuple[float, float] | None


# Rows beyond the page kept by a read: a few may still fail the exact distance check.
_PRICE_TOP_MARGIN = 10
_DRIVERS_BY_PRICE_FROM = "listings_drivercoverage c JOIN listings_listing l ON l.id = c.listing_id"


def _read_price_sources(
    query: SearchQuery, filters: tuple[str, list], sources: list[_PriceSource], pending: list[int], limit: int, top: int
) -> tuple[np.ndarray, dict[int, _SourceRead]]:
    """The first `limit` rows of each pending source in price order (rows of _COLUMNS plus the source), and reads.

    One compound SELECT of per-source index scans (SQLite allows 500 terms: batches of 200); no cut
    to the `top` rows: SQLite reads in-process, moving rows costs little.
    """
    where, where_params = filters
    lat_margin = query.radius_km / 110.0 + 0.01
    blocks = []
    for batch_start in range(0, len(pending), _SOURCES_PER_QUERY):
        parts, params = [], []
        for index in pending[batch_start : batch_start + _SOURCES_PER_QUERY]:
            source = sources[index]
            if source.cell is None:
                columns, source_from, order = _COLUMNS, _DRIVERS_BY_PRICE_FROM, "c.unit_price, c.listing_id"
                reach, reach_params = _may_reach(query)
                condition = f"c.cell = %s AND {reach} AND l.kind = 'driver'"
                params += [geo.coverage_cell_of(query.latitude, query.longitude), *reach_params]
            else:
                columns, source_from, order = _ROOM_CAR_COLUMNS, "listings_listing l", "l.unit_price, l.id"
                # A cell wholly inside the circle needs no band: its index scan in price order then stops
                # after a page (the planner otherwise may read the whole cell to sort it).
                condition = "l.cell_coarse = %s AND l.kind <> 'driver'"
                params.append(source.cell)
                if source.partial:
                    condition += " AND l.latitude >= %s AND l.latitude <= %s"
                    params += [query.latitude - lat_margin, query.latitude + lat_margin]
            parts.append(
                f"SELECT * FROM (SELECT {columns}, {index} AS src FROM {source_from} "  # noqa: S608
                f"WHERE {condition} AND {where} ORDER BY {order} LIMIT {limit}) AS s{index}"
            )
            params += where_params
        blocks.append(_fetch(" UNION ALL ".join(parts), params, width=8))
    rows = np.concatenate(blocks) if blocks else np.empty((0, 8))
    reads = {}
    for index in np.unique(rows[:, SRC]).astype(int).tolist():
        part = rows[rows[:, SRC] == index]
        last = part[np.lexsort((part[:, ID], part[:, PRICE]))[-1]]
        reads[index] = _SourceRead(found=len(part), kept=len(part), last=(last[PRICE], last[ID]))
    return rows, reads


_CELLS_BY_PRICE_PG = (
    "SELECT s.* FROM unnest(%s::bigint[], %s::float8[], %s::float8[], %s::int[]) AS c(cell, lat_lo, lat_hi, src)"
    " CROSS JOIN LATERAL (SELECT {columns}, c.src FROM listings_listing l"
    " WHERE l.cell_coarse = c.cell AND l.kind <> 'driver' AND l.latitude >= c.lat_lo AND l.latitude <= c.lat_hi"
    " AND {where} ORDER BY l.unit_price, l.id LIMIT {limit}) AS s"
)
# The rows found are cut to the `top` cheapest of those that may lie in the circle (drivers were checked
# against their reach already): a great-circle distance shrunk by 0.6% is never more than the geodesic,
# see geo. Per source: its last row found (its key), how many it found, and how many it kept.
_TOP_BY_PRICE_PG = (
    "WITH fetched(id, lat, lng, price, reach, rating_sum, rating_count, src) AS MATERIALIZED ({reads}),"  # noqa: S608 (constants only)
    " kept AS MATERIALIZED (SELECT f.* FROM fetched f WHERE f.reach >= 0 OR 0.994 * "
    + _great_circle_km_sql("f.lat", "f.lng")
    + " <= %s)"
    " SELECT * FROM (SELECT k.*, 0 AS part FROM kept k ORDER BY k.price, k.id LIMIT {top}) AS cheapest"
    " UNION ALL SELECT (array_agg(f.id ORDER BY f.price DESC, f.id DESC))[1], 0, 0, max(f.price), 0,"
    " (SELECT count(*) FROM kept k WHERE k.src = f.src), count(*), f.src, 1 FROM fetched f GROUP BY f.src"
)


def _read_price_sources_pg(
    query: SearchQuery, filters: tuple[str, list], sources: list[_PriceSource], pending: list[int], limit: int, top: int
) -> tuple[np.ndarray, dict[int, _SourceRead]]:
    """PostgreSQL: the same reads in one statement, cut to the `top` cheapest rows, with what each source found.

    The cells come in as arrays and one LATERAL subquery, planned once, walks the (cell, price, id)
    index of each: a UNION ALL branch per cell made planning cost grow with the circle (15-20 cells
    for 10 km: planning took longer than running). The cut happens in the database: at a million
    listings a 10 km circle's cells find ~300 rows, and moving and parsing them cost more than
    finding them, for a page of 21.
    """
    where, where_params = filters
    lat_margin = query.radius_km / 110.0 + 0.01
    cells = [index for index in pending if sources[index].cell is not None]
    parts, params = [], []
    if cells:
        # A partial cell keeps the rows in the circle's latitude band; a whole cell, the whole globe's.
        # (A finer test here would make the index scan of a cell that barely touches the circle walk
        # through most of it.)
        boxes = [
            (query.latitude - lat_margin, query.latitude + lat_margin) if sources[index].partial else (-90.0, 90.0)
            for index in cells
        ]
        parts.append(_CELLS_BY_PRICE_PG.format(columns=_ROOM_CAR_COLUMNS, where=where, limit=limit))
        params += [
            [sources[index].cell for index in cells],
            [box[0] for box in boxes],
            [box[1] for box in boxes],
            cells,
            *where_params,
        ]
    for index in pending:
        if sources[index].cell is None:
            reach, reach_params = _may_reach(query)
            parts.append(
                f"SELECT * FROM (SELECT {_COLUMNS}, {index} AS src FROM {_DRIVERS_BY_PRICE_FROM}"  # noqa: S608
                f" WHERE c.cell = %s AND l.kind = 'driver' AND {reach} AND {where}"
                f" ORDER BY c.unit_price, c.listing_id LIMIT {limit}) AS drivers"
            )
            params += [geo.coverage_cell_of(query.latitude, query.longitude), *reach_params, *where_params]
    if not parts:
        return np.empty((0, 8)), {}
    params += [query.latitude, query.latitude, query.longitude, query.radius_km]
    # The LATERAL subquery is planned once for any cell, so the planner sees an average cell and,
    # with the filters, often expects fewer rows than the LIMIT: it would then read and sort the
    # whole cell (a dense one holds thousands). Sorting is never needed there, every source has an
    # index in its price order, so it is switched off for this one statement (the cut's sort of a
    # few hundred rows has no alternative and stays).
    sql = _TOP_BY_PRICE_PG.format(reads=" UNION ALL ".join(parts), top=top)
    rows = _fetch(sql, params, width=9, planner={"enable_sort": "off"})
    summary = rows[:, 8] == 1
    reads = {
        int(row[SRC]): _SourceRead(found=int(row[RATING_COUNT]), kept=int(row[RATING_SUM]), last=(row[PRICE], row[ID]))
        for row in rows[summary]
    }
    return rows[~summary, :8], reads


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
