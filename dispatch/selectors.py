"""Reads of the dispatch app: who is available near a point (nearest first), live offers, visible requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import h3
import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import QuerySet

from dispatch.models import Availability, DispatchRequest, Offer, OfferState, RequestState
from listings import geo
from listings.models import CarDetails, Listing, ListingStatus
from sharing.errors import NotFound

# Rings of mid-resolution cells (~460 m edges) read before falling back to the coarse cover
# of the whole reach: dense cities answer within a few rings, sparse areas in one more query.
FINE_RINGS = 8


@dataclass(frozen=True)
class Candidate:
    listing_id: int
    provider_id: int
    distance_km: float


# One statement per ring, in SQL (Django's query compiler would cost more than the query on a busy CPU).
# `a.is_available` is written exactly as the partial index's predicate so both databases use that index.
_CANDIDATES_SQL = """
SELECT a.listing_id, a.provider_id, a.latitude, a.longitude, a.reach_km
FROM dispatch_availability a JOIN listings_listing l ON l.id = a.listing_id
WHERE a.is_available AND a.kind = %s AND a.{column} IN ({cells})
  AND a.last_seen >= %s AND a.provider_id <> %s
  AND l.status = %s AND l.advance_notice_hours = 0 AND l.min_units <= %s AND l.max_units >= %s
"""


def _available(
    *, column: str, cells: list[int], kind: str, hours: int, now: datetime, exclude_provider_id: int | None
) -> list[tuple]:
    """Available providers of a kind in these cells whose listing can take a job of `hours` starting soon."""
    if not cells:
        return []
    cutoff = connection.ops.adapt_datetimefield_value(now - timedelta(seconds=settings.DISPATCH_SILENCE_SECONDS))
    sql = _CANDIDATES_SQL.format(column=column, cells=", ".join(["%s"] * len(cells)))
    params = [kind, *cells, cutoff, exclude_provider_id or 0, ListingStatus.ACTIVE.value, hours, hours]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def nearest_available(
    *,
    kind: str,
    latitude: float,
    longitude: float,
    hours: int,
    count: int,
    now: datetime,
    exclude_provider_id: int | None = None,
    skip_listing_ids: frozenset[int] = frozenset(),
) -> list[Candidate]:
    """The `count` nearest available providers whose reach covers the point, nearest first.

    Reads rings of H3 cells around the point through the partial (kind, cell) index; after
    each ring, nobody unread can be nearer than the next ring's lower bound, so the search
    stops as soon as the count-th candidate is nearer than that. Past FINE_RINGS rings, one
    query over the coarse cells covering the maximum reach finishes the job. Never a scan.
    """
    where = {"kind": kind, "hours": hours, "now": now, "exclude_provider_id": exclude_provider_id}
    found: dict[int, Candidate] = {}
    max_reach = float(settings.DISPATCH_MAX_REACH_KM)

    def take(rows: list[tuple]) -> None:
        rows = [row for row in rows if row[0] not in skip_listing_ids and row[0] not in found]
        if not rows:
            return
        data = np.array([row[2:] for row in rows], dtype=np.float64)
        distances = geo.geodesic_km(latitude, longitude, data[:, 0], data[:, 1])
        for row, distance in zip(rows, distances, strict=True):
            if distance <= min(row[4], max_reach):
                found[row[0]] = Candidate(listing_id=row[0], provider_id=row[1], distance_km=float(distance))

    def ordered() -> list[Candidate]:
        return sorted(found.values(), key=lambda c: (c.distance_km, c.listing_id))

    origin = h3.latlng_to_cell(latitude, longitude, geo.RES_MID)
    # The first read takes the point's cell and the ring around it together: in a city the nearest
    # few are seldom all in one cell, and one statement costs less than two (reading more cells
    # early never changes the answer, only when the search may stop).
    cells = [origin, *geo.ring(origin, 1)]
    for k in range(1, FINE_RINGS + 1):
        take(_available(column="cell", cells=geo.to_ints(cells), **where))
        cells = geo.ring(origin, k + 1)
        beyond = float(geo.lower_bounds_km(latitude, longitude, cells).min())
        best = ordered()
        if beyond > max_reach or (len(best) >= count and best[count - 1].distance_km <= beyond):
            return best[:count]
    coarse, _ = geo.covering_cells(latitude, longitude, max_reach, geo.RES_COVERAGE)
    take(_available(column="cell_coarse", cells=geo.to_ints(coarse), **where))
    return ordered()[:count]


# What `bookings.selectors.quote_for` reads of a driving service or a car. Read in one plain statement:
# every estimate prices the nearest providers, and loading whole listings through the ORM cost more
# than the search itself. The other fields stay deferred, so a read of one of them is a query, not a wrong value.
# In the model's field order: that is the order `Model.from_db` expects the values in.
_QUOTE_FIELDS = [
    field.attname
    for field in Listing._meta.concrete_fields
    if field.name in {"id", "kind", "time_zone", "currency", "unit_price", "fee_amount"}
]
_QUOTE_SQL = """
SELECT {columns}, c.day_price
FROM listings_listing l LEFT JOIN listings_cardetails c ON c.listing_id = l.id
WHERE l.id IN ({{ids}})
""".format(columns=", ".join(f"l.{Listing._meta.get_field(name).column}" for name in _QUOTE_FIELDS))


def listings_to_quote(listing_ids: list[int]) -> dict[int, Listing]:
    """The listings by id with what a quote needs (and a car's day price), for `quote_for`."""
    if not listing_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_QUOTE_SQL.format(ids=", ".join(["%s"] * len(listing_ids))), list(listing_ids))
        rows = cursor.fetchall()
    listings = {}
    for *fields, day_price in rows:
        listing = Listing.from_db(connection.alias, _QUOTE_FIELDS, fields)
        if day_price is not None:
            listing.car = CarDetails.from_db(connection.alias, ["listing_id", "day_price"], [listing.pk, day_price])
        listings[listing.pk] = listing
    return listings


def live_offers_for(*, provider) -> QuerySet[Offer]:
    """Offers this provider can still accept: open, on a request still looking, not expired."""
    return (
        Offer.objects.filter(provider=provider, state=OfferState.OPEN, request__state=RequestState.REQUESTED)
        .select_related("request", "listing")
        .order_by("sent_at", "pk")
    )


def visible_request(*, user, request_id: int) -> DispatchRequest:
    """A request as its requester or its assigned provider sees it; anybody else: 404."""
    request = DispatchRequest.objects.select_related("assigned_listing", "booking").filter(pk=request_id).first()
    if request is None or user.pk not in (request.requester_id, request.assigned_provider_id):
        raise NotFound("No such request.")
    return request


def open_request_of(*, requester) -> DispatchRequest | None:
    return DispatchRequest.objects.filter(requester=requester, state=RequestState.REQUESTED).first()


def has_open_request(*, requester) -> bool:
    """Whether the requester is still waiting for a provider (a check on every request: no row is loaded)."""
    return DispatchRequest.objects.filter(requester=requester, state=RequestState.REQUESTED).exists()


def availabilities_of(*, provider) -> QuerySet[Availability]:
    return Availability.objects.filter(provider=provider).select_related("listing")


def offer_message(offer: Offer, *, now: datetime) -> dict:
    """What a provider's page shows of an offer (distance, fare, time left); never the requester's identity."""
    request = offer.request
    return {
        "type": "offer",
        "offer": offer.pk,
        "request": request.pk,
        "kind": request.kind,
        "listing": offer.listing_id,
        "distance_km": round(offer.distance_km, 2),
        "fare": offer.fare,
        "currency": request.currency,
        "hours": request.hours,
        "expires_at": request.expires_at.isoformat(),
        "seconds_left": max(0, int((request.expires_at - now).total_seconds())),
    }
