"""What a search asks for and what it answers: the validated query, the hits and the page.

A query is built from a form, the API or a benchmark and validated on construction, so every
search algorithm can trust its fields (radius within MAX_RADIUS_KM, dates with a time zone and in
order, prices not negative...). Periods count whole units: any started night or hour counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext_noop

from core.errors import DomainError
from core.money import DEFAULT_CURRENCY, checked_currency
from listings.models import ListingKind
from listings.search.area import Bounds

DEFAULT_RADIUS_KM = 10.0
MAX_RADIUS_KM = 100.0
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class SortOrder:
    DISTANCE = "distance"
    PRICE = "price"
    RATING = "rating"
    CHOICES = (DISTANCE, PRICE, RATING)


@dataclass(frozen=True)
class SearchQuery:
    """What a requester asks for; built from a form, the API or a benchmark, and validated here."""

    latitude: float
    longitude: float
    radius_km: float = DEFAULT_RADIUS_KM
    kind: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    guests: int | None = None
    # Price bounds per night or hour in minor units of `currency`, the searcher's.
    min_price: int | None = None
    max_price: int | None = None
    currency: str = DEFAULT_CURRENCY
    instant_book: bool = False
    sort: str = SortOrder.DISTANCE
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    # A map's visible rectangle (see area): the listings in it, searched on the circle that holds it.
    bounds: Bounds | None = None

    @classmethod
    def in_area(cls, bounds: Bounds, **fields: Any) -> SearchQuery:
        """A search of the rectangle: centre and radius are the circle holding it (Bounds.circle)."""
        latitude, longitude, radius_km = bounds.circle()
        return cls(latitude=latitude, longitude=longitude, radius_km=radius_km, bounds=bounds, **fields)

    def __post_init__(self) -> None:
        if self.bounds is not None:
            if (self.latitude, self.longitude, self.radius_km) != self.bounds.circle():
                raise ValueError("an area search's centre and radius are its rectangle's circle: use in_area")
        elif not (0 < self.radius_km <= MAX_RADIUS_KM):
            raise DomainError(
                gettext_noop("The radius must be more than 0 and at most %(km)s km."),
                params={"km": f"{MAX_RADIUS_KM:g}"},
                field="radius_km",
            )
        if not (-90 <= self.latitude <= 90) or math.isnan(self.latitude):
            raise DomainError(gettext_noop("The latitude must be between -90 and 90."), field="latitude")
        if not (-180 <= self.longitude <= 180) or math.isnan(self.longitude):
            raise DomainError(gettext_noop("The longitude must be between -180 and 180."), field="longitude")
        if self.kind is not None and self.kind not in _ALL_KINDS:
            raise DomainError(gettext_noop("Choose rooms, cars or drivers (or any)."), field="kind")
        if (self.start is None) != (self.end is None):
            raise DomainError(
                gettext_noop("Give both a start and an end, or neither."), field="end" if self.start else "start"
            )
        if self.start is not None and self.end is not None:
            if self.start.tzinfo is None or self.end.tzinfo is None:
                raise DomainError(gettext_noop("Dates must include a time zone."), field="start")
            if self.end <= self.start:
                raise DomainError(gettext_noop("The end must be after the start."), field="end")
        if self.guests is not None and self.guests < 1:
            raise DomainError(gettext_noop("Guests or seats must be at least 1."), field="guests")
        if self.min_price is not None and self.min_price < 0:
            raise DomainError(gettext_noop("The minimum price cannot be negative."), field="min_price")
        if self.max_price is not None and self.max_price < 0:
            raise DomainError(gettext_noop("The maximum price cannot be negative."), field="max_price")
        if self.min_price is not None and self.max_price is not None and self.max_price < self.min_price:
            raise DomainError(gettext_noop("The maximum price is below the minimum price."), field="max_price")
        checked_currency(self.currency)
        if self.sort not in SortOrder.CHOICES:
            raise DomainError(gettext_noop("Sort by distance, price or rating."), field="sort")
        if self.page < 1:
            raise DomainError(gettext_noop("Pages start at 1."), field="page")
        if not (1 <= self.page_size <= MAX_PAGE_SIZE):
            raise DomainError(
                gettext_noop("A page holds 1 to %(count)s results."), params={"count": MAX_PAGE_SIZE}, field="page_size"
            )

    @property
    def wanted(self) -> int:
        """Hits needed to fill this page and know whether another follows."""
        return self.page * self.page_size + 1


@dataclass(frozen=True)
class SearchHit:
    listing_id: int
    distance_km: float


@dataclass
class SearchResult:
    hits: list[SearchHit]
    page: int
    has_next: bool
    rows_examined: int = 0
    listings: list = field(default_factory=list)


def units_between(start: datetime, end: datetime) -> tuple[int, int]:
    """(nights, hours) a period counts for: any started night or hour counts whole."""
    seconds = (end - start).total_seconds()
    return math.ceil(seconds / 86400), math.ceil(seconds / 3600)


# Read once: a choices enum's `values` is built anew at each read (twice a search request).
_ALL_KINDS = tuple(ListingKind.values)


def kinds_of(query: SearchQuery) -> tuple[str, ...]:
    """The listing kinds the query searches: the one asked for, or all."""
    return (query.kind,) if query.kind else _ALL_KINDS


def price_kinds(query: SearchQuery) -> tuple[str, ...]:
    """The kinds cheapest-first lists: like with like, so without dates one kind (rooms when none is chosen)."""
    kinds = kinds_of(query)
    return kinds if query.start is not None else kinds[:1]


def price_rule(query: SearchQuery) -> str:
    """What cheapest-first compares, in the words the results page shows."""
    currency = query.currency
    if query.start is not None:
        return (
            f"Cheapest first by the total for your dates (the price per night for rooms, per hour for cars and "
            f"drivers, times your nights or hours; before fees), compared in {currency}."
        )
    if query.kind is None:
        return (
            f"Cheapest first compares like with like: rooms by their price per night, in {currency}. "
            "Choose cars or drivers to compare them per hour, or give dates to compare totals across kinds."
        )
    unit = "night" if query.kind == ListingKind.ROOM else "hour"
    return f"Cheapest first by the price per {unit}, compared in {currency}. Give dates to compare totals."
