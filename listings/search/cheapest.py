"""Cheapest first: per-cell index scans in price order, merged by the database, which stops after the page.

The coarse cells that cover the circle are each scanned in price order through the (cell, price)
index, and the database merges the scans and stops after the page (a UNION ALL under ORDER BY ...
LIMIT); drivers coming here are one more scan, of the coverage (cell, price) index.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from django.db import connection

from listings import geo
from listings.search import statements
from listings.search.drivers import come_to_searcher, driver_statement, may_reach, placed_kinds, placed_sql
from listings.search.query import SearchQuery
from listings.search.statements import (
    GATE_METRES_PER_KM,
    GENERIC_PLAN,
    HERE,
    ID,
    POINT,
    PRICE,
    ROOM_CAR_COLUMNS,
    SERVICE_RADIUS,
    fetch,
    great_circle_km_sql,
    matches,
    named,
)

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
    f"c.listing_id, l.latitude, l.longitude, c.reference_price, {SERVICE_RADIUS}, l.rating_sum, l.rating_count"
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


# PostgreSQL, where the circle holds few rooms and cars (the countryside): reading them all through
# the GiST index of their points (migration 0012) and sorting them costs less than the merge of a
# scan per coarse cell (~20-30 cells for 10 km). Up to _SPARSE rooms and cars in the index's gate,
# the statement answers the page: the rooms and cars within the radius (an exact geodesic, PostGIS's
# ST_Distance on the spheroid) in price order, and every driver coming here (drivers). Beyond it,
# the statement returns one marker row and the merge answers. (0: always the merge.)
_SPARSE = 400
_DENSE_MARKER = -2
_SPARSE_SQL = (
    "WITH near AS MATERIALIZED (SELECT l.id, l.reference_price AS price, l.latitude, l.longitude"  # noqa: S608
    " FROM listings_listing l"
    f" WHERE {{placed}} AND {{where}} AND ST_DWithin({POINT}, {HERE}, %s, false) LIMIT %s),"
    " sparse AS MATERIALIZED (SELECT count(*) <= %s AS yes FROM near)"
    " (SELECT * FROM (SELECT l.id, l.price, CAST(ST_Distance({point}, {here}) / 1000 AS double precision) AS km,"
    " CAST(-1 AS double precision) FROM near l WHERE (SELECT yes FROM sparse)) AS rooms_and_cars"
    " WHERE km <= %s ORDER BY price, id LIMIT %s)"
)
_SPARSE_DRIVERS_SQL = (
    " UNION ALL (SELECT d.id, d.price, ST_Distance(ST_SetSRID(ST_MakePoint(d.longitude, d.latitude), 4326)::geography,"  # noqa: S608
    f" {HERE}) / 1000, d.reach FROM ({{drivers}}) AS d(id, latitude, longitude, price, reach, rating_sum, rating_count)"
    " WHERE (SELECT yes FROM sparse))"
)
_DENSE_SQL = f" UNION ALL SELECT 0, 0, 0, {_DENSE_MARKER} WHERE NOT (SELECT yes FROM sparse)"  # noqa: S608


def _cheapest_where_sparse(query: SearchQuery, filters: tuple[str, list], stats: dict) -> np.ndarray | None:
    """PostgreSQL: rows of (distance, id) cheapest first when the circle holds few rooms and cars, else None."""
    where, where_params = filters
    here = [query.longitude, query.latitude]
    sql = _SPARSE_SQL.format(placed=placed_sql(query), where=where, point=POINT, here=HERE)
    params = [*where_params, *here, query.radius_km * GATE_METRES_PER_KM, _SPARSE + 1, _SPARSE]
    params += [*here, query.radius_km, query.wanted]
    if come_to_searcher(query):
        drivers, driver_params = driver_statement(query, filters)
        sql += _SPARSE_DRIVERS_SQL.format(drivers=drivers)
        params += [*here, *driver_params]
    rows = fetch(sql + _DENSE_SQL, params, width=4, prepare=True, planner=GENERIC_PLAN)
    if len(rows) and rows[-1, 3] == _DENSE_MARKER:
        return None
    stats["rows"] += len(rows)
    reach = rows[:, 3]
    rows = rows[(reach < 0) | (rows[:, 2] <= reach)]
    rows = rows[np.lexsort((rows[:, 0], rows[:, 1]))]
    return np.column_stack([rows[:, 2], rows[:, 0], rows[:, 1]])


def by_price(query: SearchQuery, filters: tuple[str, list], stats: dict) -> np.ndarray:
    """Cheapest first: the database merges per-cell index scans in price order and stops after the page.

    Rows of (distance, id, reference price), the price being the unit price in reference units
    (core.rates), so that listings priced in different currencies compare.

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
    if connection.vendor == "postgresql" and _SPARSE and placed_kinds(query):
        sparse = _cheapest_where_sparse(query, filters, stats)
        if sparse is not None:
            return sparse
    scans: list[_PriceScan] = []
    if placed_kinds(query):
        cells, _ = geo.covering_cells(query.latitude, query.longitude, query.radius_km, geo.RES_COARSE)
        inside = geo.upper_bounds_km(query.latitude, query.longitude, cells) <= query.radius_km
        if query.bounds is not None:  # an area search: the cells that meet its rectangle (see area)
            cells, inside = query.bounds.prune(cells, inside)
        scans += [_PriceScan(cell, bool(whole)) for cell, whole in zip(geo.to_ints(cells), inside, strict=True)]
    if come_to_searcher(query):
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
        mask, distance = matches(query, everything)
        accepted = everything[mask]
        order = np.lexsort((accepted[:, ID], accepted[:, PRICE]))
        accepted, accepted_distance = accepted[order], distance[mask][order]
        threshold = (
            (accepted[wanted - 1, PRICE], accepted[wanted - 1, ID]) if len(accepted) >= wanted else (math.inf, 0)
        )
        pending = [index for index, bound in bounds.items() if bound is not None and bound < threshold]
        if not pending:
            return np.column_stack([accepted_distance, accepted[:, ID], accepted[:, PRICE]])
        limit *= 4


def _may_lie_inside(query: SearchQuery) -> tuple[str, list]:
    """SQL keeping the rooms and cars `l` that may lie in the circle (a superset: the exact check follows).

    A great-circle distance shrunk by 0.6% is never more than the geodesic (see geo). A SQLite without
    math functions keeps the circle's latitude band.
    """
    params = [query.latitude, query.latitude, query.longitude, query.radius_km]
    if connection.vendor == "postgresql":
        return f"0.994 * {great_circle_km_sql('l.latitude', 'l.longitude')} <= %s", params
    if statements.sqlite_has_math():
        return f"0.994 * {great_circle_km_sql('l.latitude', 'l.longitude', least='min')} <= %s", params
    margin = query.radius_km / 110.0 + 0.01
    return "l.latitude >= %s AND l.latitude <= %s", [query.latitude - margin, query.latitude + margin]


def _cheapest_rows(query: SearchQuery, filters: tuple[str, list], scans: list[_PriceScan], limit: int) -> np.ndarray:
    """The `limit` cheapest rows (of COLUMNS) of these cells' rooms and cars and of the drivers coming here.

    One statement, a UNION ALL of one index scan per cell (and the drivers') under ORDER BY price, id
    LIMIT: rows come back in that order. A cell wholly inside the circle needs no distance check.
    The other scans stop at the cap (see by_price), the `wanted`-th price of the whole cells, when
    they hold that many rows. Parameters are named, so that the scans share theirs.
    """
    postgres = connection.vendor == "postgresql"
    where, params = named(*filters, "f")
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
    rooms_and_cars = f"FROM listings_listing l WHERE {placed_sql(query)} AND {where} AND l.cell_coarse = "
    selects = [f"SELECT {ROOM_CAR_COLUMNS} {rooms_and_cars}{cell}" for cell in whole_params]
    cap = ""
    with_cap = ""
    if capped:
        params |= {"skip": query.wanted - 1, "no_cap": _NO_PRICE_CAP}
        cap_scans = [f"SELECT l.reference_price, l.id {rooms_and_cars}{cell}" for cell in whole_params]
        with_cap = f"WITH cap(price, id) AS MATERIALIZED ({_merged(cap_scans, 'LIMIT 1 OFFSET %(skip)s')}) "
        cap = " AND {price} <= COALESCE((SELECT price FROM cap), %(no_cap)s)"
    if partials:
        inside, inside_params = named(*_may_lie_inside(query), "d")
        params |= inside_params
        selects += [
            f"SELECT {ROOM_CAR_COLUMNS} {rooms_and_cars}{cell}{cap.format(price='l.reference_price')} AND {inside}"
            for cell in partial_params
        ]
    if any(scan.cell is None for scan in scans):
        reach, reach_params = named(*may_reach(query), "r")
        params |= reach_params | {"here": geo.coverage_cell_of(query.latitude, query.longitude)}
        selects.append(
            f"SELECT {_DRIVER_BY_PRICE_COLUMNS} FROM {_DRIVERS_BY_PRICE_FROM}"  # noqa: S608
            f" WHERE c.cell = %(here)s{cap.format(price='c.reference_price')} AND {reach} AND l.kind = 'driver'"
            f" AND {where}"
        )
    sql = with_cap + _merged(selects, "LIMIT %(limit)s", key="4, 1")
    return fetch(sql, params, prepare=True, planner=_CHEAPEST_PLANNER if postgres else None)


# "No cap": the largest reference price a listing can have (a 64-bit integer column).
_NO_PRICE_CAP = 2**63 - 1


def _merged(selects: list[str], limit: str, key: str = "1, 2") -> str:
    """A UNION ALL of scans under ORDER BY `key` and `limit`, written so that the database merges them.

    PostgreSQL merges subqueries that each come in the order asked (Merge Append); SQLite orders the
    terms of a compound SELECT itself.
    """
    if connection.vendor == "postgresql":
        scans = " UNION ALL ".join(f"({select} ORDER BY {key})" for select in selects)
        return f"SELECT * FROM ({scans}) AS scans ORDER BY {key} {limit}"  # noqa: S608
    return " UNION ALL ".join(selects) + f" ORDER BY {key} {limit}"
