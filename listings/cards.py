"""The search API's page of results as JSON: rows read with one fixed statement, cards written once and kept.

A search answer is 20 listings with their details and photos. Read as model instances and checked by
pydantic one by one, a page cost a web process ~9 ms of CPU, most of it Django building objects
and SQL that the answer throws away (issue 17: the search API's rate was 0.16 of a bare view's). Here
the listings, their kind's details and (on PostgreSQL) their photos are read as tuples by a statement
whose text is made once per process and database vendor, and each card is written in the order and
types of `listings.api.ListingOut`, which the answer is serialised as without validating it again; a
card's JSON is kept per process for as long as its row reads the same (`_card_json`). On PostgreSQL
the rows themselves are kept too, with their version: a page whose rows are mostly kept asks only
whether they changed, and reads those that did (`_rows_unless_kept`).

The rules are those of the model path (`privacy.public_search` then `api._out`), shared where they live:
the area point and which listings the public sees (`privacy.public_hit`), approximate prices
(`prices.approximate_unit_prices`), photo URLs (`selectors.photo_urls_of_each`), listing URLs
(`models.listing_urls`). tests/listings/test_search_cards.py compares both paths' JSON byte for byte.
"""

from __future__ import annotations

import functools
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from django.db import connection
from django.utils.dateparse import parse_date, parse_datetime, parse_time
from pydantic_core import to_json

from core.rates import stale_note
from listings import privacy, selectors
from listings.models import Listing, ListingKind, ListingPhoto, listing_urls
from listings.prices import approximate_unit_prices
from listings.rules import DETAIL_FIELDS, DETAIL_MODELS
from listings.search import SearchQuery, SortOrder, price_rule
from listings.search.statements import run_prepared

# The listing's own columns a card shows, in ListingOut's order, then those the rules read.
SHOWN = (
    "id",
    "kind",
    "status",
    "title",
    "description",
    "text_language",
    "city",
    "country_code",
    "time_zone",
    "currency",
    "unit_price",
    "fee_amount",
    "min_units",
    "max_units",
    "advance_notice_hours",
    "capacity",
    "instant_book",
    "verified_guests_only",
    "cancellation_policy",
    "booking_horizon_days",
    "rating_count",
    "rating_sum",
)
READ = (*SHOWN, "latitude", "longitude")
KINDS = (ListingKind.ROOM, ListingKind.CAR, ListingKind.DRIVER)
ALIAS = {ListingKind.ROOM: "r", ListingKind.CAR: "c", ListingKind.DRIVER: "d"}
# Cards kept written per process (_card_json): about 3 kB each with its key, so at most ~12 MB.
KEPT_CARDS = 4096


def _reader(field: Any, vendor: str) -> Callable[[Any], Any] | None:
    """What turns a column's raw value into what the model path shows (None: shown as read).

    SQLite gives booleans as 0/1 and dates and times as text, both databases give JSON as text; the
    details show dates and times in ISO format (api._out).
    """
    kind = field.get_internal_type()
    if kind in ("BooleanField", "NullBooleanField"):
        if vendor == "postgresql":
            return None
        return lambda value: None if value is None else bool(value)
    if kind == "JSONField":

        def loaded(value: Any) -> Any:  # as JSONField.from_db_value
            if not isinstance(value, str):
                return value
            try:
                return json.loads(value, cls=field.decoder)
            except json.JSONDecodeError:
                return value

        return loaded
    parse: dict[str, tuple[Any, Callable[[str], Any]]] = {
        "TimeField": (time, parse_time),
        "DateField": (date, parse_date),
        "DateTimeField": (datetime, parse_datetime),
    }
    if kind in parse:
        python_type, parser = parse[kind]

        def iso(value: Any) -> Any:
            if isinstance(value, str):
                value = parser(value)
            return value.isoformat() if isinstance(value, python_type) else value

        return iso
    return None


@functools.cache
def _statement(vendor: str) -> tuple[str, str | None, tuple[tuple[int, Callable[[Any], Any]], ...]]:
    """The statement reading the listings of a list of ids (one parameter), the one reading their photos
    (SQLite; on PostgreSQL they are an array column of the first, then the row's version, see `_KEPT`),
    and the columns read through a reader (their position and reader).

    Made once per process: its text depends on the models alone (table and column names, S608 below),
    never on the ids, which are one parameter (an array on PostgreSQL, a JSON list on SQLite).
    """
    meta: Any = Listing._meta
    columns = [f'l."{meta.get_field(name).column}"' for name in READ]
    readers = [_reader(meta.get_field(name), vendor) for name in READ]
    joins = []
    for kind in KINDS:
        details: Any = DETAIL_MODELS[kind]._meta
        alias = ALIAS[kind]
        columns.append(f'{alias}."{details.pk.column}"')
        readers.append(None)
        for name in DETAIL_FIELDS[kind]:
            columns.append(f'{alias}."{details.get_field(name).column}"')
            readers.append(_reader(details.get_field(name), vendor))
        joins.append(f'LEFT JOIN "{details.db_table}" {alias} ON {alias}."{details.pk.column}" = l."{meta.pk.column}"')
    photos: Any = ListingPhoto._meta
    image, owner = photos.get_field("image").column, photos.get_field("listing").column
    order = f'p."{photos.get_field("position").column}", p."{photos.pk.column}"'
    if vendor == "postgresql":
        columns.append(
            f'ARRAY(SELECT p."{image}" FROM "{photos.db_table}" p WHERE p."{owner}" = l."{meta.pk.column}"'  # noqa: S608
            f" ORDER BY {order})"
        )
        columns.append(VERSION)
        wanted, photo_sql = "= ANY(%s)", None
    else:
        wanted = "IN (SELECT value FROM json_each(%s))"
        photo_sql = (
            f'SELECT p."{owner}", p."{image}" FROM "{photos.db_table}" p WHERE p."{owner}" {wanted}'  # noqa: S608
            f' ORDER BY p."{owner}", {order}'
        )
    sql = (
        f'SELECT {", ".join(columns)} FROM "{meta.db_table}" l {" ".join(joins)}'  # noqa: S608
        f' WHERE l."{meta.pk.column}" {wanted}'
    )
    return sql, photo_sql, tuple((position, read) for position, read in enumerate(readers) if read is not None)


Row = tuple[tuple, list[str | None]]
# PostgreSQL: a row's version, the transaction that wrote it (its xmin). Any change to what a card shows
# writes the listing's row: its own columns, and its details and photos through the triggers of
# listings migration 0027.
VERSION = "l.xmin::text::bigint"
_VERSIONS = (
    f'SELECT l."{Listing._meta.pk.column}", {VERSION} FROM "{Listing._meta.db_table}" l'  # noqa: S608
    f' WHERE l."{Listing._meta.pk.column}" = ANY(%s)'
)
# The rows read on PostgreSQL, per listing id with their version, for at most KEPT_CARDS listings per
# process, the oldest read first out. Written under the lock, read without. An OrderedDict: a plain
# dict's oldest key (`next(iter(...))`) is found by skipping the slots of the keys deleted before it,
# thousands once a page's 20 rows go in and out at each search (90 us a search among 1,000,000
# listings, where few rows are read twice); OrderedDict.popitem(last=False) takes it at once.
_KEPT: OrderedDict[int, tuple[int, Row]] = OrderedDict()
_KEPT_LOCK = threading.Lock()


def _rows(ids: list[int]) -> dict[int, Row]:
    """Each listing's values as read (READ, then each kind's details row: its key and DETAIL_FIELDS) and photo names.

    The values are the driver's own (SQLite's 0/1, JSON as text): `_shown` turns them into what a card shows,
    only for the cards not kept already (`_card_json`). On PostgreSQL, rows kept at their current version
    are not read again (`_rows_unless_kept`).
    """
    sql, photo_sql, _ = _statement(connection.vendor)
    if photo_sql is None:
        return _rows_unless_kept(sql, ids)
    found: dict[int, Row] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(ids)])
        for raw in cursor.fetchall():
            found[raw[0]] = (raw, [])
        cursor.execute(photo_sql, [json.dumps(ids)])
        for listing_id, name in cursor.fetchall():
            found[listing_id][1].append(name)
    return found


def _rows_unless_kept(sql: str, ids: list[int]) -> dict[int, Row]:
    """PostgreSQL's `_rows`: the rows this process keeps, when their version is still the table's, and the others read.

    Reading 20 listings with their details and photos costs PostgreSQL ~0.3 ms of CPU and the web
    process as much again; their versions alone, a third of that. So when at least half the page is
    kept, the versions are asked first and only the rows written since (or never read) are read; else
    the whole page is read at once, as before. Read rows are kept with the version read with them.

    A version names a row's values only once its transaction has committed (a transaction that writes
    a row twice gives both versions the same xmin, its own): rows read inside a transaction are used,
    not kept.
    Outside one, a statement sees committed rows only.
    """
    kept = {listing_id: _KEPT.get(listing_id) for listing_id in ids}
    found: dict[int, Row] = {}
    wanted = ids
    with connection.cursor() as cursor:
        if 2 * sum(entry is not None for entry in kept.values()) >= len(ids):
            run_prepared(cursor, _VERSIONS, [_id_array(ids)])
            wanted = []
            for listing_id, version in cursor.fetchall():
                entry = kept[listing_id]
                if entry is not None and entry[0] == version:
                    found[listing_id] = entry[1]
                else:
                    wanted.append(listing_id)
        fresh: list[tuple[int, tuple[int, Row]]] = []
        if wanted:
            run_prepared(cursor, sql, [_id_array(wanted)])
            for raw in cursor.fetchall():
                found[raw[0]] = row = (raw[:-2], raw[-2])
                fresh.append((raw[0], (raw[-1], row)))
    if fresh and not connection.in_atomic_block:
        with _KEPT_LOCK:
            for listing_id, entry in fresh:
                _KEPT[listing_id] = entry
                _KEPT.move_to_end(listing_id)  # in again, as the newest
            while len(_KEPT) > KEPT_CARDS:
                _KEPT.popitem(last=False)
    return found


def _id_array(ids: list[int]) -> str:
    """Listing ids as a PostgreSQL array's text, one parameter (psycopg dumps a list item by item: 0.1 ms
    of CPU for 20 ids)."""
    return "{" + ",".join(map(str, ids)) + "}"


def _shown(raw: tuple, vendor: str) -> list:
    """A row's values as the model path shows them (booleans, JSON, ISO dates and times)."""
    values = list(raw)
    for position, read in _statement(vendor)[2]:
        if values[position] is not None:
            values[position] = read(values[position])
    return values


def _detail_offsets() -> dict[str, int]:
    """Where each kind's details start in a row (at the details row's key, then DETAIL_FIELDS)."""
    offsets, start = {}, len(READ)
    for kind in KINDS:
        offsets[str(kind)] = start
        start += 1 + len(DETAIL_FIELDS[kind])
    return offsets


DETAILS_AT = _detail_offsets()
CURRENCY, UNIT_PRICE, LATITUDE, LONGITUDE = (
    READ.index(name) for name in ("currency", "unit_price", "latitude", "longitude")
)
SERVICE_RADIUS = DETAILS_AT[ListingKind.DRIVER] + 1 + DETAIL_FIELDS[ListingKind.DRIVER].index("service_radius_km")


def _details(values: list, kind: str) -> dict[str, Any]:
    """The kind's own fields of the listing, or {} when it has no details row (as api._out)."""
    start = DETAILS_AT[kind]
    if values[start] is None:
        return {}
    names = DETAIL_FIELDS[kind]
    return dict(zip(names, values[start + 1 : start + 1 + len(names)], strict=True))


def public_search_json(*, query: SearchQuery, currency: str) -> bytes:
    """One page of search results as the public sees them (areas, rounded distances): SearchOut's JSON.

    The same listings, order and values as `privacy.public_search` with `api._out` for each listing,
    the same bytes as SearchOut written by pydantic: each card is its kept JSON (`_card_json`) and the
    two values that depend on the search, the page's other fields written by pydantic's core after them.
    """
    # Called through the selectors module, where it is read (and where tests observe it).
    found = selectors.search_listing_hits(privacy.widened(query))
    rows = _rows([hit.listing_id for hit in found.hits]) if found.hits else {}
    kept: list[tuple[float, int, tuple[float, float], tuple, list[str | None]]] = []
    for hit in found.hits:
        if hit.listing_id not in rows:
            continue  # deleted since the geo search read it
        values, photos = rows[hit.listing_id]
        kind = values[1]
        place = privacy.public_hit(
            query,
            listing_id=values[0],
            kind=kind,
            latitude=values[LATITUDE],
            longitude=values[LONGITUDE],
            service_radius_km=values[SERVICE_RADIUS] if kind == ListingKind.DRIVER else None,
        )
        if place is not None:
            kept.append((place[2], values[0], (place[0], place[1]), values, photos))
    if query.sort == SortOrder.DISTANCE:
        kept.sort(key=lambda each: (each[0], each[1]))
    approximate, rates = approximate_unit_prices([(each[3][CURRENCY], each[3][UNIT_PRICE]) for each in kept], currency)
    urls = listing_urls([listing_id for _, listing_id, *_ in kept])
    photo_urls = selectors.photo_urls_of_each([each[4] for each in kept])
    vendor = connection.vendor
    results = b",".join(
        _card_json(vendor, values, point, tuple(photos), url)
        + to_json({"distance_km": privacy.rounded_km(distance), "approx_unit_price": price})[1:]
        for (distance, _, point, values, _), price, url, photos in zip(kept, approximate, urls, photo_urls, strict=True)
    )
    rest = {
        "page": found.page,
        "has_next": found.has_next,
        "currency": currency,
        "price_rule": price_rule(query) if query.sort == SortOrder.PRICE else None,
        "rates_note": stale_note(rates) if rates is not None else None,
    }
    return b'{"results":[' + results + b"]," + to_json(rest)[1:]


@functools.lru_cache(maxsize=KEPT_CARDS)
def _card_json(vendor: str, raw: tuple, point: tuple[float, float], photos: tuple[str, ...], url: str) -> bytes:
    """A card's JSON up to its search-dependent values (distance, approximate price): `{"id":...,"url":"...",`.

    Kept per process, keyed by everything it shows: the row as read (a listing edited since is read
    differently, so written afresh), its area point, photo URLs and page URL. A search page's 20 cards
    cost a web process more CPU written than read; a kept card is one lookup.
    """
    card = _card(_shown(raw, vendor), point, list(photos), url)
    written = to_json(card)
    return written[:-1] + b","  # the closing brace replaced: the search's values follow


def _card(values: list, point: tuple[float, float], photos: list[str], url: str) -> dict:
    """A listing as ListingOut shows it to the public: its fields in the schema's order up to `url` (the
    search's values, distance_km and approx_unit_price, follow it), the area, no address."""
    (
        listing_id,
        kind,
        status,
        title,
        description,
        text_language,
        city,
        country_code,
        time_zone,
        listing_currency,
        unit_price,
        fee_amount,
        min_units,
        max_units,
        advance_notice_hours,
        capacity,
        instant_book,
        verified_guests_only,
        cancellation_policy,
        booking_horizon_days,
        rating_count,
        rating_sum,
    ) = values[: len(SHOWN)]
    return {
        "id": listing_id,
        "kind": kind,
        "status": status,
        "title": title,
        "description": description,
        "text_language": text_language,
        "exact_location": False,
        "address": None,
        "city": city,
        "country_code": country_code,
        "latitude": None,
        "longitude": None,
        "area": {"latitude": point[0], "longitude": point[1], "radius_m": privacy.AREA_RADIUS_M},
        "time_zone": time_zone,
        "currency": listing_currency,
        "unit_price": unit_price,
        "fee_amount": fee_amount,
        "min_units": min_units,
        "max_units": max_units,
        "advance_notice_hours": advance_notice_hours,
        "capacity": capacity,
        "instant_book": instant_book,
        "verified_guests_only": verified_guests_only,
        "cancellation_policy": cancellation_policy,
        "booking_horizon_days": booking_horizon_days,
        "rating_count": rating_count,
        "rating_sum": rating_sum,
        "details": _details(values, kind),
        "photos": photos,
        "url": url,
    }
