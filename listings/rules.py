"""The rules every listing obeys, whatever the entry point (page form, API): its fields and each kind's details.

`validate_listing` raises DomainError at the first broken rule, with the field to show it on.
"""

from __future__ import annotations

import math
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from core.errors import DomainError
from core.money import DEFAULT_CURRENCY, checked_currency
from listings.horizon import MAX_BOOKING_HORIZON_DAYS, MIN_BOOKING_HORIZON_DAYS
from listings.models import CarDetails, DriverDetails, ListingKind, RoomDetails

COMMON_FIELDS = (
    "title",
    "description",
    "text_language",
    "address",
    "latitude",
    "longitude",
    "currency",
    "unit_price",
    "fee_amount",
    "min_units",
    "max_units",
    "advance_notice_hours",
    "capacity",
    "instant_book",
    "verified_guests_only",
    "cancellation_policy",
    "booking_horizon_days",
)
DETAIL_FIELDS: dict[str, tuple[str, ...]] = {
    ListingKind.ROOM: (
        "bedrooms",
        "beds",
        "amenities",
        "check_in_time",
        "check_out_time",
        "house_rules",
        "weekly_discount_bps",
        "monthly_discount_bps",
    ),
    ListingKind.CAR: (
        "make",
        "model",
        "year",
        "transmission",
        "fuel",
        "day_price",
        "daily_distance_limit_km",
        "extra_km_price",
        "deposit_amount",
        "refuel_price_per_percent",
        "min_renter_age",
    ),
    ListingKind.DRIVER: ("languages", "brings_car", "service_radius_km"),
}
DETAIL_MODELS: dict[str, type[RoomDetails | CarDetails | DriverDetails]] = {
    ListingKind.ROOM: RoomDetails,
    ListingKind.CAR: CarDetails,
    ListingKind.DRIVER: DriverDetails,
}
UNKNOWN_KIND = gettext_noop("Unknown kind “%(kind)s”: choose a room, a car or a driving service.")
# Prices are stored in minor units; this cap (100,000.00) catches a typo of extra zeros.
MAX_PRICE = 10_000_000


def require(condition: bool, message: str, field: str, **params: object) -> None:
    """`message` is marked with gettext_noop where written; its values go in `params`."""
    if not condition:
        raise DomainError(message, field=field, params=params or None)


def check_number(data: dict, field: str, label: str, *, low: float, high: float) -> None:
    """`label` is marked with gettext_noop where written: it is said in the asker's language."""
    value = data.get(field)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise DomainError(gettext_noop("%(what)s must be a number."), params={"what": gettext(label)}, field=field)
    between = gettext_noop("%(what)s must be between %(low)s and %(high)s.")
    require(low <= value <= high, between, field, what=gettext(label), low=f"{low:g}", high=f"{high:g}")


def validate_listing(*, kind: str, fields: dict, details: dict) -> None:
    """Rules every listing obeys, whatever the entry point (form, API): DomainError at the first broken one."""
    require(kind in ListingKind.values, UNKNOWN_KIND, "kind", kind=kind)
    require(bool(str(fields.get("title", "")).strip()), gettext_noop("Give your listing a title."), "title")
    require(bool(str(fields.get("address", "")).strip()), gettext_noop("Give an address or a place name."), "address")
    for field, label in (("latitude", gettext_noop("The latitude")), ("longitude", gettext_noop("The longitude"))):
        missing = gettext_noop("%(what)s is missing: place the pin on the map.")
        require(fields.get(field) is not None, missing, field, what=gettext(label))
    check_number(fields, "latitude", gettext_noop("The latitude"), low=-90, high=90)
    check_number(fields, "longitude", gettext_noop("The longitude"), low=-180, high=180)
    room = kind == ListingKind.ROOM
    # Unchecked input (Any) until the _require calls below have checked it.
    price: Any = fields.get("unit_price")
    require(
        price is not None,
        gettext_noop("Set a price per night.") if room else gettext_noop("Set a price per hour."),
        "unit_price",
    )
    require(
        isinstance(price, int) and not isinstance(price, bool),
        gettext_noop("Prices are whole cents (or yen)."),
        "unit_price",
    )
    require(
        price > 0,
        gettext_noop("The price per night must be more than zero.")
        if room
        else gettext_noop("The price per hour must be more than zero."),
        "unit_price",
    )
    require(price <= MAX_PRICE, gettext_noop("That price looks too high: check the number of zeros."), "unit_price")
    fee = fields.get("fee_amount", 0)
    require(isinstance(fee, int) and 0 <= fee <= MAX_PRICE, gettext_noop("The fee cannot be negative."), "fee_amount")
    checked_currency(fields.get("currency", DEFAULT_CURRENCY))
    min_units, max_units = fields.get("min_units", 1), fields.get("max_units", 30)
    require(
        isinstance(min_units, int) and min_units >= 1,
        gettext_noop("The minimum is at least one night.")
        if room
        else gettext_noop("The minimum is at least one hour."),
        "min_units",
    )
    require(
        isinstance(max_units, int) and max_units >= min_units,
        gettext_noop("The maximum duration cannot be shorter than the minimum."),
        "max_units",
    )
    check_number(fields, "advance_notice_hours", gettext_noop("The advance notice (hours)"), low=0, high=24 * 365)
    check_number(fields, "capacity", gettext_noop("Guests or seats"), low=1, high=100)
    check_number(
        fields,
        "booking_horizon_days",
        gettext_noop("How far ahead guests may book (days)"),
        low=MIN_BOOKING_HORIZON_DAYS,
        high=MAX_BOOKING_HORIZON_DAYS,
    )
    horizon = fields.get("booking_horizon_days")
    require(
        horizon is None or (isinstance(horizon, int) and not isinstance(horizon, bool)),
        gettext_noop("How far ahead guests may book is a whole number of days."),
        "booking_horizon_days",
    )
    if kind == ListingKind.CAR:
        require(
            bool(details.get("make")) and bool(details.get("model")),
            gettext_noop("Give the car's make and model."),
            "make",
        )
        check_number(details, "year", gettext_noop("The year"), low=1950, high=timezone.now().year + 1)
        require(details.get("year") is not None, gettext_noop("Give the car's year."), "year")
        day_price = details.get("day_price")
        require(
            isinstance(day_price, int) and 0 < day_price <= MAX_PRICE,
            gettext_noop("The day price must be more than zero."),
            "day_price",
        )
        check_number(details, "extra_km_price", gettext_noop("The price per extra km"), low=0, high=MAX_PRICE)
        check_number(details, "deposit_amount", gettext_noop("The deposit"), low=0, high=MAX_PRICE)
        check_number(details, "refuel_price_per_percent", gettext_noop("The refuel price"), low=0, high=MAX_PRICE)
        age = details.get("min_renter_age")
        require(
            age is None or (isinstance(age, int) and not isinstance(age, bool) and 18 <= age <= 99),
            gettext_noop("The minimum age of renters is a whole number of years from 18 to 99 (or none)."),
            "min_renter_age",
        )
    if kind == ListingKind.DRIVER:
        radius = details.get("service_radius_km")
        require(
            radius is not None, gettext_noop("Say how far you will drive to pick people up (km)."), "service_radius_km"
        )
        check_number(details, "service_radius_km", gettext_noop("The service radius (km)"), low=0.5, high=200)
