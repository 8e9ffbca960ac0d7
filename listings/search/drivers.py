"""Driving services that come to the searcher: the driver's own service radius, looked up through coverage cells.

A driver matches when the searcher is inside the driver's service disk. Each disk is covered by
coarse cells (DriverCoverage), so "who comes to me" is one indexed lookup of the searcher's
coverage cell, whichever order the results are sorted in. In an area search, drivers are found where
they are based, read with the rooms and cars (`placed_sql`), and none through the coverage.
"""

from __future__ import annotations

import math

import numpy as np
from django.db import connection

from listings import geo
from listings.models import ListingKind
from listings.search import statements
from listings.search.query import SearchQuery, kinds_of
from listings.search.statements import COLUMNS, FROM, fetch, great_circle_km_sql

# A driver reaches the searcher when the geodesic to its base is within its service radius. The
# great-circle distance shrunk by 1% is never more than the geodesic (their ratio stays within
# 0.994-1.005, see geo), so this condition only drops drivers that the exact check would drop too.
# Coverage cells are coarse, so most drivers found through them are too far: the condition reads the
# point and radius copied onto the coverage row (and its index), so a driver too far away is dropped
# without reading its listing.


# A driver's reach can be as large as this (a database constraint on service_radius_km).
_MAX_REACH_KM = 200.0


def come_to_searcher(query: SearchQuery) -> bool:
    """Whether drivers are searched by where they come to (their coverage): a circle search for drivers."""
    return query.bounds is None and ListingKind.DRIVER in kinds_of(query)


def placed_kinds(query: SearchQuery) -> set[str]:
    """The kinds searched by where the listing is: rooms and cars, and drivers too in an area search."""
    kinds = set(kinds_of(query))
    return kinds if query.bounds is not None else kinds - {ListingKind.DRIVER}


def placed_sql(query: SearchQuery) -> str:
    """SQL keeping the listings `l` searched by where they are (the kinds filter itself is in where_filters)."""
    return "l.kind <> 'driver'" if query.bounds is None else "l.kind = l.kind"


def may_reach(query: SearchQuery) -> tuple[str, list]:
    """SQL on a coverage row `c` keeping drivers that may reach the searcher.

    First a box test in plain arithmetic, rigorous on the ellipsoid: a driver farther north or south
    than its reach, or farther east or west than its reach measured on the parallel nearest the pole
    that a path within the reach can touch, cannot reach. Many of the drivers a coarse cover finds
    fail it (the latitude half alone turned away 56% in a rural cell at a million listings) and
    never reach the great-circle check that follows (a dozen function calls a row).
    """
    pole_side = min(90.0, abs(query.latitude) + _MAX_REACH_KM / geo.KM_PER_DEGREE_OF_LATITUDE)
    km_per_degree_of_longitude = geo.KM_PER_DEGREE_OF_LONGITUDE_AT_EQUATOR * math.cos(math.radians(pole_side))
    postgres = connection.vendor == "postgresql"
    least = "least" if postgres else "min"
    box = (
        f"abs(c.latitude - %s) * {geo.KM_PER_DEGREE_OF_LATITUDE} <= c.reach_km"
        f" AND {least}(abs(c.longitude - %s), 360 - abs(c.longitude - %s)) * %s <= c.reach_km"
    )
    params = [query.latitude, query.longitude, query.longitude, km_per_degree_of_longitude]
    if postgres or statements.sqlite_has_math():
        great_circle = great_circle_km_sql("c.latitude", "c.longitude", least=least)
        return f"{box} AND 0.99 * {great_circle} <= c.reach_km", [
            *params,
            query.latitude,
            query.latitude,
            query.longitude,
        ]
    return box, params


def driver_statement(query: SearchQuery, filters: tuple[str, list]) -> tuple[str, list]:
    """The statement (of COLUMNS) reading every driver passing the filters whose coverage holds the searcher."""
    where, where_params = filters
    reach, reach_params = may_reach(query)
    if connection.vendor == "postgresql":
        # ARRAY(...) runs first and feeds the primary-key index; a plain IN (subquery) may be
        # planned as a hash join over a scan of every listing.
        covered = (
            "l.id = ANY(ARRAY(SELECT c.listing_id FROM listings_drivercoverage c"  # noqa: S608
            f" WHERE c.cell = %s AND {reach}))"
        )
    else:
        covered = f"l.id IN (SELECT c.listing_id FROM listings_drivercoverage c WHERE c.cell = %s AND {reach})"  # noqa: S608
    sql = f"SELECT {COLUMNS} FROM {FROM} WHERE {covered} AND l.kind = 'driver' AND {where}"  # noqa: S608
    return sql, [geo.coverage_cell_of(query.latitude, query.longitude), *reach_params, *where_params]


def driver_rows(query: SearchQuery, filters: tuple[str, list], stats: dict) -> np.ndarray:
    """Every driver (passing the filters) whose coverage holds the searcher's cell."""
    rows = fetch(*driver_statement(query, filters))
    stats["rows"] += len(rows)
    return rows
