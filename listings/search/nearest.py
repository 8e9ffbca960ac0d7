"""Nearest first: on PostgreSQL point indexes walked in distance order, on SQLite rings of H3 cells.

PostgreSQL (`_nearest_postgis`): listings come from the quadtree (SP-GiST) indexes of `point`s of
(longitude, Mercator ordinate) per kind (migration 0026), walked in the plane's order as index-only scans,
and the page is proven from a lower bound of the geodesic in the plane's distance (`_nearest_planar`); across the
antimeridian or near a pole, from the geography index (migration 0013) in order of sphere distance
(`_nearest_geography`). Drivers are rows of the same walk (a hit within their own reach), and the
coverage lookup (drivers) runs only when the circle ends before the page is full. Issue 25 measured
PostGIS's KNN 2.8-4.1x faster than the rings for rooms on 1,000,000 listings; on PostgreSQL the rings
are not used. SQLite: rings of cells grow from the searcher's cell (fine cells first, coarser ones when
the area is sparse). After each ring, every listing not yet read is at least as far as the next ring's
lower bound, so once the k-th hit is closer than that bound, it is provably the k-th."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import h3
import numpy as np
from django.db import connection

from listings import geo
from listings.models import ListingKind
from listings.search.drivers import come_to_searcher, driver_rows, driver_statement
from listings.search.query import SearchQuery, kinds_of
from listings.search.statements import (
    COLUMNS,
    FROM,
    GATE_METRES_PER_KM,
    GENERIC_PLAN,
    HERE,
    ID,
    POINT,
    REACH,
    SERVICE_RADIUS,
    cell_condition,
    fetch,
    matches,
    named,
)

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


def _nearest(query: SearchQuery, filters: tuple[str, list], stats: dict) -> tuple[bool, np.ndarray]:
    """(proven, hits) with hits as rows of (distance, id, is_driver) sorted nearest first.

    proven=False means the rings reached the edge of the circle first: then the
    hits hold every room and car in it, but drivers from farther away may still
    reach the searcher.
    """
    where, where_params = filters
    wanted = query.wanted
    levels = _Levels(query)
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
            if inside:
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


# On PostgreSQL, listings come from the GiST index on their point (migration 0012), walked in order
# of sphere distance (KNN), and PostGIS measures each row's geodesic (ST_Distance on the WGS-84
# spheroid: GeographicLib, the algorithm geopy uses, so no geodesic is computed here). The geodesic
# is within 0.994-1.006 of the sphere's distance (see geo), so: the index is gated at 1% beyond the
# radius (no row within it is missed, and every row beyond the gate is farther than the radius);
# and when a read stops at its limit, every row it did not return is at least as far on the sphere
# as each row it did, hence at least 0.994 / 1.006 (0.988; 0.985 here) x the largest geodesic read.
# A page whose last hit is nearer than that is proven; otherwise the read runs again with a limit
# four times larger. Drivers are read as rows like the others (a hit when within their own reach);
# only when the circle ends before the page is full may drivers based farther away still reach the
# searcher, and then the coverage lookup (drivers) brings every driver that does.
_KNN_SQL = (
    f"SELECT l.id, ST_Distance({POINT}, {HERE}) / 1000,"  # noqa: S608
    f" CASE WHEN l.kind = 'driver' THEN {SERVICE_RADIUS} ELSE -1 END"
    f" FROM listings_listing l WHERE {{where}} AND ST_DWithin({POINT}, {HERE}, %s, false)"
    f" ORDER BY {POINT} <-> {HERE} LIMIT %s"
)
# Drivers by the coverage lookup (drivers.driver_statement), measured the same way.
_DRIVERS_SQL = (
    "SELECT d.id, ST_Distance(ST_SetSRID(ST_MakePoint(d.longitude, d.latitude), 4326)::geography,"  # noqa: S608
    f" {HERE}) / 1000, d.reach FROM ({{drivers}})"
    " AS d(id, latitude, longitude, price, reach, rating_sum, rating_count)"
)
_UNREAD_FACTOR = 0.985
# The first read's limit: the page and a margin for rows in the gate but outside the circle.
_KNN_MARGIN = 10
_DISTANCE, _REACH, _PLANAR = 1, 2, 3  # columns of the rows read: id, geodesic km, reach (-1: a room or car)

# Where the box of degrees holding the circle allows it (geo.mercator_plane_holds: every search but those
# across the antimeridian or near a pole), listings come from the quadtree indexes of migration 0026, one per
# kind, of points of (longitude, Mercator ordinate) in degrees, walked in order of distance in that plane: an
# index-only scan (the index carries every column read or filtered on) whose nodes never overlap, so a centre
# rooms page reads ~10 index pages at 100,000 listings as at 1,000,000 (the geography walk above read 6 and 21
# index pages and ~31 table pages, issue 23; migration 0022's sorted GiSTs 7 and 18). Mercator is conformal,
# so the walk reads about the rows of the circle of km it proves (geo.mercator_stretch), not 1/cos(latitude)
# times as many as the plane of longitudes and latitudes of migration 0025 did (issue 25). Several kinds are
# one merge of their ordered walks. When a read stops at its limit, every row it did not return is at least as
# far in the plane as each row it did, so at least geo.mercator_lower_bound_km of the largest such distance
# away on the ellipsoid; the box holds the circle, so every row outside it is farther than the radius. PostGIS
# still measures each row read (ST_Distance on the spheroid), from a searcher's point built once per statement
# (an InitPlan: in a generic plan an expression of parameters is otherwise built per row).
_SERVICE_RADIUS_FLOAT = f"CAST({SERVICE_RADIUS} AS double precision)"
_HERE_NAMED = "ST_SetSRID(ST_MakePoint(%(lng)s, %(lat)s), 4326)::geography"
# Migration 0026's key (the same text: PostgreSQL matches an expression index by its expression).
_MERCATOR_KEY = "point(l.longitude, degrees(asinh(tan(radians(l.latitude)))))"
# The box's ordinates are widened by this much (degrees), so that PostgreSQL's and Python's rounding of
# the same ordinate can never leave out a row on its edge.
_ORDINATE_SLACK = 1e-9
_PLANAR_BRANCH = (
    f"(SELECT l.id, ST_Distance({POINT}, (SELECT {_HERE_NAMED})) / 1000 AS km, {{reach}} AS reach,"  # noqa: S608
    f" {_MERCATOR_KEY} <-> point(%(lng)s, %(y)s) AS planar"
    " FROM listings_listing l WHERE l.kind = '{kind}' AND {where}"
    f" AND {_MERCATOR_KEY} <@ box(point(%(west)s, %(south)s), point(%(east)s, %(north)s))"
    " ORDER BY planar LIMIT %(limit)s)"
)


def _hits(query: SearchQuery, rows: np.ndarray) -> np.ndarray:
    """Rows of (distance, id) nearest first, then by id: rooms and cars within the radius, drivers within reach.

    In an area search, drivers too within the radius (the rows read are in the rectangle: see area)."""
    reach = np.where((rows[:, _REACH] < 0) | (query.bounds is not None), query.radius_km, rows[:, _REACH])
    hits = rows[rows[:, _DISTANCE] <= reach][:, [_DISTANCE, 0]]
    return hits[np.lexsort((hits[:, 1], hits[:, 0]))]


def _nearest_postgis(query: SearchQuery, filters: tuple[str, list], stats: dict) -> np.ndarray:
    """PostgreSQL: rows of (distance, id) nearest first, from the plane's index where the circle's box allows."""
    box = geo.degree_box(query.latitude, query.longitude, query.radius_km)
    if not geo.mercator_plane_holds(box):
        return _nearest_geography(query, filters, stats)  # across the antimeridian or near a pole
    return _nearest_planar(query, filters, stats, box)


def _nearest_planar(
    query: SearchQuery, filters: tuple[str, list], stats: dict, box: tuple[float, float, float, float]
) -> np.ndarray:
    """Rows of (distance, id) nearest first, walking the Mercator quadtrees of migration 0026 (see _PLANAR_BRANCH)."""
    west, south, east, north = box
    where, params = named(*filters, "w")
    sql = _planar_sql(kinds_of(query), where, come_to_searcher(query))
    params.update(
        lng=query.longitude,
        lat=query.latitude,
        y=geo.mercator_degrees(query.latitude),
        west=west,
        south=geo.mercator_degrees(south) - _ORDINATE_SLACK,
        east=east,
        north=geo.mercator_degrees(north) + _ORDINATE_SLACK,
    )
    wanted = query.wanted
    # The plane's order reads the rows of a circle of the plane, a little more than the rows of the circle
    # of km that it proves: the first read's limit allows for them.
    limit = math.ceil(wanted * geo.mercator_stretch(box)) + _KNN_MARGIN
    while True:
        rows = fetch(sql, {**params, "limit": limit}, width=4, prepare=True, planner=GENERIC_PLAN)
        stats["rows"] += len(rows)
        hits = _hits(query, rows)
        if len(rows) < limit:  # every listing in the box was read: every other one is farther than the radius
            return _with_drivers(query, filters, rows[:, :3], hits, stats)
        unread = geo.mercator_lower_bound_km(float(rows[:, _PLANAR].max()), box)
        if len(hits) >= wanted and hits[wanted - 1, 0] < unread and hits[wanted - 1, 0] <= query.radius_km:
            return hits
        limit *= 4


@functools.lru_cache(maxsize=64)
def _planar_sql(kinds: tuple[str, ...], where: str, reach: bool) -> str:
    """The statement for these kinds; `reach`: drivers' rows carry their service radius (in an area search,
    where drivers are found where they are based, they need not: see area)."""
    branches = [
        _PLANAR_BRANCH.format(
            kind=kind,
            where=where,
            reach=_SERVICE_RADIUS_FLOAT if reach and kind == ListingKind.DRIVER else "CAST(-1 AS double precision)",
        )
        for kind in kinds
    ]
    if len(branches) == 1:
        return branches[0]
    return f"SELECT * FROM ({' UNION ALL '.join(branches)}) AS near ORDER BY planar LIMIT %(limit)s"  # noqa: S608


def _nearest_geography(query: SearchQuery, filters: tuple[str, list], stats: dict) -> np.ndarray:
    """Rows of (distance, id) nearest first, by KNN on the geography index, and by the drivers' coverage when the
    circle ends."""
    where, where_params = filters
    wanted = query.wanted
    limit = wanted + _KNN_MARGIN
    here = [query.longitude, query.latitude]
    while True:
        params = [*here, *where_params, *here, query.radius_km * GATE_METRES_PER_KM, *here, limit]
        rows = fetch(_KNN_SQL.format(where=where), params, width=3, prepare=True, planner=GENERIC_PLAN)
        stats["rows"] += len(rows)
        hits = _hits(query, rows)
        if len(rows) == limit:
            unread = _UNREAD_FACTOR * float(rows[:, _DISTANCE].max())
            if len(hits) >= wanted and hits[wanted - 1, 0] < unread:
                return hits
            limit *= 4
            continue
        # Every listing within the gate was read: every other one is farther than the radius.
        return _with_drivers(query, filters, rows, hits, stats)


def _with_drivers(
    query: SearchQuery, filters: tuple[str, list], rows: np.ndarray, hits: np.ndarray, stats: dict
) -> np.ndarray:
    """The hits once every listing within the radius was read (`rows`): drivers based farther away may still come."""
    if (len(hits) >= query.wanted and hits[query.wanted - 1, 0] <= query.radius_km) or not come_to_searcher(query):
        return hits
    sql, driver_params = driver_statement(query, filters)
    drivers = fetch(_DRIVERS_SQL.format(drivers=sql), [query.longitude, query.latitude, *driver_params], width=3)
    stats["rows"] += len(drivers)
    # The coverage lookup holds every driver that reaches the searcher, those read above too.
    return _hits(query, np.concatenate([rows[rows[:, _REACH] < 0], drivers]))


def by_distance(query: SearchQuery, filters: tuple[str, list], stats: dict) -> np.ndarray:
    if connection.vendor == "postgresql":
        return _nearest_postgis(query, filters, stats)
    proven, hits = _nearest(query, filters, stats)
    if not proven and come_to_searcher(query):
        # Rooms and cars in the circle are all known; drivers come from the coverage lookup, complete.
        drivers = driver_rows(query, filters, stats)
        mask, distance = matches(query, drivers)
        hits = np.concatenate(
            [hits[hits[:, 2] == 0], np.column_stack([distance[mask], drivers[mask, ID], np.ones(int(mask.sum()))])]
        )
        hits = hits[np.lexsort((hits[:, 1], hits[:, 0]))]
    return hits[:, :2]
