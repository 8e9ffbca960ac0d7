"""JSON API of listings, mounted at /api/v1/listings/: own listings, one listing, create/update, search.

Same services and rules as the pages: a refused listing comes back as
`{"detail": ..., "field": ...}` with the message the form would show.
Prices are integers in the currency's minor units (ISO 4217: cents for EUR, yen for JPY).
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from core.api import PlainOut, session_or_token_auth
from core.requests import ApiRequest, PublicApiRequest
from listings import cards, privacy, selectors, services
from listings.geocoding import search_point
from listings.horizon import DEFAULT_BOOKING_HORIZON_DAYS, check_search_dates
from listings.models import Listing, ListingKind, ListingStatus
from listings.prices import searcher_currency
from listings.search import DEFAULT_PAGE_SIZE, DEFAULT_RADIUS_KM, SearchQuery, bounds_from

router = Router(tags=["listings"])


def _anyone(request: HttpRequest) -> AnonymousUser:
    """Lets a request through unauthenticated (public reads), after the real auth methods had their chance."""
    return AnonymousUser()


public_or_authenticated = [*session_or_token_auth, _anyone]


class ListingIn(Schema):
    kind: str = Field(description="room, car or driver")
    title: str
    description: str = ""
    text_language: str | None = Field(
        None, description="The language of the title and description (en, es, fr, de, ja, zh-hans); default: yours"
    )
    address: str
    latitude: float | None = Field(None, description="Omit both coordinates to geocode the address.")
    longitude: float | None = None
    currency: str | None = Field(None, description="ISO 4217 code; omit it for the currency of the listing's country")
    unit_price: int = Field(description="Per night (rooms) or per hour, in the currency's minor units (JPY: yen)")
    fee_amount: int = 0
    min_units: int = 1
    max_units: int = 30
    advance_notice_hours: int = 0
    capacity: int = 1
    instant_book: bool = False
    verified_guests_only: bool = Field(False, description="Only guests whose identity Sharing verified may book")
    cancellation_policy: str = "moderate"
    booking_horizon_days: int = Field(DEFAULT_BOOKING_HORIZON_DAYS, description="How many days ahead guests may book")
    details: dict = Field(
        default_factory=dict,
        description="The kind's own fields (see RoomDetails, CarDetails...; a car's min_renter_age: 18 to 99 or null)",
    )


class ListingPatch(Schema):
    title: str | None = None
    description: str | None = None
    text_language: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    currency: str | None = None
    unit_price: int | None = None
    fee_amount: int | None = None
    min_units: int | None = None
    max_units: int | None = None
    advance_notice_hours: int | None = None
    capacity: int | None = None
    instant_book: bool | None = None
    verified_guests_only: bool | None = None
    cancellation_policy: str | None = None
    booking_horizon_days: int | None = None
    details: dict = Field(default_factory=dict)


class StatusIn(Schema):
    status: str = Field(description="active, paused or deleted")


class AreaOut(PlainOut):
    latitude: float = Field(description="Centre of the area: a point near the listing, never the listing itself")
    longitude: float
    radius_m: int = Field(description="Radius of the circle the listing lies in")


class ListingOut(PlainOut):
    id: int
    kind: str
    status: str
    title: str
    description: str
    text_language: str = Field(description="The language the title and description are written in ('' if unknown)")
    exact_location: bool = Field(
        description="True for the owner and for a guest with a confirmed booking: address and point are exact"
    )
    address: str | None = Field(None, description="Only with exact_location; null for everybody else")
    city: str
    country_code: str
    latitude: float | None = Field(None, description="Only with exact_location")
    longitude: float | None = None
    area: AreaOut
    time_zone: str
    currency: str
    unit_price: int
    fee_amount: int
    min_units: int
    max_units: int
    advance_notice_hours: int
    capacity: int
    instant_book: bool
    verified_guests_only: bool
    cancellation_policy: str
    booking_horizon_days: int
    rating_count: int
    rating_sum: int
    details: dict
    photos: list[str]
    url: str
    distance_km: float | None = Field(None, description="Search only: to the area, rounded to 0.5 km")
    approx_unit_price: int | None = Field(
        None,
        description="Search only: the unit price in the searcher's currency (minor units), approximate; "
        "null when the listing is priced in it. The guest pays in the listing's currency.",
    )


class SearchOut(PlainOut):
    results: list[ListingOut]
    page: int
    has_next: bool
    currency: str = Field(description="The searcher's currency: price filters and approx_unit_price are in it")
    price_rule: str | None = Field(None, description="Cheapest first only: what it compares")
    rates_note: str | None = Field(
        None, description="Set when the exchange rates behind approx_unit_price are more than a week old: says so"
    )


JSON_CONTENT_TYPE = "application/json; charset=utf-8"  # as ninja's renderer answers

DETAIL_ATTRIBUTE: dict[str, str] = {ListingKind.ROOM: "room", ListingKind.CAR: "car", ListingKind.DRIVER: "driver"}


def _out(listing: Listing, viewer=None) -> dict:
    """The listing as `viewer` may see it: the exact place for the owner and booked guests, else its area.

    Search results pass no viewer and carry the area their `whereabouts` was computed for.
    """
    data = {name: getattr(listing, name) for name in _model_fields()}
    place = getattr(listing, "whereabouts", None) or privacy.whereabouts(listing, viewer)
    area = place if not place.exact else privacy.area(listing)
    data.update(
        exact_location=place.exact,
        address=place.address,
        latitude=place.latitude if place.exact else None,
        longitude=place.longitude if place.exact else None,
        area={"latitude": area.latitude, "longitude": area.longitude, "radius_m": area.radius_m},
    )
    details = getattr(listing, DETAIL_ATTRIBUTE[listing.kind], None)
    data["details"] = {name: getattr(details, name) for name in services.DETAIL_FIELDS[listing.kind]} if details else {}
    for key, value in data["details"].items():
        if hasattr(value, "isoformat"):
            data["details"][key] = value.isoformat()
    data["photos"] = selectors.photo_urls(listing)
    data["url"] = listing.get_absolute_url()
    data["distance_km"] = getattr(listing, "distance_km", None)
    data["approx_unit_price"] = getattr(listing, "approx_unit_price", None)
    return data


@functools.cache
def _model_fields() -> tuple[str, ...]:
    """The answer's fields that are the listing's own columns, read as they are."""
    columns = {field.attname for field in Listing._meta.concrete_fields}
    return tuple(name for name in ListingOut.model_fields if name in columns)


def _visible(request: PublicApiRequest, listing_id: int) -> Listing:
    return selectors.visible_listing(listing_id=listing_id, viewer=request.auth)


@router.get("/mine", response=list[ListingOut], auth=session_or_token_auth)
def my_listings(request: ApiRequest):
    return [_out(listing, request.auth) for listing in selectors.listings_of(owner=request.auth)]


@router.get("/search", response=SearchOut, auth=None)
def search(
    request: HttpRequest,
    lat: float | None = None,
    lng: float | None = None,
    q: str | None = Query(None, description="A place name, geocoded when lat/lng are not given"),
    radius: float = DEFAULT_RADIUS_KM,
    kind: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    guests: int | None = None,
    min_price: int | None = Query(None, description="Per night or hour, in minor units of `currency`"),
    max_price: int | None = None,
    currency: str | None = Query(None, description="ISO 4217; default from Accept-Language's region, else EUR"),
    instant: bool = False,
    sort: str = "distance",
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    south: float | None = Query(None, description="The area south edge: with west, north, east, a rectangle"),
    west: float | None = Query(None, description="The area west edge (east of `east` across the antimeridian)"),
    north: float | None = Query(None, description="The area's north edge"),
    east: float | None = Query(None, description="The area's east edge"),
):
    """Listings around a point (lat/lng, or q geocoded) within `radius`, or in a map's rectangle
    (south, west, north, east: at most 1000 km across), as the public sees them (their area)."""
    check_search_dates(start=start, end=end)
    reading = searcher_currency(requested=currency, accept_language=request.headers.get("Accept-Language", ""))
    bounds = bounds_from(south, west, north, east)
    if bounds is None:
        lat, lng = search_point(lat, lng, q)
        where: dict[str, Any] = {"latitude": lat, "longitude": lng, "radius_km": radius}
    else:
        where = dict(zip(("latitude", "longitude", "radius_km"), bounds.circle(), strict=True)) | {"bounds": bounds}
    query = SearchQuery(
        **where,
        kind=kind or None,
        start=start,
        end=end,
        guests=guests,
        min_price=min_price,
        max_price=max_price,
        currency=reading,
        instant_book=instant,
        sort=sort,
        page=page,
        page_size=page_size,
    )
    # Written in SearchOut's shape from plain rows and kept cards (listings.cards), without validating it
    # again: checking 20 cards field by field was a tenth of the request's CPU.
    return HttpResponse(cards.public_search_json(query=query, currency=reading), content_type=JSON_CONTENT_TYPE)


@router.get("/{listing_id}", response=ListingOut, auth=public_or_authenticated)
def get_listing(request: PublicApiRequest, listing_id: int):
    return _out(_visible(request, listing_id), request.auth)


@router.post("/", response={201: ListingOut}, auth=session_or_token_auth)
def create_listing(request: ApiRequest, payload: ListingIn):
    data = payload.dict()
    kind, details = data.pop("kind"), data.pop("details")
    listing = services.create_listing(owner=request.auth, kind=kind, fields=data, details=details)
    return Status(201, _out(selectors.visible_listing(listing_id=listing.pk, viewer=request.auth), request.auth))


@router.patch("/{listing_id}", response=ListingOut, auth=session_or_token_auth)
def update_listing(request: ApiRequest, listing_id: int, payload: ListingPatch):
    listing = selectors.owned_listing(listing_id=listing_id, owner=request.auth)
    data = payload.dict(exclude_unset=True)
    details = data.pop("details", {}) or {}
    services.update_listing(listing=listing, actor=request.auth, fields=data, details=details)
    return _out(selectors.visible_listing(listing_id=listing.pk, viewer=request.auth), request.auth)


@router.post("/{listing_id}/status", response=ListingOut, auth=session_or_token_auth)
def change_status(request: ApiRequest, listing_id: int, payload: StatusIn):
    listing = selectors.owned_listing(listing_id=listing_id, owner=request.auth)
    listing = services.set_listing_status(listing=listing, actor=request.auth, status=payload.status)
    if listing.status == ListingStatus.DELETED:
        listing.distance_km = None
    return _out(listing, request.auth)
