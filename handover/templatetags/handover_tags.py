"""`{% load handover_tags %}`: a car booking's handover record and its extra receipt lines, for other apps' pages."""

from __future__ import annotations

from django import template

from bookings.models import Booking
from handover import selectors

register = template.Library()


@register.simple_tag
def handover_record(booking: Booking) -> selectors.Handover | None:
    """Both sides' reports, the return's settlement and the deposit (the page has checked who reads it)."""
    return selectors.record_of(booking)


@register.simple_tag
def handover_receipt(booking: Booking) -> list[selectors.ReceiptLine]:
    return selectors.receipt_lines(booking) if booking.listing.kind == "car" else []
