"""Template helpers for booking pages: units of a period, and a booking's money as a receipt."""

from __future__ import annotations

from typing import Any

from django import template

from bookings import receipts
from bookings.models import Booking
from bookings.pricing import units_label

register = template.Library()


@register.filter
def units_of(units: int, kind: str) -> str:
    """`{{ booking.units|units_of:booking.listing.kind }}` -> "3 hours"."""
    return units_label(kind=kind, units=int(units))


@register.simple_tag
def units_line(priced: Any, kind: str) -> str:
    """`{% units_line quote listing.kind %}` -> "2 nights \u00d7 85.00 EUR" (a quote or a booking)."""
    return receipts.units_line(
        kind=kind,
        units=priced.units,
        unit_price=priced.unit_price,
        subtotal=priced.subtotal,
        currency=priced.currency,
    )


@register.simple_tag
def receipt_of(booking: Booking) -> dict[str, Any]:
    """`{% receipt_of booking as receipt %}`: the price lines, the host's lines and the money's steps."""
    return {
        "lines": receipts.price_lines(booking),
        "host_lines": receipts.host_lines(booking),
        "steps": receipts.money_steps(booking),
    }
