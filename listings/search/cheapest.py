"""Cheapest first: per-cell index scans in price order, merged by the database, which stops after the page.

The coarse cells that cover the circle are each scanned in price order through the (cell, price)
index, and the database merges the scans and stops after the page (a UNION ALL under ORDER BY ...
LIMIT); drivers coming here are one more scan, of the coverage (cell, price) index.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from django.db import connection

from listings import geo
from listings.search import statements
from listings.search.drivers import come_to_searcher, driver_statement, may_reach, placed_kinds, placed_sql
from listings.search.query import SearchQuery
from listings.search.statements import (
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
    """One index scan in price order: a coarse cell's rooms and cars (`whole`: wholly inside the circle;
    `caps`: its centre is inside, so its rows certainly inside help find the price cap), or the drivers
    coming here (cell None)."""

    cell: int | None
    whole: bool = False
    caps: bool = False


# PostgreSQL, where the circle holds few rooms and cars (the countryside): reading them all and
# sorting them costs less than the merge of a scan per coarse cell (~20-30 cells for 10 km). They
# are read from the GiST index of plain (longitude, latitude) points of their kind (migration 0021):
# the box of degrees holding the circle (geo.degree_box), an index-only scan, as the index carries
# what is read. Up to _SPARSE rooms and cars in the box, the statement answers the page: the rows in
# price order, each measured (an exact geodesic, PostGIS's ST_Distance on the spheroid) only until
# the page is full (~21-30 geodesics rather than one for each row in the box: a subquery with OFFSET
# 0, so that the planner does not push `km <= radius` below the sort), and every driver coming here
# (drivers). Beyond it, the statement returns one marker row and the merge answers. (0: always the
# merge.) The box holds 4/pi times the circle's rows.
_SPARSE = 500
_DENSE_MARKER = -2
_SPARSE_SQL = (
    "WITH near AS MATERIALIZED (SELECT l.id, l.reference_price AS price, l.latitude, l.longitude"
    " FROM listings_listing l WHERE {placed} AND {where}"
    " AND ST_MakePoint(l.longitude, l.latitude) && ST_MakeEnvelope(%s, %s, %s, %s) LIMIT %s),"
    " sparse AS MATERIALIZED (SELECT count(*) <= %s AS yes FROM near)"
    " (SELECT * FROM (SELECT * FROM (SELECT l.id, l.price,"
    " CAST(ST_Distance({point}, {here}) / 1000 AS double precision) AS km, CAST(-1 AS double precision)"
    " FROM (SELECT * FROM near WHERE (SELECT yes FROM sparse) ORDER BY price, id) AS l OFFSET 0) AS rooms_and_cars"
    " WHERE km <= %s LIMIT %s) AS page ORDER BY price, id)"
)
_SPARSE_DRIVERS_SQL = (
    " UNION ALL (SELECT d.id, d.price, ST_Distance(ST_SetSRID(ST_MakePoint(d.longitude, d.latitude), 4326)::geography,"  # noqa: S608
    f" {HERE}) / 1000, d.reach FROM ({{drivers}}) AS d(id, latitude, longitude, price, reach, rating_sum, rating_count)"
    " WHERE (SELECT yes FROM sparse))"
)
_DENSE_SQL = f" UNION ALL SELECT 0, 0, 0, {_DENSE_MARKER} WHERE NOT (SELECT yes FROM sparse)"  # noqa: S608


def _cheapest_where_sparse(query: SearchQuery, filters: tuple[str, list], stats: dict) -> np.ndarray | None:
    """PostgreSQL: rows of (distance, id, price) cheapest first when the circle holds few rooms and cars, else None."""
    where, where_params = filters
    here = [query.longitude, query.latitude]
    drivers = come_to_searcher(query)
    sql = _sparse_sql(placed_sql(query), where)
    box = geo.degree_box(query.latitude, query.longitude, query.radius_km)
    params = [*where_params, *box, _SPARSE + 1, _SPARSE]
    params += [*here, query.radius_km, query.wanted]
    if drivers:
        driver_sql, driver_params = driver_statement(query, filters)
        sql += _SPARSE_DRIVERS_SQL.format(drivers=driver_sql)
        params += [*here, *driver_params]
    rows = fetch(sql + _DENSE_SQL, params, width=4, prepare=True, planner=GENERIC_PLAN)
    if len(rows) and rows[-1, 3] == _DENSE_MARKER:
        return None
    stats["rows"] += len(rows)
    if drivers:  # rooms and cars come within the radius and cheapest first; the drivers after them
        reach = rows[:, 3]
        rows = rows[(reach < 0) | (rows[:, 2] <= reach)]
        rows = rows[np.lexsort((rows[:, 0], rows[:, 1]))]
    return rows[:, [2, 0, 1]]


@functools.lru_cache(maxsize=64)
def _sparse_sql(placed: str, where: str) -> str:
    return _SPARSE_SQL.format(placed=placed, where=where, point=POINT, here=HERE)


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
    at a price cap, the page's last price among rows that are certainly hits (so no page needs a
    dearer row), found by a first merge in the same statement: the rows of the cells wholly inside
    the circle, and those certainly inside it of the cells whose centre is (`_certainly_inside`). A
    map's rectangle is often wholly inside no coarse cell: without the second kind, its scans had no
    cap and walked whole dense cells. A cell is in the first merge only when its centre is inside,
    so that its scan soon meets a row inside rather than walking the cell.
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
        caps = _centre_inside(query, cells)
        scans += [
            _PriceScan(cell, bool(whole), bool(cap))
            for cell, whole, cap in zip(geo.to_ints(cells), inside, caps, strict=True)
        ]
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


def _centre_inside(query: SearchQuery, cells: list[str]) -> np.ndarray:
    """For each cell, whether its centre is in the circle (and in an area search, in the rectangle), about."""
    if not cells:
        return np.zeros(0, dtype=bool)
    latitudes, longitudes, distances = geo.centres(query.latitude, query.longitude, cells)
    inside = distances <= query.radius_km
    if query.bounds is not None:
        inside &= query.bounds.contains(latitudes, longitudes)
    return inside


def _certainly_inside(query: SearchQuery) -> tuple[str, list] | None:
    """SQL keeping only rooms and cars `l` that are certainly in the circle (a subset), or None without SQL math.

    The geodesic is at most 1.0045 times the great-circle distance (see geo): one grown by 0.6% that
    is within the radius is a geodesic within it. In an area search the rectangle is in the filters.
    """
    params = [query.latitude, query.latitude, query.longitude, query.radius_km]
    if connection.vendor == "postgresql":
        return f"1.006 * {great_circle_km_sql('l.latitude', 'l.longitude')} <= %s", params
    if statements.sqlite_has_math():
        return f"1.006 * {great_circle_km_sql('l.latitude', 'l.longitude', least='min')} <= %s", params
    return None


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
    The other scans stop at the cap (see by_price), the `wanted`-th price of the rows certainly
    inside, when there are that many. Parameters are named, so that the scans share theirs.
    """
    postgres = connection.vendor == "postgresql"
    where, params = named(*filters, "f")
    params["limit"] = limit
    certainly = _certainly_inside(query)
    cells = [(scan.cell, scan) for scan in scans if scan.cell is not None]
    wholes = _cells_as_params("w", [cell for cell, scan in cells if scan.whole], params)
    partials = _cells_as_params("p", [cell for cell, scan in cells if not scan.whole], params)
    cappers = _cells_as_params(
        "c", [cell for cell, scan in cells if certainly and scan.caps and not scan.whole], params
    )
    rooms_and_cars = f"FROM listings_listing l WHERE {placed_sql(query)} AND {where} AND l.cell_coarse = "
    selects = [f"SELECT {ROOM_CAR_COLUMNS} {rooms_and_cars}{cell}" for cell in wholes]
    # The cap is written first: of two bounds on the price (it and the searcher's maximum), SQLite
    # walks the index up to the first one written and checks the other on each entry.
    cap = ""
    with_cap = ""
    if wholes or cappers:
        params |= {"skip": query.wanted - 1, "no_cap": _NO_PRICE_CAP}
        cap_scans = [f"SELECT l.reference_price, l.id {rooms_and_cars}{cell}" for cell in wholes]
        if cappers and certainly:
            sure, sure_params = named(*certainly, "s")
            params |= sure_params
            cap_scans += [f"SELECT l.reference_price, l.id {rooms_and_cars}{cell} AND {sure}" for cell in cappers]
        with_cap = f"WITH cap(price, id) AS MATERIALIZED ({_merged(cap_scans, 'LIMIT 1 OFFSET %(skip)s')}) "
        cap = "{price} <= COALESCE((SELECT price FROM cap), %(no_cap)s) AND "
    if partials:
        inside, inside_params = named(*_may_lie_inside(query), "d")
        params |= inside_params
        capped = cap.format(price="l.reference_price")
        selects += [
            f"SELECT {ROOM_CAR_COLUMNS} FROM listings_listing l WHERE {capped}{placed_sql(query)} AND {where}"  # noqa: S608
            f" AND l.cell_coarse = {cell} AND {inside}"
            for cell in partials
        ]
    if any(scan.cell is None for scan in scans):
        reach, reach_params = named(*may_reach(query), "r")
        params |= reach_params | {"here": geo.coverage_cell_of(query.latitude, query.longitude)}
        selects.append(
            f"SELECT {_DRIVER_BY_PRICE_COLUMNS} FROM {_DRIVERS_BY_PRICE_FROM}"  # noqa: S608
            f" WHERE {cap.format(price='c.reference_price')}c.cell = %(here)s AND {reach} AND l.kind = 'driver'"
            f" AND {where}"
        )
    sql = with_cap + _merged(selects, "LIMIT %(limit)s", key="4, 1")
    return fetch(sql, params, prepare=True, planner=_CHEAPEST_PLANNER if postgres else None)


def _cells_as_params(name: str, cells: list[int], params: dict) -> list[str]:
    """Placeholders for the cells, their values added to `params`; padded to a multiple of _SCANS_STEP.

    PostgreSQL: positions in one array parameter, so that the statement's text depends only on how
    many cells there are. SQLite: a parameter each.
    """
    if not cells:
        return []
    cells = cells + [_NO_CELL] * (-len(cells) % _SCANS_STEP)
    if connection.vendor == "postgresql":
        params[name] = cells
        return [f"(%({name})s::bigint[])[{position}]" for position in range(1, len(cells) + 1)]
    params |= {f"{name}{position}": cell for position, cell in enumerate(cells)}
    return [f"%({name}{position})s" for position in range(len(cells))]


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
