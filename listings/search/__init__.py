"""Geo-search over the H3 cell index: nearest first, cheapest first or best rated, with filters.

`search_listing_hits` is the interface; the modules of this package each hold one job: `query`
(what is asked, validated), `area` (a map's rectangle as the place searched), `statements` (SQL
plumbing shared by every order: columns, filters, prepared statements, planner settings),
`drivers` (who comes to the searcher), `nearest`, `cheapest` and `rating` (one order each).

How a search is answered without reading every listing:
- nearest first: rings of cells grow from the searcher's cell (fine cells
  first, coarser ones when the area is sparse). After each ring, every listing
  not yet read is at least as far as the next ring's lower bound, so once the
  k-th hit is closer than that bound, it is provably the k-th.
- cheapest first: the coarse cells that cover the circle are each scanned in
  price order through the (cell, reference price) index, and the database merges
  the scans and stops after the page (a UNION ALL under ORDER BY ... LIMIT). Prices
  compare across currencies through the reference price (core.rates) and like with
  like (`price_rule`): per unit within one kind, or with dates the totals, each
  kind's own cheapest-first merged here by total (within a kind the order is the same).
- an area (a map's rectangle, `area`) is searched on the circle holding it, the
  rectangle being one more SQL condition, so each order above answers it unchanged;
- driving services match when the searcher is inside the driver's own service
  radius: each driver's service disk is covered by coarse cells
  (DriverCoverage), so "who comes to me" is one indexed lookup.
Filters run in SQL; exact distances are computed with numpy, never in a Python
loop over candidate rows.
"""

from __future__ import annotations

import copy
from datetime import datetime

import numpy as np
from django.utils import timezone

from listings.models import ListingKind
from listings.search.area import MAX_ACROSS_KM, Bounds, bounds_from
from listings.search.cheapest import by_price
from listings.search.nearest import by_distance
from listings.search.query import (
    DEFAULT_PAGE_SIZE,
    DEFAULT_RADIUS_KM,
    MAX_PAGE_SIZE,
    MAX_RADIUS_KM,
    SearchHit,
    SearchQuery,
    SearchResult,
    SortOrder,
    kinds_of,
    price_kinds,
    price_rule,
    units_between,
)
from listings.search.rating import by_rating
from listings.search.statements import where_filters

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_RADIUS_KM",
    "MAX_ACROSS_KM",
    "MAX_PAGE_SIZE",
    "MAX_RADIUS_KM",
    "Bounds",
    "SearchHit",
    "SearchQuery",
    "SearchResult",
    "SortOrder",
    "bounds_from",
    "price_rule",
    "search_listing_hits",
    "units_between",
]


def search_listing_hits(query: SearchQuery, *, now: datetime | None = None) -> SearchResult:
    """The page of hits (listing id, exact distance) for the query, without loading the listings."""
    now = now or timezone.now()
    stats = {"rows": 0}
    if query.sort == SortOrder.PRICE:
        ranked = _cheapest_like_with_like(query, now, stats)
    else:
        filters = where_filters(query, kinds_of(query), now)
        ranked = {SortOrder.DISTANCE: by_distance, SortOrder.RATING: by_rating}[query.sort](query, filters, stats)
    offset = (query.page - 1) * query.page_size
    page = ranked[offset : offset + query.page_size]
    return SearchResult(
        hits=list(map(SearchHit, page[:, 1].astype(np.int64).tolist(), page[:, 0].tolist())),
        page=query.page,
        has_next=len(ranked) > offset + query.page_size,
        rows_examined=stats["rows"],
    )


def _cheapest_like_with_like(query: SearchQuery, now: datetime, stats: dict) -> np.ndarray:
    """Rows (distance, id, price) cheapest first, comparing like with like (`price_rule`).

    One kind: its own index-backed order by reference unit price. Several kinds (only with dates): each
    kind's cheapest `wanted` rows, priced as totals (unit price times the nights or hours of the dates),
    merged here; within a kind the total keeps the unit price's order, so the merge is exact.
    """
    kinds = price_kinds(query)
    if len(kinds) == 1:
        single = _of_kind(query, kinds[0])
        return by_price(single, where_filters(single, kinds, now), stats)
    nights, hours = units_between(query.start, query.end) if query.start and query.end else (1, 1)
    parts = []
    for kind in kinds:
        single = _of_kind(query, kind)
        rows = by_price(single, where_filters(single, (kind,), now), stats)
        units = nights if kind == ListingKind.ROOM else hours
        parts.append(np.column_stack([rows[:, 0], rows[:, 1], rows[:, 2] * units]))
    merged = np.concatenate(parts)
    return merged[np.lexsort((merged[:, 1], merged[:, 2]))]


def _of_kind(query: SearchQuery, kind: str) -> SearchQuery:
    """The query for one of the kinds it searches: a copy with the kind set, not validated again.

    The query was validated when built, and the kind is one of kinds_of(query) (dataclasses.replace
    would run every check of SearchQuery again: a tenth of the Python of a countryside search).
    """
    if query.kind == kind:
        return query
    single = copy.copy(query)
    object.__setattr__(single, "kind", kind)
    return single
