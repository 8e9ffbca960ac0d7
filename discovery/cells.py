"""The coarse grid that indexes saved searches: 1 degree of latitude by 1 of longitude, wrapping at ±180.

A saved search is stored with every cell its circle touches; a listing's candidates are the saved
searches in the cells its own reach touches (a point's single cell, or a driver's service circle).
Two circles that overlap share at least one point, so they share that point's cell: no match is missed,
and the exact check afterwards drops the near misses.
"""

from __future__ import annotations

import math

# Shorter than a real degree of latitude (110.57 km at the equator, longer towards the poles), so the
# boxes below are a little larger than the circles: a cell is never missed at a box's edge.
KM_PER_DEGREE = 110.0
COLUMNS = 360


def cell_of(latitude: float, longitude: float) -> int:
    row = min(math.floor(latitude) + 90, 179)
    column = (math.floor(longitude) + 180) % COLUMNS
    return row * COLUMNS + column


def cells_for_circle(latitude: float, longitude: float, radius_km: float) -> set[int]:
    """Every cell a circle touches (all columns of its rows near a pole, where longitude collapses)."""
    if radius_km <= 0:
        return {cell_of(latitude, longitude)}
    span_lat = radius_km / KM_PER_DEGREE
    low, high = max(-90.0, latitude - span_lat), min(90.0, latitude + span_lat)
    rows = range(min(math.floor(low) + 90, 179), min(math.floor(high) + 90, 179) + 1)
    widest = max(abs(low), abs(high))
    cos_lat = math.cos(math.radians(widest)) if widest < 89.0 else 0.0
    span_lng = radius_km / (KM_PER_DEGREE * cos_lat) if cos_lat > 0 else 360.0
    if span_lng >= 180.0:
        columns = range(COLUMNS)
    else:
        first, last = math.floor(longitude - span_lng), math.floor(longitude + span_lng)
        columns = range(first + 180, last + 181)
    return {row * COLUMNS + column % COLUMNS for row in rows for column in columns}
