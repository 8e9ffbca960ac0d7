"""The PostgreSQL/SQLite plumbing every search order shares: columns, filters, prepared statements, planner settings.

Every statement reads the same numeric columns (one numpy array of rows, indexed by ID, LAT...);
the query's filters run in SQL; a cell list is an array parameter on PostgreSQL (so a statement's
text does not depend on the data and can be prepared once per connection) and a list of
placeholders on SQLite. Exact distances are computed with numpy on the rows returned (`matches`),
never in a Python loop over candidate rows.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
import sqlite3
import weakref
from datetime import datetime

import numpy as np
from django.conf import settings
from django.db import connection

from core.rates import current_rates, to_reference
from listings import geo
from listings.models import ListingKind, ListingStatus
from listings.search.query import SearchQuery, units_between

# Columns read for every candidate, all numeric so they land in one numpy array:
# price = the reference price (millionths of a euro, core.rates), comparable across currencies;
# reach = the driver's service radius, or -1 for rooms and cars (their reach is the searcher's radius).
# The service radius is a subquery by primary key, run only for drivers' rows: as a LEFT JOIN,
# PostgreSQL may hash-join a scan of every driver's details when it expects a few hundred rows.
SERVICE_RADIUS = "COALESCE((SELECT d.service_radius_km FROM listings_driverdetails d WHERE d.listing_id = l.id), 0)"
COLUMNS = (
    "l.id, l.latitude, l.longitude, l.reference_price, "
    f"CASE WHEN l.kind = 'driver' THEN {SERVICE_RADIUS} ELSE -1 END, "
    "l.rating_sum, l.rating_count"
)
FROM = "listings_listing l"
# The same columns for rows known not to be drivers. The reach has the drivers' type: PostgreSQL
# merges the ordered scans of a UNION ALL only when every term has the same column types.
ROOM_CAR_COLUMNS = (
    "l.id, l.latitude, l.longitude, l.reference_price, CAST(-1 AS double precision), l.rating_sum, l.rating_count"
)
ID, LAT, LNG, PRICE, REACH, RATING_SUM, RATING_COUNT = range(7)

# PostgreSQL (PostGIS): a listing's point as a geography, the expression of the GiST index of rooms
# and cars (migration 0012), and the searcher's point from two parameters (longitude, latitude).
POINT = "(ST_SetSRID(ST_MakePoint(l.longitude, l.latitude), 4326)::geography)"
HERE = "ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography"
# The sphere's distance is within 0.994-1.006 of the geodesic (see geo): an index gate 1% beyond the
# radius (metres a kilometre of radius, sphere distances) misses no row within it.
GATE_METRES_PER_KM = 1010
# The PostGIS statements' plan does not depend on the point or the filters' values: made once per
# connection, instead of a custom plan for each of the first five runs and whenever the planner
# prefers one.
GENERIC_PLAN = {"plan_cache_mode": "force_generic_plan"}
_KINDS = frozenset(ListingKind.values)


def where_filters(query: SearchQuery, kinds: tuple[str, ...], now: datetime) -> tuple[str, list]:
    """WHERE conditions (without cells) and their parameters."""
    # Status and kinds are written as constants, not parameters: PostgreSQL uses a partial index (rooms
    # alone, cars alone: migration 0016) only when the statement itself proves its condition, and a
    # prepared statement's generic plan knows no parameter's value. Both come from fixed lists.
    if not set(kinds) <= _KINDS:
        raise ValueError(f"unknown listing kinds {kinds!r}")
    sql = [f"l.status = '{ListingStatus.ACTIVE.value}'"]
    params: list = []
    sql.append("l.kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")")
    if query.guests is not None:
        sql.append("l.capacity >= %s")
        params.append(query.guests)
    if query.min_price is not None or query.max_price is not None:
        # The searcher's bounds (their currency) in reference units, at the rates the listings are priced at.
        rates = current_rates()
        if query.min_price is not None:
            sql.append("l.reference_price >= %s")
            params.append(to_reference(query.min_price, query.currency, rates))
        if query.max_price is not None:
            sql.append("l.reference_price <= %s")
            params.append(to_reference(query.max_price, query.currency, rates))
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
    if query.bounds is not None:
        # An area search: the rectangle, one more condition (see area).
        box, box_params = query.bounds.sql()
        sql.append(box)
        params += box_params
    return " AND ".join(sql), params


def cell_condition(column: str, cells: list[int], params: list) -> str:
    if connection.vendor == "postgresql":
        params.append(cells)
        return f"l.{column} = ANY(%s)"
    params.extend(cells)
    return f"l.{column} IN ({', '.join(['%s'] * len(cells))})"


def great_circle_km_sql(latitude: str, longitude: str, *, least: str = "least") -> str:
    """SQL for the great-circle km from the point in three parameters (lat, lat, lng) to a row's point.

    Callers scale it to stay on the safe side of the geodesic (see geo: the ratio stays within
    0.994-1.005). `least` is "min" on SQLite.
    """
    return (
        f"2 * 6371.0088 * asin({least}(1.0, sqrt(power(sin(radians({latitude} - %s) / 2), 2)"
        f" + cos(radians({latitude})) * cos(radians(%s)) * power(sin(radians({longitude} - %s) / 2), 2))))"
    )


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# The statements this module PREPAREd on each open connection (they live as long as its session).
_PREPARED_ON: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def named(sql: str, params: list, prefix: str) -> tuple[str, dict]:
    """The same SQL with its %s placeholders named prefix0, prefix1... and the parameters by name."""
    names = iter(range(len(params)))
    return re.sub("%s", lambda _: f"%({prefix}{next(names)})s", sql), {
        f"{prefix}{number}": value for number, value in enumerate(params)
    }


@functools.lru_cache(maxsize=512)
def _prepared_form(sql: str) -> tuple[str, str, tuple[str, ...]]:
    """(statement name, text to PREPARE, parameter names in $1, $2... order) of SQL with %(name)s placeholders.

    Worked out once per text (a regular expression over a statement of a few kilobytes, and its
    hash, cost a search tens of microseconds): the texts are the few shapes of each search order.
    """
    names = tuple(dict.fromkeys(_PLACEHOLDER.findall(sql)))
    number = {name: position for position, name in enumerate(names, start=1)}
    text = _PLACEHOLDER.sub(lambda match: f"${number[match.group(1)]}", sql)
    statement = "search_" + hashlib.blake2b(text.encode(), digest_size=10).hexdigest()
    return statement, text, names


@functools.lru_cache(maxsize=512)
def _positional_form(sql: str) -> tuple[str, str, int]:
    """(statement name, text to PREPARE, number of parameters) of SQL with %s placeholders (see _prepared_form)."""
    numbers = itertools.count(1)
    text = re.sub("%s", lambda _: f"${next(numbers)}", sql)
    statement = "search_" + hashlib.blake2b(text.encode(), digest_size=10).hexdigest()
    return statement, text, next(numbers) - 1


def _execute_prepared(cursor, sql: str, params: list | dict, planner: dict[str, str]) -> None:
    """Run a long statement as a PREPAREd statement, planned with `planner` settings.

    psycopg's own preparing converts the statement's text on every run (it caches only short ones:
    a millisecond for a cheapest-first statement of 24 scans) and sends every placeholder as a
    parameter; here each name is one parameter (or each %s, with a list), the text is sent once per
    connection (PREPARE), and each run sends `EXECUTE name(values)` in the same round trip as the
    settings it is planned with: the plan is made at the first run (and again if the table's
    statistics change), with the settings of that moment.
    """
    if isinstance(params, dict):
        statement, text, names = _prepared_form(sql)
        values = [params[name] for name in names]
    else:
        statement, text, _ = _positional_form(sql)
        values = params
    prepared = _PREPARED_ON.setdefault(connection.connection, set())
    if statement not in prepared:
        cursor.execute(f"PREPARE {statement} AS {text}")  # it outlives a rollback: PREPARE is not transactional
        prepared.add(statement)
    _execute_with_planner(cursor, _execute_text(statement, len(values)), values, planner)


@functools.lru_cache(maxsize=512)
def _execute_text(statement: str, count: int) -> str:
    return f"EXECUTE {statement}(" + ", ".join(["%s"] * count) + ")"


def run_prepared(cursor, sql: str, params: list) -> None:
    """Run a statement whose text never changes (values only as %s parameters) as a PREPAREd statement.

    PostgreSQL (with SEARCH_PREPARED_STATEMENTS): the first run on a connection sends PREPARE and
    EXECUTE in one round trip, later runs EXECUTE alone, so neither psycopg converts the long text nor
    PostgreSQL parses and plans it again for each request. Elsewhere, a plain execute. The cursor is
    left on the statement's rows.
    """
    if connection.vendor != "postgresql" or not settings.SEARCH_PREPARED_STATEMENTS:
        cursor.execute(sql, params)
        return
    statement, text, _ = _positional_form(sql)
    execute = _execute_text(statement, len(params))
    prepared = _PREPARED_ON.setdefault(connection.connection, set())
    if statement in prepared:
        cursor.execute(execute, params)
        return
    # Marked first: a PREPARE outlives a failed EXECUTE and a rollback (it is not transactional).
    prepared.add(statement)
    cursor.execute(f"PREPARE {statement} AS {text}; {execute}", params)
    cursor.nextset()


def _execute_with_planner(cursor, sql: str, params: list | dict, planner: dict[str, str]) -> None:
    """Run one statement with planner settings for it alone, in one round trip; the cursor is left on its rows.

    SET LOCAL lasts until the end of the (implicit) transaction of this multi-statement string; RESET
    covers the case of an outer transaction. Needs Django's default client-side binding (several
    statements in one call).
    """
    if not planner:
        cursor.execute(sql, params)
        return
    cursor.execute(_with_planner_text(sql, tuple(planner.items())), params)
    for _ in planner:
        cursor.nextset()


@functools.lru_cache(maxsize=512)
def _with_planner_text(sql: str, planner: tuple[tuple[str, str], ...]) -> str:
    sets = [f"SET LOCAL {name} = {value}" for name, value in planner]
    return "; ".join([*sets, sql, *(f"RESET {name}" for name, _ in planner)])


@functools.lru_cache(maxsize=64)
def _not_in_session(planner: tuple[tuple[str, str], ...], options: str) -> dict[str, str]:
    """The planner settings a statement must SET LOCAL: those the connection did not start with.

    A setting given at connect (`-c name=value` in POSTGRES_SESSION_OPTIONS) is the session's default,
    to which a RESET returns too; SET LOCAL and RESET around a statement cost a web process ~0.1 ms of
    CPU (three statements' results instead of one), twice a search. Settings the options do not name,
    or name otherwise, are still SET for the statement alone.
    """
    started = dict(re.findall(r"-c\s*([\w.]+)=(\S+)", options))
    return {name: value for name, value in planner if started.get(name) != value}


def fetch(
    sql: str, params: list | dict, width: int = 7, *, planner: dict[str, str] | None = None, prepare: bool = False
) -> np.ndarray:
    """Rows of one search statement as floats.

    On PostgreSQL: `planner` settings change for this statement alone; `prepare` plans the statement
    once per connection and reuses the plan (for statements whose text does not depend on the data:
    cells come as parameters), by `_execute_prepared`. Not psycopg's own preparing: Django opens its
    connections with prepare_threshold=None, under which psycopg prepares nothing, not even with
    prepare=True (measured: 0.5-1 ms a search spent parsing and planning again); and were it on,
    psycopg answers any ROLLBACK on the connection with DEALLOCATE ALL. JIT and parallel workers are
    off for the whole session (see POSTGRES_SESSION_OPTIONS in settings), and so is the generic plan
    by default: a planner setting the session already starts with is not SET again (`_not_in_session`).
    """
    postgres = connection.vendor == "postgresql"
    if postgres and planner:
        options = connection.settings_dict.get("OPTIONS", {}).get("options", "")
        planner = _not_in_session(tuple(planner.items()), options)
    if postgres and prepare and settings.SEARCH_PREPARED_STATEMENTS:
        with connection.cursor() as cursor:
            _execute_prepared(cursor, sql, params, planner or {})
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


def matches(query: SearchQuery, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mask of rows that match, their distances): rooms and cars within the radius, drivers within their reach.

    In an area search, every listing in the rectangle, drivers too (see area).
    """
    distance = geo.geodesic_km(query.latitude, query.longitude, rows[:, LAT], rows[:, LNG])
    if query.bounds is not None:
        return query.bounds.contains(rows[:, LAT], rows[:, LNG]) & (distance <= query.radius_km), distance
    reach = rows[:, REACH]
    limit = np.where(reach < 0, query.radius_km, reach)
    return distance <= limit, distance


@functools.cache
def sqlite_has_math() -> bool:
    """Whether this Python's SQLite was built with its math functions (sin, asin, radians...): most are."""
    try:
        sqlite3.connect(":memory:").execute("SELECT asin(sin(radians(1)))")
    except sqlite3.OperationalError:
        return False
    return True
