"""Template helpers for booking pages: money in minor units, and a booking's status badge class."""

from __future__ import annotations

from django import template

from bookings.pricing import format_money, units_label

register = template.Library()


@register.filter
def money(amount: int | None, currency: str) -> str:
    return "" if amount is None else format_money(int(amount), currency)


@register.filter
def units_of(units: int, kind: str) -> str:
    """`{{ booking.units|units_of:booking.listing.kind }}` -> "3 hours"."""
    return units_label(kind=kind, units=int(units))
