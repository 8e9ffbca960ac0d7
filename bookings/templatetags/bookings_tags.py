"""Template helpers for booking pages: units of a period, and a booking's status badge class."""

from __future__ import annotations

from django import template

from bookings.pricing import units_label

register = template.Library()


@register.filter
def units_of(units: int, kind: str) -> str:
    """`{{ booking.units|units_of:booking.listing.kind }}` -> "3 hours"."""
    return units_label(kind=kind, units=int(units))
