"""Reads of the dispatch app: who is available near a point (nearest first), live offers, visible requests."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import h3
import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.utils.module_loading import import_string
from django.utils.translation import gettext, gettext_noop, pgettext

from accounts.models import User
from bookings.models import Booking, BookingStatus
from core.errors import NotFound
from core.money import format_money
from dispatch.models import OPEN_STATES, Availability, DispatchRequest, Offer, OfferState, RequestState
from listings import geo
from listings.geocoding import reverse_place
from listings.models import BusyPeriod, BusySource, CarDetails, Listing, ListingKind, ListingStatus
from realtime.wording import render_words, words

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
# Free for the job's period [start, end): nothing on the listing's calendar then (owner blocks and
# bookings holding the slot share one table), no dispatch job the provider already holds
# overlapping it, on any of their listings (a driver cannot be at two pickups at once), and no
# booking of any of their driving services then (they are at the wheel; a booked room or car is
# not the owner's time).
_CANDIDATES_SQL = """
SELECT a.listing_id, a.provider_id, a.latitude, a.longitude, a.reach_km
FROM dispatch_availability a JOIN listings_listing l ON l.id = a.listing_id
WHERE a.is_available AND a.kind = %s AND a.{column} IN ({cells})
  AND a.last_seen >= %s AND a.provider_id <> %s
  AND l.status = %s AND l.advance_notice_hours <= %s AND l.min_units <= %s AND l.max_units >= %s
  AND NOT EXISTS (
    SELECT 1 FROM {busy} b WHERE b.listing_id = a.listing_id AND b.start < %s AND b."end" > %s)
  AND NOT EXISTS (
    SELECT 1 FROM {requests} r JOIN {bookings} k ON k.id = r.booking_id
    WHERE r.assigned_provider_id = a.provider_id AND r.state = %s
      AND k.status IN (%s, %s) AND k.start < %s AND k."end" > %s)
  AND NOT EXISTS ({driving_booked})
"""
# A booking holds the slot of one of the provider's driving services over [start, end).
_DRIVING_BOOKED_SQL = """
    SELECT 1 FROM {busy} p JOIN {listings} o ON o.id = p.listing_id
    WHERE o.owner_id = {provider} AND o.kind = %s AND p.source = %s AND p.start < %s AND p."end" > %s"""


def _available(
    *,
    column: str,
    cells: list[int],
    kind: str,
    hours: int,
    start: datetime,
    end: datetime,
    now: datetime,
    exclude_provider_id: int | None,
) -> list[tuple]:
    """Available providers of a kind in these cells whose listing can take a job of `hours` over [start, end)."""
    if not cells:
        return []
    adapt = connection.ops.adapt_datetimefield_value
    cutoff = adapt(now - timedelta(seconds=settings.DISPATCH_SILENCE_SECONDS))
    # The listing's notice is in whole hours: a job starting in 2 h 40 min suits a notice of 0, 1 or 2 hours.
    notice_hours = max(0, int((start - now).total_seconds() // 3600))
    sql = _CANDIDATES_SQL.format(
        column=column,
        cells=", ".join(["%s"] * len(cells)),
        busy=BusyPeriod._meta.db_table,
        requests=DispatchRequest._meta.db_table,
        bookings=Booking._meta.db_table,
        driving_booked=_driving_booked_sql("a.provider_id"),
    )
    params = [
        kind,
        *cells,
        cutoff,
        exclude_provider_id or 0,
        ListingStatus.ACTIVE.value,
        notice_hours,
        hours,
        hours,
        adapt(end),
        adapt(start),
        RequestState.ASSIGNED.value,
        BookingStatus.CONFIRMED.value,
        BookingStatus.IN_PROGRESS.value,
        adapt(end),
        adapt(start),
        *_driving_booked_params(start, end),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _driving_booked_sql(provider: str) -> str:
    return _DRIVING_BOOKED_SQL.format(
        busy=BusyPeriod._meta.db_table, listings=Listing._meta.db_table, provider=provider
    )


def _driving_booked_params(start: datetime, end: datetime) -> list:
    adapt = connection.ops.adapt_datetimefield_value
    return [ListingKind.DRIVER.value, BusySource.BOOKING.value, adapt(end), adapt(start)]


def booked_to_drive(*, provider_id: int, start: datetime, end: datetime) -> bool:
    """Whether a booking of one of the provider's driving services holds any of [start, end)."""
    with connection.cursor() as cursor:
        cursor.execute(_driving_booked_sql("%s"), [provider_id, *_driving_booked_params(start, end)])
        return cursor.fetchone() is not None


def nearest_available(
    *,
    kind: str,
    latitude: float,
    longitude: float,
    hours: int,
    start: datetime,
    end: datetime,
    count: int,
    now: datetime,
    exclude_provider_id: int | None = None,
    skip_listing_ids: frozenset[int] = frozenset(),
) -> list[Candidate]:
    """The `count` nearest available providers whose reach covers the point and who are free over [start, end).

    Reads rings of H3 cells around the point through the partial (kind, cell) index; after
    each ring, nobody unread can be nearer than the next ring's lower bound, so the search
    stops as soon as the count-th candidate is nearer than that. Past FINE_RINGS rings, one
    query over the coarse cells covering the maximum reach finishes the job. Never a scan.
    """
    available = partial(
        _available, kind=kind, hours=hours, start=start, end=end, now=now, exclude_provider_id=exclude_provider_id
    )
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
        take(available(column="cell", cells=geo.to_ints(cells)))
        cells = geo.ring(origin, k + 1)
        beyond = float(geo.lower_bounds_km(latitude, longitude, cells).min())
        best = ordered()
        if beyond > max_reach or (len(best) >= count and best[count - 1].distance_km <= beyond):
            return best[:count]
    coarse, _ = geo.covering_cells(latitude, longitude, max_reach, geo.RES_COVERAGE)
    take(available(column="cell_coarse", cells=geo.to_ints(coarse)))
    return ordered()[:count]


# What `bookings.selectors.quote_for` reads of a driving service or a car. Read in one plain statement:
# every estimate prices the nearest providers, and loading whole listings through the ORM cost more
# than the search itself. The other fields stay deferred, so a read of one of them is a query, not a wrong value.
# In the model's field order: that is the order `Model.from_db` expects the values in.
# What a quote needs, and what its taxes need (bookings.services.taxation.taxed_quote: the listing's country
# and city, the host's country), read in one statement: a field left out here is read back one query per
# candidate, on the request's hot path.
_QUOTE_FIELDS = [
    field.attname
    for field in Listing._meta.concrete_fields
    if field.name
    in {"id", "owner", "kind", "time_zone", "currency", "unit_price", "fee_amount", "country_code", "city"}
]
_QUOTE_SQL = """
SELECT {columns}, u.country, c.day_price
FROM listings_listing l JOIN accounts_user u ON u.id = l.owner_id
LEFT JOIN listings_cardetails c ON c.listing_id = l.id
WHERE l.id IN ({{ids}})
""".format(
    columns=", ".join(f"l.{field.column}" for field in Listing._meta.concrete_fields if field.attname in _QUOTE_FIELDS)
)


def listings_to_quote(listing_ids: list[int]) -> dict[int, Listing]:
    """The listings by id with what a quote and its taxes need (a car's day price, the host's country),
    for `quote_for` and `taxed_quote`."""
    if not listing_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_QUOTE_SQL.format(ids=", ".join(["%s"] * len(listing_ids))), list(listing_ids))
        rows = cursor.fetchall()
    listings = {}
    for *fields, host_country, day_price in rows:
        listing = Listing.from_db(connection.alias, _QUOTE_FIELDS, fields)
        listing.owner = User.from_db(connection.alias, ["id", "country"], [listing.owner_id, host_country])
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
        raise NotFound(gettext_noop("No such request."))
    return request


def open_request_of(*, requester) -> DispatchRequest | None:
    """The requester's request still open: live, or waiting for their bank's check (one at most)."""
    return DispatchRequest.objects.filter(requester=requester, state__in=OPEN_STATES).first()


def has_open_request(*, requester) -> bool:
    """Whether the requester has an open request, live or at their bank's check (a check on every request: no
    row is loaded)."""
    return DispatchRequest.objects.filter(requester=requester, state__in=OPEN_STATES).exists()


def availabilities_of(*, provider) -> QuerySet[Availability]:
    return Availability.objects.filter(provider=provider).select_related("listing")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def pickup_label(pickup_at: datetime | None, *, now: datetime, time_zone: str) -> str:
    """The pickup as people read it, in the active language: "now", or how far ahead and the local time
    ("in 2 h, 14:30")."""
    if pickup_at is None:
        return pgettext("pickup", "now")
    return render_words(pickup_words(pickup_at, now=now, time_zone=time_zone))


def pickup_words(pickup_at: datetime, *, now: datetime, time_zone: str) -> dict[str, Any]:
    """A later pickup's words ("in 2 h, 14:30") as of `now`, kept for a stored notice to read in each
    reader's language (realtime.wording); `pickup_label` reads them in the active one."""
    minutes = max(0, round((pickup_at - now).total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        ahead = words(gettext_noop("%(hours)s h %(minutes)s min"), hours=hours, minutes=minutes)
    elif hours:
        ahead = words(gettext_noop("%(hours)s h"), hours=hours)
    else:
        ahead = words(gettext_noop("%(minutes)s min"), minutes=minutes)
    local = f"{pickup_at.astimezone(_zone(time_zone)):%H:%M}"
    return words(gettext_noop("in %(ahead)s, %(time)s"), ahead=ahead, time=local)


def pickup_slots(*, now: datetime, step_minutes: int = 15) -> list[datetime]:
    """The later pickup times the request page offers: whole steps from a "now" job's start to the limit.

    The first slot leaves a step of margin after a "now" pickup, so that it is still valid
    when the form is sent a few minutes later.
    """
    earliest = now + timedelta(minutes=settings.DISPATCH_PICKUP_MINUTES + step_minutes)
    first = earliest.replace(second=0, microsecond=0) + timedelta(minutes=-earliest.minute % step_minutes)
    last = now + timedelta(hours=settings.DISPATCH_MAX_AHEAD_HOURS)
    slots = []
    while first <= last:
        slots.append(first)
        first += timedelta(minutes=step_minutes)
    return slots


def offer_message(offer: Offer, *, now: datetime) -> dict:
    """What a provider's page shows of an offer (distance, fare, pickup, time left); never the requester's identity."""
    return offer_messages([offer], now=now)[0]


def offer_messages(offers: Iterable[Offer], *, now: datetime) -> list[dict]:
    """`offer_message` of each offer. What depends on the request only (the rider's rating, the pickup's
    area) is read once per request, not once per offer: a wave's offers are written in one transaction."""
    about: dict[int, tuple[str, str, tuple[float, int] | None]] = {}
    messages = []
    for offer in offers:
        request = offer.request
        if request.pk not in about:
            about[request.pk] = (
                pickup_label(request.pickup_at, now=now, time_zone=request.time_zone),
                pickup_area(request.latitude, request.longitude),
                rider_rating(request.requester_id),
            )
        pickup, area, rating = about[request.pk]
        messages.append(
            {
                "type": "offer",
                "offer": offer.pk,
                "request": request.pk,
                "kind": request.kind,
                "listing": offer.listing_id,
                "distance_km": round(offer.distance_km, 2),
                "fare": offer.fare,
                "currency": request.currency,
                # The page's script shows this text: amounts are formatted on the server only (core.money).
                "fare_text": format_money(offer.fare, request.currency),
                "hours": request.hours,
                "pickup_at": request.pickup_at.isoformat() if request.pickup_at else None,
                "pickup": pickup,
                "expires_at": request.expires_at.isoformat(),
                "seconds_left": max(0, int((request.expires_at - now).total_seconds())),
                "area": area,
                "rider_rating": rating[0] if rating else None,
                "rider_reviews": rating[1] if rating else 0,
            }
        )
    return messages


def rider_rating(user_id: int) -> tuple[float, int] | None:
    """The rider's average as a guest and the number of reviews (settings.DISPATCH_RIDER_RATING), or None."""
    rating: tuple[float, int] | None = import_string(settings.DISPATCH_RIDER_RATING)(user_id=user_id)
    return rating


def pickup_area(latitude: float, longitude: float) -> str:
    """Where a pickup is, roughly, for a provider who has not accepted yet: the nearest town, never the point."""
    return gettext("near %(city)s") % {"city": reverse_place(latitude, longitude).city}


# How an arrival is estimated before live positions come in: a set-off time, then a city speed over the
# straight-line distance (roads are longer, cities slower: 20 km/h as the crow flies is a fair urban pace).
SET_OFF_MINUTES = 3
CROW_FLIGHT_KMH = 20


def arrival_minutes(distance_km: float) -> int:
    """Minutes for a provider `distance_km` away (straight line) to reach the pickup."""
    return SET_OFF_MINUTES + math.ceil(distance_km / CROW_FLIGHT_KMH * 60)


def assigned_distance_km(job: DispatchRequest) -> float | None:
    """How far the assigned provider was when they accepted (their offer's distance)."""
    if job.assigned_listing_id is None:
        return None
    return (
        Offer.objects.filter(request=job, listing_id=job.assigned_listing_id)
        .values_list("distance_km", flat=True)
        .first()
    )
