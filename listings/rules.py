"""The rules every listing obeys, whatever the entry point (page form, API): its fields and each kind's details.

`validate_listing` raises DomainError at the first broken rule, with the field to show it on.
"""

from __future__ import annotations

import math
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_noop

from core.errors import DomainError
from core.money import DEFAULT_CURRENCY, checked_currency
from listings.horizon import MAX_BOOKING_HORIZON_DAYS, MIN_BOOKING_HORIZON_DAYS
from listings.models import CarDetails, DriverDetails, ListingKind, RoomDetails

COMMON_FIELDS = (
    "title",
    "description",
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
# Prices are stored in minor units; this cap (100,000.00) catches a typo of extra zeros.
MAX_PRICE = 10_000_000


def require(condition: bool, message: str, field: str) -> None:
    if not condition:
        raise DomainError(message, field=field)


def check_number(data: dict, field: str, label: str, *, low: float, high: float) -> None:
    value = data.get(field)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise DomainError(f"{label} must be a number.", field=field)
    require(low <= value <= high, f"{label} must be between {low:g} and {high:g}.", field)


def validate_listing(*, kind: str, fields: dict, details: dict) -> None:
    """Rules every listing obeys, whatever the entry point (form, API): DomainError at the first broken one."""
    require(kind in ListingKind.values, f"Unknown kind “{kind}”: choose a room, a car or a driving service.", "kind")
    require(bool(str(fields.get("title", "")).strip()), gettext_noop("Give your listing a title."), "title")
    require(bool(str(fields.get("address", "")).strip()), gettext_noop("Give an address or a place name."), "address")
    for field, label in (("latitude", "The latitude"), ("longitude", "The longitude")):
        require(fields.get(field) is not None, f"{label} is missing: place the pin on the map.", field)
    check_number(fields, "latitude", "The latitude", low=-90, high=90)
    check_number(fields, "longitude", "The longitude", low=-180, high=180)
    unit = "night" if kind == ListingKind.ROOM else "hour"
    # Unchecked input (Any) until the _require calls below have checked it.
    price: Any = fields.get("unit_price")
    require(price is not None, f"Set a price per {unit}.", "unit_price")
    require(
        isinstance(price, int) and not isinstance(price, bool),
        gettext_noop("Prices are whole cents (or yen)."),
        "unit_price",
    )
    require(price > 0, f"The price per {unit} must be more than zero.", "unit_price")
    require(price <= MAX_PRICE, gettext_noop("That price looks too high: check the number of zeros."), "unit_price")
    fee = fields.get("fee_amount", 0)
    require(isinstance(fee, int) and 0 <= fee <= MAX_PRICE, gettext_noop("The fee cannot be negative."), "fee_amount")
    checked_currency(fields.get("currency", DEFAULT_CURRENCY))
    min_units, max_units = fields.get("min_units", 1), fields.get("max_units", 30)
    require(isinstance(min_units, int) and min_units >= 1, f"The minimum is at least one {unit}.", "min_units")
    require(
        isinstance(max_units, int) and max_units >= min_units,
        gettext_noop("The maximum duration cannot be shorter than the minimum."),
        "max_units",
    )
    check_number(fields, "advance_notice_hours", "The advance notice (hours)", low=0, high=24 * 365)
    check_number(fields, "capacity", "Guests or seats", low=1, high=100)
    check_number(
        fields,
        "booking_horizon_days",
        "How far ahead guests may book (days)",
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
        check_number(details, "year", "The year", low=1950, high=timezone.now().year + 1)
        require(details.get("year") is not None, gettext_noop("Give the car's year."), "year")
        day_price = details.get("day_price")
        require(
            isinstance(day_price, int) and 0 < day_price <= MAX_PRICE,
            gettext_noop("The day price must be more than zero."),
            "day_price",
        )
        check_number(details, "extra_km_price", "The price per extra km", low=0, high=MAX_PRICE)
        check_number(details, "deposit_amount", "The deposit", low=0, high=MAX_PRICE)
        check_number(details, "refuel_price_per_percent", "The refuel price", low=0, high=MAX_PRICE)
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
        check_number(details, "service_radius_km", "The service radius (km)", low=0.5, high=200)
