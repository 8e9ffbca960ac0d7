"""A map's visible rectangle as the search area: validated, covered by a circle, tested in SQL and numpy.

An area search runs the circle search algorithms unchanged (nearest, cheapest, best rated), on the
circle centred on the rectangle that holds all of it (`Bounds.circle`), with the rectangle as one
more SQL condition next to the filters (`sql`), and again in numpy on the rows read (`contains`),
so every order stays exact. A rectangle whose west edge is east of its east edge crosses the
antimeridian: its longitudes are two ranges, [west, 180] and [-180, east].

Drivers in an area are found where they are based, like rooms and cars (a map shows places, and
their marker is there), not by how far they travel: their service radius plays no part.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import h3
import numpy as np
from django.utils.translation import gettext_noop

from core.errors import DomainError
from listings import geo

# "More than a country": how far across a view may be (Bounds.across_km, about its diagonal).
MAX_ACROSS_KM = 1000.0
# Degrees around a cell's vertices that hold its edges (see Bounds.prune), and the latitude beyond
# which cells are not pruned.
_CELL_SLACK = 0.001
_POLAR = 85.0


@dataclass(frozen=True)
class Bounds:
    """A rectangle of latitudes and longitudes: south < north; west > east when it crosses the antimeridian."""

    south: float
    west: float
    north: float
    east: float

    def __post_init__(self) -> None:
        for name, value, limit in (
            ("south", self.south, 90),
            ("north", self.north, 90),
            ("west", self.west, 180),
            ("east", self.east, 180),
        ):
            if math.isnan(value) or not -limit <= value <= limit:
                raise DomainError(
                    gettext_noop(
                        "The area must lie on the globe: latitudes from -90 to 90, longitudes from -180 to 180."
                    ),
                    field=name,
                )
        if self.south >= self.north:
            raise DomainError(gettext_noop("The area's south edge must be south of its north edge."), field="south")
        if self.west == self.east:
            raise DomainError(
                gettext_noop("The area has no width: its west and east edges are the same."), field="west"
            )
        across = self.across_km
        if not across <= MAX_ACROSS_KM:  # NaN too: Vincenty may not converge for nearly antipodal corners
            raise DomainError(
                gettext_noop(
                    "This area is %(across)s km across, more than the %(most)s km a search covers. Zoom in and "
                    "search again."
                ),
                params={"across": f"{across:,.0f}", "most": f"{MAX_ACROSS_KM:,.0f}"},
                field="bounds",
            )

    @property
    def crosses_antimeridian(self) -> bool:
        return self.west > self.east

    @property
    def span(self) -> float:
        """Degrees of longitude from the west edge eastwards to the east edge."""
        return self.east - self.west + (360.0 if self.crosses_antimeridian else 0.0)

    @property
    def centre(self) -> tuple[float, float]:
        longitude = self.west + self.span / 2
        return (self.south + self.north) / 2, (longitude + 180.0) % 360.0 - 180.0

    def _corners(self) -> tuple[np.ndarray, np.ndarray]:
        return np.array([self.south, self.south, self.north, self.north]), np.array(
            [self.west, self.east, self.west, self.east]
        )

    @property
    def across_km(self) -> float:
        """Twice the geodesic from the centre to the farthest corner: about the diagonal, what a person means by
        how large the view is. (Not the corner-to-corner geodesic: a rectangle wrapping most of the way round
        the globe has corners close together the short way.)"""
        lats, lngs = self._corners()
        latitude, longitude = self.centre
        return 2 * float(geo.geodesic_km(latitude, longitude, lats, lngs).max())

    def circle(self) -> tuple[float, float, float]:
        """(latitude, longitude, radius_km): a circle around the centre holding the whole rectangle.

        On a sphere the point of a latitude-longitude rectangle farthest from its centre is a corner
        (along a parallel the distance grows with the longitude apart; along a meridian its cosine is
        a sinusoid of the latitude, least at an end), and geo.sphere_circumradius_km widens that to
        the ellipsoid.
        """
        latitude, longitude = self.centre
        lats, lngs = self._corners()
        return latitude, longitude, geo.sphere_circumradius_km(latitude, longitude, lats, lngs)

    def sql(self, latitude: str = "l.latitude", longitude: str = "l.longitude") -> tuple[str, list]:
        """A condition keeping the rows whose point is in the rectangle, and its parameters."""
        joiner = "OR" if self.crosses_antimeridian else "AND"
        return (
            f"{latitude} >= %s AND {latitude} <= %s AND ({longitude} >= %s {joiner} {longitude} <= %s)",
            [self.south, self.north, self.west, self.east],
        )

    def contains(self, lats: np.ndarray, lngs: np.ndarray) -> np.ndarray:
        """The same test as `sql`, on arrays of points."""
        in_band = (lats >= self.south) & (lats <= self.north)
        if self.crosses_antimeridian:
            return in_band & ((lngs >= self.west) | (lngs <= self.east))
        return in_band & (lngs >= self.west) & (lngs <= self.east)

    def holds(self, latitude: float, longitude: float) -> bool:
        """The same test for one point."""
        return bool(self.contains(np.array([latitude]), np.array([longitude]))[0])

    def widened(self, km: float) -> Bounds:
        """A rectangle `km` larger on every side (clamped at the poles; longitudes wrap), for public searches.

        A degree of longitude is shortest on the parallel nearest a pole, so the widening in longitude
        is measured there; when that reaches a pole, the rectangle takes every longitude.
        """
        degrees_of_latitude = km / 110.5  # a degree of latitude is at least 110.5 km
        south = max(-90.0, self.south - degrees_of_latitude)
        north = min(90.0, self.north + degrees_of_latitude)
        polar = max(abs(south), abs(north))
        if polar >= 89.9:
            return _unchecked(south, -180.0, north, 180.0)
        degrees_of_longitude = km / (111.3 * math.cos(math.radians(polar)))
        if self.span + 2 * degrees_of_longitude >= 360:
            return _unchecked(south, -180.0, north, 180.0)
        west = (self.west - degrees_of_longitude + 180.0) % 360.0 - 180.0
        east = (self.east + degrees_of_longitude + 180.0) % 360.0 - 180.0
        return _unchecked(south, west, north, east)

    def prune(self, cells: list[str], whole: np.ndarray) -> tuple[list[str], np.ndarray]:
        """The cells that may hold a point of the rectangle, and which of them are `whole` and wholly inside it.

        A search's cells cover its circle, whose corners lie outside the rectangle: a cell there would
        be scanned for rows the rectangle then turns away (in a dense centre, thousands). A cell's
        edges are great-circle arcs between its vertices (H3), a few kilometres long, which stray from
        the vertices' range of latitudes and longitudes by metres at most: the range widened by
        _CELL_SLACK degrees holds the cell. Near a pole a cell is simply kept (and not called whole).
        """
        if not cells:
            return cells, whole
        boundaries = [h3.cell_to_boundary(cell) for cell in cells]
        width = max(len(boundary) for boundary in boundaries)
        vertices = np.array([boundary + (boundary[0],) * (width - len(boundary)) for boundary in boundaries])
        latitudes = vertices[:, :, 0]
        south, north = latitudes.min(axis=1) - _CELL_SLACK, latitudes.max(axis=1) + _CELL_SLACK
        polar = np.abs(latitudes).max(axis=1) >= _POLAR
        # Longitudes as degrees east of the rectangle's centre, so a cell's vertices are continuous
        # (a cell across from the centre, where they are not, is in a rectangle that reaches a pole).
        half = self.span / 2
        east_of_centre = (vertices[:, :, 1] - self.centre[1] + 180.0) % 360.0 - 180.0
        slack = _CELL_SLACK / np.cos(np.radians(np.minimum(np.abs(latitudes).max(axis=1), _POLAR)))
        west, east = east_of_centre.min(axis=1) - slack, east_of_centre.max(axis=1) + slack
        polar |= east - west > 180.0
        meets = (north >= self.south) & (south <= self.north) & (east >= -half) & (west <= half)
        within = (south >= self.south) & (north <= self.north) & (west >= -half) & (east <= half)
        keep = polar | meets
        return [cell for cell, kept in zip(cells, keep, strict=True) if kept], (whole & within & ~polar)[keep]

    def as_params(self) -> dict[str, float]:
        return {"south": self.south, "west": self.west, "north": self.north, "east": self.east}


def _unchecked(south: float, west: float, north: float, east: float) -> Bounds:
    """A widened rectangle: it may be a little more than MAX_ACROSS_KM across, which is only for what people ask."""
    bounds = object.__new__(Bounds)
    for name, value in (("south", south), ("west", west), ("north", north), ("east", east)):
        object.__setattr__(bounds, name, value)
    return bounds


def bounds_from(south: float | None, west: float | None, north: float | None, east: float | None) -> Bounds | None:
    """The rectangle of four optional edges (page or API parameters): None when none is given."""
    edges = {"south": south, "west": west, "north": north, "east": east}
    if all(value is None for value in edges.values()):
        return None
    missing = [name for name, value in edges.items() if value is None]
    if missing:
        raise DomainError(
            gettext_noop("Give all four edges of the area (south, west, north, east), or none."), field=missing[0]
        )
    return Bounds(south=float(south), west=float(west), north=float(north), east=float(east))  # type: ignore[arg-type]
