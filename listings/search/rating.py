"""Best rated first: every match in the circle, ranked by average rating, then distance."""

from __future__ import annotations

import numpy as np

from listings import geo
from listings.search.drivers import come_to_searcher, driver_rows, placed_kinds, placed_sql
from listings.search.query import SearchQuery
from listings.search.statements import ID, RATING_COUNT, RATING_SUM, ROOM_CAR_COLUMNS, cell_condition, fetch, matches


def _circle_rows(query: SearchQuery, filters: tuple[str, list], stats: dict) -> np.ndarray:
    """Every matching room/car in the circle, and every driver whose service disk holds the searcher (see area)."""
    where, where_params = filters
    params: list = []
    cells, _ = geo.covering_cells(query.latitude, query.longitude, query.radius_km, geo.RES_COARSE)
    if query.bounds is not None:  # an area search: the cells that meet its rectangle (see area)
        cells, _ = query.bounds.prune(cells, np.zeros(len(cells), dtype=bool))
    if cells and placed_kinds(query):
        cells_sql = cell_condition("cell_coarse", geo.to_ints(cells), params)
        params += where_params
        sql = f"SELECT {ROOM_CAR_COLUMNS} FROM listings_listing l WHERE {cells_sql} AND {placed_sql(query)} AND {where}"  # noqa: S608
        rows = fetch(sql, params)
        stats["rows"] += len(rows)
    else:
        rows = np.empty((0, 7))
    if come_to_searcher(query):
        rows = np.concatenate([rows, driver_rows(query, filters, stats)])
    return rows


def by_rating(query: SearchQuery, filters: tuple[str, list], stats: dict) -> np.ndarray:
    rows = _circle_rows(query, filters, stats)
    mask, distance = matches(query, rows)
    rows, distance = rows[mask], distance[mask]
    with np.errstate(invalid="ignore", divide="ignore"):
        rating = np.where(rows[:, RATING_COUNT] > 0, rows[:, RATING_SUM] / rows[:, RATING_COUNT], -1.0)
    # Best average first; unrated last; then nearer, then older listing.
    order = np.lexsort((rows[:, ID], distance, -rating))
    return np.column_stack([distance[order], rows[order, ID]])
