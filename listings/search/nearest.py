"""Nearest first: rings of H3 cells grow from the searcher until the page is proven.

Rings of cells grow from the searcher's cell (fine cells first, coarser ones when the area is
sparse). After each ring, every listing not yet read is at least as far as the next ring's lower
bound, so once the k-th hit is closer than that bound, it is provably the k-th. On PostgreSQL the
first reads of each resolution are made in one statement (`_prefetch`), each gated on the
condition under which the loop would make it. Drivers come from the coverage lookup (drivers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import h3
import numpy as np
from django.db import connection

from listings import geo
from listings.models import ListingKind
from listings.search.drivers import driver_rows
from listings.search.query import SearchQuery, kinds_of
from listings.search.statements import COLUMNS, FROM, ID, REACH, cell_condition, fetch, great_circle_km_sql, matches

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
    + great_circle_km_sql("r.lat", "r.lng")
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
    rows = fetch(sql, params, width=8, prepare=True)
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
                cells_sql = cell_condition(rings.column, geo.to_ints(inside), params)
                params += where_params
                sql = f"SELECT {COLUMNS} FROM {FROM} WHERE {cells_sql} AND {where}"  # noqa: S608
                rows = fetch(sql, params, prepare=True)
                stats["rows"] += len(rows)
            rows_here += len(rows)
            if len(rows):
                mask, distance = matches(query, rows)
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


def by_distance(query: SearchQuery, filters: tuple[str, list], stats: dict) -> np.ndarray:
    proven, hits = _nearest(query, filters, stats)
    if not proven and ListingKind.DRIVER in kinds_of(query):
        # Rooms and cars in the circle are all known; drivers come from the coverage lookup, complete.
        drivers = driver_rows(query, filters, stats)
        mask, distance = matches(query, drivers)
        hits = np.concatenate(
            [hits[hits[:, 2] == 0], np.column_stack([distance[mask], drivers[mask, ID], np.ones(int(mask.sum()))])]
        )
        hits = hits[np.lexsort((hits[:, 1], hits[:, 0]))]
    return hits[:, :2]
