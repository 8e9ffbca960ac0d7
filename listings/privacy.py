"""Where a listing is, as each viewer may see it: the area until booked, the exact place for the host and booked guests.

A host's home (or a car's parking spot, or a driver's base) is private until a booking is confirmed.
Everybody else sees an *area*: a circle of `AREA_RADIUS_M` around a point moved away from the true one
by a stable, secret offset (an HMAC of a key derived from SECRET_KEY and the listing id, so neither the
public id nor repeated visits reveal it), and the city. Search results give distances to that area
point, rounded to `DISTANCE_STEP_KM`, and a listing is in the results when its area point is within the
radius: searching from many places converges on the area point, never on the home.

This is the presentation layer only: the search index and its internals keep using the true point.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import math
from dataclasses import dataclass, replace

from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from listings import selectors
from listings.models import Listing
from listings.search import MAX_RADIUS_KM, SearchHit, SearchQuery, SearchResult, SortOrder

# The area circle shown instead of the pin, and how far its centre sits from the true point. The true
# point is always inside the circle (offset < radius), and never closer to the centre than the minimum
# offset, so the best an attacker can do from the circle (or from rounded distances to it) is >= 450 m off.
AREA_RADIUS_M = 1000
OFFSET_MIN_M = 450
OFFSET_MAX_M = 750
DISTANCE_STEP_KM = 0.5
METRES_PER_DEGREE = 111_320.0
# The HMAC's key salt: changing it moves every listing's area.
AREA_SALT = b"sharing.listings.privacy.area"
# math's functions bound as names: the same operations without an attribute look-up each (twenty times a
# search page, in area_point and great_circle_km).
_radians, _sin, _cos, _asin, _sqrt = math.radians, math.sin, math.cos, math.asin, math.sqrt

# Booking statuses (bookings.models.BookingStatus) from which the guest knows where to go. Named here as
# strings because listings sits below bookings and does not import it.
GUEST_KNOWS_STATUSES = ("confirmed", "in_progress", "completed", "disputed")


@dataclass(frozen=True)
class Whereabouts:
    """What a viewer may see of a listing's place: the exact point and address, or only the area."""

    exact: bool
    latitude: float  # the true point when exact, else the area's centre
    longitude: float
    radius_m: int  # the area circle; 0 when exact
    address: str | None  # None unless exact
    city: str
    country_code: str

    @property
    def area_label(self) -> str:
        return ", ".join(part for part in (self.city, self.country_code) if part) or "Area shown on the map"


def area_point(listing_id: int, latitude: float, longitude: float) -> tuple[float, float]:
    """The centre of the listing's public area: the true point moved by a secret, stable offset."""
    return _area_point(settings.SECRET_KEY, listing_id, latitude, longitude)


def _area_point(secret: str, listing_id: int, latitude: float, longitude: float) -> tuple[float, float]:
    # salted_hmac("sharing.listings.privacy.area", str(listing_id), secret, algorithm="sha256"), with its
    # derived key made once per secret (_area_key): salted_hmac derives it again at each call, and reads
    # settings through the lazy object, ~60 % of the 11 microseconds an area point took, times nearly
    # every card of a search among 1,000,000 listings (its places seldom repeat, so area_centre misses).
    digest = hmac.digest(_area_key(secret), str(listing_id).encode(), "sha256")
    bearing = int.from_bytes(digest[:4], "big") / 2**32 * 2 * math.pi
    distance = OFFSET_MIN_M + int.from_bytes(digest[4:8], "big") / 2**32 * (OFFSET_MAX_M - OFFSET_MIN_M)
    north, east = distance * _cos(bearing), distance * _sin(bearing)
    lat = latitude + north / METRES_PER_DEGREE
    lng = longitude + east / (METRES_PER_DEGREE * max(_cos(_radians(latitude)), 1e-6))
    lat = max(-90.0, min(90.0, lat))
    lng = (lng + 180.0) % 360.0 - 180.0
    return lat, lng


@functools.lru_cache(maxsize=4)
def _area_key(secret: str) -> bytes:
    """salted_hmac's derived key for the area's salt and `secret` (sha256 of the salt then the secret)."""
    return hashlib.sha256(AREA_SALT + secret.encode()).digest()


def area_centre(listing_id: int, latitude: float, longitude: float) -> tuple[float, float]:
    """The area point as shown (rounded to 5 decimals, about a metre), kept per process.

    An HMAC per listing per request was a tenth of a millisecond, twenty times a search page. The key
    holds the secret and the true point, so a moved listing or a new SECRET_KEY is computed afresh.
    """
    return _area_centre(settings.SECRET_KEY, listing_id, latitude, longitude)


@functools.lru_cache(maxsize=131072)
def _area_centre(secret: str, listing_id: int, latitude: float, longitude: float) -> tuple[float, float]:
    lat, lng = _area_point(secret, listing_id, latitude, longitude)
    return round(lat, 5), round(lng, 5)


def may_see_exact(listing: Listing, viewer: User | AnonymousUser | None) -> bool:
    """The owner, and a guest from the moment one of their bookings of this listing is confirmed."""
    if viewer is None or not viewer.is_authenticated:
        return False
    if viewer.pk == listing.owner_id:
        return True
    return listing.bookings.filter(guest_id=viewer.pk, status__in=GUEST_KNOWS_STATUSES).exists()


def exact(listing: Listing) -> Whereabouts:
    return Whereabouts(
        exact=True,
        latitude=listing.latitude,
        longitude=listing.longitude,
        radius_m=0,
        address=listing.address,
        city=listing.city,
        country_code=listing.country_code,
    )


def area(listing: Listing) -> Whereabouts:
    return _area_at(listing, *area_centre(listing.pk, listing.latitude, listing.longitude))


def _area_at(listing: Listing, latitude: float, longitude: float) -> Whereabouts:
    return Whereabouts(
        exact=False,
        latitude=latitude,
        longitude=longitude,
        radius_m=AREA_RADIUS_M,
        address=None,
        city=listing.city,
        country_code=listing.country_code,
    )


def whereabouts(listing: Listing, viewer: User | AnonymousUser | None) -> Whereabouts:
    """The place of `listing` as `viewer` may see it."""
    return exact(listing) if may_see_exact(listing, viewer) else area(listing)


def great_circle_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = _radians(lat1), _radians(lat2)
    dp, dl = p2 - p1, _radians(lng2 - lng1)
    h = _sin(dp / 2) ** 2 + _cos(p1) * _cos(p2) * _sin(dl / 2) ** 2
    return 2 * 6371.0088 * _asin(min(1.0, _sqrt(h)))


def rounded_km(distance_km: float) -> float:
    """A distance as search results show it: to the nearest half kilometre, and never less than one step."""
    return max(DISTANCE_STEP_KM, round(distance_km / DISTANCE_STEP_KM) * DISTANCE_STEP_KM)


def widened(query: SearchQuery) -> SearchQuery:
    """The query searched in the index: its circle, or its rectangle, larger by the largest area offset."""
    if query.bounds is None:
        return replace(query, radius_km=min(MAX_RADIUS_KM, query.radius_km + OFFSET_MAX_M / 1000))
    # 10 m more for the area point's rounding to 5 decimals (about a metre).
    wider = query.bounds.widened(OFFSET_MAX_M / 1000 + 0.01)
    latitude, longitude, radius_km = wider.circle()
    return replace(query, bounds=wider, latitude=latitude, longitude=longitude, radius_km=radius_km)


def public_hit(
    query: SearchQuery,
    *,
    listing_id: int,
    kind: str,
    latitude: float,
    longitude: float,
    service_radius_km: float | None,
) -> tuple[float, float, float] | None:
    """Whether a listing found by the widened query is in the public results: its area point (latitude,
    longitude) and the exact distance to it, or None when its area point is outside what was asked.

    A driver (with its details: `service_radius_km`) is found where it comes to, its service radius
    around its base, not within the searcher's radius; the same rule, measured from its area point.
    In an area search, a listing whose area point (its marker) is in the rectangle, drivers too.
    """
    lat, lng = area_centre(listing_id, latitude, longitude)
    distance = great_circle_km(query.latitude, query.longitude, lat, lng)
    if query.bounds is not None:
        return (lat, lng, distance) if query.bounds.holds(lat, lng) else None
    reach = float(service_radius_km) if kind == "driver" and service_radius_km is not None else query.radius_km
    return (lat, lng, distance) if distance <= reach else None


def public_search(*, query: SearchQuery) -> SearchResult:
    """One page of results as the public sees them: areas, rounded distances to them, area inside the radius.

    The index is searched around the true points with the radius widened by the largest offset, then a
    listing is kept when its *area point* is within the asked radius: whether a home appears thus depends
    on its area point alone, so probing the edge of the circle from many places does not find the home.
    A page can therefore hold a few results fewer than asked near the edge; the next page is unaffected.
    An area search (query.bounds, a map's rectangle) works the same way: the rectangle is widened by the
    largest offset on every side, and a listing is kept when its area point, where its marker is drawn,
    is in the rectangle asked (`public_hit`).
    Each listing carries `distance_km` (rounded, to the area) and `whereabouts` (the area).
    The search API reads the same page as plain rows (listings.cards).
    """
    found = selectors.search_listings(query=widened(query))
    kept: list[tuple[float, Listing]] = []
    for listing in found.listings:
        driver = getattr(listing, "driver", None) if listing.kind == "driver" else None
        hit = public_hit(
            query,
            listing_id=listing.pk,
            kind=listing.kind,
            latitude=listing.latitude,
            longitude=listing.longitude,
            service_radius_km=driver.service_radius_km if driver is not None else None,
        )
        if hit is None:
            continue
        lat, lng, distance = hit
        listing.whereabouts = _area_at(listing, lat, lng)
        listing.distance_km = rounded_km(distance)
        kept.append((distance, listing))
    if query.sort == SortOrder.DISTANCE:
        kept.sort(key=lambda pair: (pair[0], pair[1].pk))
    listings = [listing for _, listing in kept]
    hits = [SearchHit(listing_id=listing.pk, distance_km=rounded_km(distance)) for distance, listing in kept]
    return SearchResult(hits=hits, page=found.page, has_next=found.has_next, listings=listings)
