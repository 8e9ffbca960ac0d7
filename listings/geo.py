"""Geometry for search: H3 cells of a point, exact ellipsoidal distances, provable cell bounds.

Distances are geodesics on the WGS-84 ellipsoid (Vincenty's inverse formula,
vectorised with numpy; it agrees with geopy's `geodesic` to well under a
millimetre at the distances search deals with). A cell's lower bound is the
distance from the search point to the cell's centre minus the cell's
circumradius: no point inside the cell can be closer (triangle inequality),
which is what lets nearest-first search stop without reading every listing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import h3
import numpy as np

# Resolutions of the three indexed columns on Listing and of the driver coverage.
RES_FINE = 10  # ~66 m edges: nearest-first in dense centres
RES_MID = 8  # ~460 m edges: suburbs
RES_COARSE = 6  # ~3.7 km edges: countryside, and price/rating order
RES_COVERAGE = 5  # ~8.5 km edges: the cells a driver's service disk may reach

_A = 6378137.0
_F = 1 / 298.257223563
_B = _A * (1 - _F)
# H3 draws cells on a sphere; on the ellipsoid a cell's edge may bulge very slightly
# past its vertices' distance, so the circumradius gets a safety margin.
_CIRCUMRADIUS_MARGIN = 1.01
_CIRCUMRADIUS_SLACK_KM = 0.005


def geodesic_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Ellipsoidal distance in km between points given in degrees (arrays broadcast)."""
    lat1, lon1, lat2, lon2 = (np.asarray(v, dtype=np.float64) for v in (lat1, lon1, lat2, lon2))
    lam_0 = np.radians(lon2 - lon1)
    u1 = np.arctan((1 - _F) * np.tan(np.radians(lat1)))
    u2 = np.arctan((1 - _F) * np.tan(np.radians(lat2)))
    sin_u1, cos_u1, sin_u2, cos_u2 = np.sin(u1), np.cos(u1), np.sin(u2), np.cos(u2)
    lam = lam_0
    with np.errstate(invalid="ignore", divide="ignore"):
        for _ in range(60):
            sin_lam, cos_lam = np.sin(lam), np.cos(lam)
            sin_sigma = np.sqrt((cos_u2 * sin_lam) ** 2 + (cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam) ** 2)
            cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
            sigma = np.arctan2(sin_sigma, cos_sigma)
            sin_alpha = np.where(sin_sigma == 0, 0.0, cos_u1 * cos_u2 * sin_lam / sin_sigma)
            cos2_alpha = 1 - sin_alpha**2
            cos_2sm = np.where(cos2_alpha == 0, 0.0, cos_sigma - 2 * sin_u1 * sin_u2 / cos2_alpha)
            c = _F / 16 * cos2_alpha * (4 + _F * (4 - 3 * cos2_alpha))
            previous = lam
            lam = lam_0 + (1 - c) * _F * sin_alpha * (
                sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1 + 2 * cos_2sm**2))
            )
            if np.all(np.abs(lam - previous) < 1e-12):
                break
        u_sq = cos2_alpha * (_A**2 - _B**2) / _B**2
        big_a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
        big_b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
        delta_sigma = (
            big_b
            * sin_sigma
            * (
                cos_2sm
                + big_b
                / 4
                * (
                    cos_sigma * (-1 + 2 * cos_2sm**2)
                    - big_b / 6 * cos_2sm * (-3 + 4 * sin_sigma**2) * (-3 + 4 * cos_2sm**2)
                )
            )
        )
        metres = _B * big_a * (sigma - delta_sigma)
    return np.where(sin_sigma == 0, 0.0, metres) / 1000.0


def cells_for(latitude: float, longitude: float) -> tuple[int, int, int]:
    """The (fine, mid, coarse) H3 cells of a point, as the signed integers stored in the database."""
    return (
        h3.str_to_int(h3.latlng_to_cell(latitude, longitude, RES_FINE)),
        h3.str_to_int(h3.latlng_to_cell(latitude, longitude, RES_MID)),
        h3.str_to_int(h3.latlng_to_cell(latitude, longitude, RES_COARSE)),
    )


# Bounds use the fast great-circle distance on a sphere of the mean radius, corrected
# to stay on the safe side of the ellipsoid: over short distances, the geodesic is
# between 0.9944 and 1.0045 times the great-circle figure (meridian at the equator,
# meridian at the poles), so a lower bound shrinks it and a circumradius grows it.
_MEAN_RADIUS_KM = 6371.0088
_SPHERE_LOW = 0.994
_SPHERE_HIGH = 1.006


def _great_circle_km(lat1, lon1, lat2, lon2):
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(v, dtype=np.float64)) for v in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * _MEAN_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def sphere_circumradius_km(latitude: float, longitude: float, lats: np.ndarray, lngs: np.ndarray) -> float:
    """A geodesic radius around the point that holds every point no farther on the sphere than the farthest given.

    The geodesic is at most _SPHERE_HIGH times the great-circle figure (above), plus a few metres for rounding.
    """
    farthest = float(_great_circle_km(latitude, longitude, lats, lngs).max())
    return farthest * _SPHERE_HIGH + _CIRCUMRADIUS_SLACK_KM


# Cell geometry by cell, filled a whole batch at a time (cleared when full: a search needs a few
# hundred cells, and numpy on one cell's six vertices costs more than the arithmetic itself).
_GEOMETRY: dict[str, tuple[float, float, float]] = {}
_GEOMETRY_MAX = 500_000


def _cells_geometry(cells: list[str]) -> np.ndarray:
    """Rows of (centre latitude, centre longitude, circumradius km, generously rounded up), one per cell."""
    missing = [cell for cell in dict.fromkeys(cells) if cell not in _GEOMETRY]
    if missing:
        if len(_GEOMETRY) + len(missing) > _GEOMETRY_MAX:
            _GEOMETRY.clear()
        centres = np.array([h3.cell_to_latlng(cell) for cell in missing])
        boundaries = [h3.cell_to_boundary(cell) for cell in missing]
        # Pentagons and cells cut by icosahedron edges have other vertex counts: repeating a
        # vertex leaves the farthest one unchanged.
        width = max(len(boundary) for boundary in boundaries)
        vertices = np.array([boundary + (boundary[0],) * (width - len(boundary)) for boundary in boundaries])
        radius = _great_circle_km(centres[:, :1], centres[:, 1:], vertices[:, :, 0], vertices[:, :, 1]).max(axis=1)
        radius = radius * _SPHERE_HIGH * _CIRCUMRADIUS_MARGIN + _CIRCUMRADIUS_SLACK_KM
        for cell, (lat, lng), bound in zip(missing, centres.tolist(), radius.tolist(), strict=True):
            _GEOMETRY[cell] = (lat, lng, bound)
    return np.array([_GEOMETRY[cell] for cell in cells], dtype=np.float64).reshape(len(cells), 3)


def _cell_geometry(cell: str) -> tuple[float, float, float]:
    """(centre latitude, centre longitude, circumradius km, generously rounded up) of a cell."""
    return tuple(_cells_geometry([cell])[0].tolist())


def centres(latitude: float, longitude: float, cells: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cells' centres (latitudes, longitudes) and their great-circle km from the point: a rough figure,
    for choices that only cost time when wrong (the geodesic is within 0.6% of it)."""
    geometry = _cells_geometry(cells)
    return geometry[:, 0], geometry[:, 1], _great_circle_km(latitude, longitude, geometry[:, 0], geometry[:, 1])


def lower_bounds_km(latitude: float, longitude: float, cells: list[str]) -> np.ndarray:
    """For each cell, a distance no point of the cell can be closer than to (latitude, longitude)."""
    if not cells:
        return np.empty(0)
    geometry = _cells_geometry(cells)
    centre_distance = _great_circle_km(latitude, longitude, geometry[:, 0], geometry[:, 1]) * _SPHERE_LOW
    return np.maximum(centre_distance - geometry[:, 2], 0.0)


def upper_bounds_km(latitude: float, longitude: float, cells: list[str]) -> np.ndarray:
    """For each cell, a distance no point of the cell can be farther than from (latitude, longitude)."""
    if not cells:
        return np.empty(0)
    geometry = _cells_geometry(cells)
    return _great_circle_km(latitude, longitude, geometry[:, 0], geometry[:, 1]) * _SPHERE_HIGH + geometry[:, 2]


def ring(cell: str, k: int) -> list[str]:
    """Cells at grid distance exactly k (works around pentagons too)."""
    if k == 0:
        return [cell]
    try:
        return list(h3.grid_ring(cell, k))
    except h3.H3BaseException:
        return list(set(h3.grid_disk(cell, k)) - set(h3.grid_disk(cell, k - 1)))


# Kilometres per degree, at least: of latitude anywhere (110.574 at the equator), and of longitude on a
# parallel, per cosine of its latitude (the equatorial radius, 6378.137 km, is the largest a parallel can have).
KM_PER_DEGREE_OF_LATITUDE = 110.5
KM_PER_DEGREE_OF_LONGITUDE_AT_EQUATOR = 111.3


def degree_box(latitude: float, longitude: float, radius_km: float) -> tuple[float, float, float, float]:
    """(west, south, east, north) in degrees holding every point within radius_km (a geodesic) of the point.

    Rigorous on the ellipsoid: a point farther north or south than the radius allows is farther, and a
    path within the radius stays between those latitudes, where a degree of longitude is at least
    its length on the parallel nearest the pole. Across the antimeridian or over a pole, every
    longitude (the box never wraps).
    """
    margin = radius_km / KM_PER_DEGREE_OF_LATITUDE
    south, north = max(-90.0, latitude - margin), min(90.0, latitude + margin)
    pole_side = abs(latitude) + margin
    if pole_side >= 90.0:
        return -180.0, south, 180.0, north
    width = radius_km / (KM_PER_DEGREE_OF_LONGITUDE_AT_EQUATOR * math.cos(math.radians(pole_side)))
    if longitude - width < -180.0 or longitude + width > 180.0:
        return -180.0, south, 180.0, north
    return longitude - width, south, longitude + width, north


# Nearest first on PostgreSQL walks points of (longitude, Mercator ordinate) in degrees (migration 0026):
# Mercator is conformal, so around the searcher a kilometre is the same length in the plane in every
# direction, and the plane's order reads the rows of the circle of km it proves (not 1/cos(latitude)
# times as many, as the plane of longitudes and latitudes did). Where the box holding the circle reaches
# beyond this latitude, the search walks the geography index instead (listings.search.nearest).
MERCATOR_MAX_LATITUDE = 85.0


def mercator_degrees(latitude: float) -> float:
    """The Mercator ordinate of a latitude, in degrees: asinh(tan(latitude)), as migration 0026's key computes it.

    Finite at the poles too (tan of radians(90) is ~1.6e16, not infinite), so no listing's key fails."""
    return math.degrees(math.asinh(math.tan(math.radians(latitude))))


def mercator_plane_holds(box: tuple[float, float, float, float]) -> bool:
    """Whether mercator_lower_bound_km holds for the box: it spans at most 90 degrees of longitude (a box
    across the antimeridian spans all 360) and of Mercator ordinate, and lies within MERCATOR_MAX_LATITUDE."""
    west, south, east, north = box
    return (
        east - west <= 90.0
        and max(abs(south), abs(north)) <= MERCATOR_MAX_LATITUDE
        and mercator_degrees(north) - mercator_degrees(south) <= 90.0
    )


def mercator_lower_bound_km(degrees: float, box: tuple[float, float, float, float]) -> float:
    """A geodesic km that every point of the box at least `degrees` from the searcher in the plane of
    (longitude, Mercator ordinate) is at least as far from them as; the searcher is in the box, for which
    the bound must hold (mercator_plane_holds).

    On the sphere, hav(angle) = hav(dlat) + cos(lat1) cos(lat2) hav(dlng), c the cosine of the box's
    latitude nearest a pole. Between the two latitudes the Mercator ordinate grows by sec(lat) <= 1/c a
    radian of latitude, so dlat >= c dy; sin(c u) >= c sin(u) on [0, pi] (concave, 0 at 0), so
    hav(dlat) >= hav(c dy) >= c^2 hav(dy); and cos(lat1) cos(lat2) >= c^2. Hence hav(angle) >= c^2 (hav(dy)
    + hav(dlng)) >= c^2 hav(hypot(dy, dlng)) while the hypotenuse is at most pi (u -> hav(sqrt(u)) is
    concave from 0, so subadditive): with at most 90 degrees of ordinate and of longitude (both checked)
    it is at most 128. The geodesic is at least _SPHERE_LOW times the great circle.
    """
    if not mercator_plane_holds(box):
        raise ValueError("the Mercator plane's bound holds for boxes within 85 degrees of latitude, 90 a side")
    _, south, _, north = box
    c = math.cos(math.radians(max(abs(south), abs(north))))
    angle = 2 * math.asin(min(1.0, c * math.sin(math.radians(degrees) / 2)))
    return _SPHERE_LOW * _MEAN_RADIUS_KM * angle


def mercator_stretch(box: tuple[float, float, float, float]) -> float:
    """How many times the rows of the circle of km proved the plane's order reads at most: the square of
    (the cosine nearest the equator over the cosine nearest a pole, over _SPHERE_LOW). 1.02 for a 10 km
    circle at 50 degrees, 1.06 at 80."""
    _, south, _, north = box
    equator_side = 0.0 if south <= 0.0 <= north else min(abs(south), abs(north))
    ratio = math.cos(math.radians(equator_side)) / math.cos(math.radians(max(abs(south), abs(north))))
    return (ratio / _SPHERE_LOW) ** 2


def covering_cells(latitude: float, longitude: float, radius_km: float, resolution: int) -> tuple[list[str], float]:
    """Cells that may hold a point within radius_km, and a lower bound for everything outside them.

    Rings grow from the centre until the next ring is provably beyond the
    radius; cells of a ring that are entirely outside are left out.
    """
    origin = h3.latlng_to_cell(latitude, longitude, resolution)
    kept: list[str] = []
    outside = math.inf
    k = 0
    while True:
        cells = ring(origin, k)
        bounds = lower_bounds_km(latitude, longitude, cells)
        if bounds.size and bounds.min() > radius_km:
            return kept, min(outside, float(bounds.min()))
        for cell, bound in zip(cells, bounds, strict=True):
            if bound <= radius_km:
                kept.append(cell)
            else:
                outside = min(outside, float(bound))
        k += 1


def driver_coverage_cells(latitude: float, longitude: float, service_radius_km: float) -> list[int]:
    """The coverage cells of a driver based at (latitude, longitude): all that the service disk may reach."""
    cells, _ = covering_cells(latitude, longitude, service_radius_km, RES_COVERAGE)
    return [h3.str_to_int(cell) for cell in cells]


def coverage_cell_of(latitude: float, longitude: float) -> int:
    return h3.str_to_int(h3.latlng_to_cell(latitude, longitude, RES_COVERAGE))


def to_ints(cells: Iterable[str]) -> list[int]:
    return [h3.str_to_int(cell) for cell in cells]
