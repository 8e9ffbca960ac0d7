"""Providers who switched "available now" on at a point, and requests made through the services."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from accounts.models import User
from dispatch.inputs import Need, Position
from dispatch.models import DispatchRequest
from dispatch.services.availability import go_available
from dispatch.services.requests import request_now
from listings.models import Listing, ListingKind
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.payments.fixtures import card

NOW = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
# The requester stands here (central Paris).
HERE = (48.8566, 2.3522)


def point_at(km: float, bearing_deg: float = 90.0) -> tuple[float, float]:
    """A point about `km` from HERE (flat-earth offset: fine at city scale; tests use real distances anyway)."""
    lat0, lng0 = HERE
    d_lat = km * math.cos(math.radians(bearing_deg)) / 111.32
    d_lng = km * math.sin(math.radians(bearing_deg)) / (111.32 * math.cos(math.radians(lat0)))
    return lat0 + d_lat, lng0 + d_lng


def provider(
    *,
    km: float = 1.0,
    bearing: float = 90.0,
    kind: str = ListingKind.DRIVER,
    available: bool = True,
    radius_km: float = 15,
    now: datetime = NOW,
    **listing_fields,
) -> Listing:
    """A provider's listing, switched available at `km` from HERE (its base point is far away on purpose)."""
    listing = make_listing(kind=kind, **{"instant_book": True, **listing_fields})
    if kind == ListingKind.DRIVER:
        listing.driver.service_radius_km = radius_km
        listing.driver.save()
    if available:
        lat, lng = point_at(km, bearing)
        go_available(provider=listing.owner, listing_id=listing.pk, position=Position(lat, lng), now=now)
    return listing


def request_driver(
    *,
    requester: User | None = None,
    kind: str = ListingKind.DRIVER,
    hours: int = 2,
    when: object = "now",
    now: datetime = NOW,
) -> DispatchRequest:
    """A request made as the pages and the API make one: `when` is read by `Need.parse` ("now", a time, a string)."""
    need = Need.parse(kind=kind, latitude=HERE[0], longitude=HERE[1], hours=hours, when=when)
    return request_now(requester=requester or make_user(), need=need, payment_method=card(), now=now)
