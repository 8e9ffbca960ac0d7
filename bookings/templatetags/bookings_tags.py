"""Template helpers for booking pages: units of a period, and a booking's money as a receipt."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from bookings import pricing, pricing_words, receipts, step_reasons
from bookings.models import Booking
from bookings.pricing_words import units_label
from core.money import format_money
from listings.models import CancellationPolicy

register = template.Library()


@register.filter
def step_reason(stored: str) -> str:
    """`{{ step.reason|step_reason }}`: why a booking took a step, in the reader's language."""
    return step_reasons.read(stored)


@register.filter
def units_of(units: int, kind: str) -> str:
    """`{{ booking.units|units_of:booking.listing.kind }}` -> "3 hours"."""
    return units_label(kind=kind, units=int(units))


@register.filter
def units_word(kind: str) -> str:
    """`{{ listing.kind|units_word }}` -> "nights": the billed units in general, in the reader's language."""
    return pricing_words.units_word(pricing_words.unit_label(kind))


@register.simple_tag
def units_line(priced: Any, kind: str) -> str:
    """`{% units_line quote listing.kind %}` -> "2 nights \u00d7 €85.00" (a quote or a booking)."""
    return receipts.units_line(
        kind=kind,
        units=priced.units,
        unit_price=priced.unit_price,
        subtotal=priced.subtotal,
        currency=priced.currency,
    )


@register.filter
def tax_lines(priced: Any) -> list[receipts.Line]:
    """`{% for line in quote|tax_lines %}`: VAT on Sharing's fee and the tourist tax, as receipt lines."""
    return receipts.tax_lines(priced)


@register.simple_tag
def receipt_of(booking: Booking) -> dict[str, Any]:
    """`{% receipt_of booking as receipt %}`: the price lines, the host's lines and the money's steps."""
    return {
        "lines": receipts.price_lines(booking),
        "host_lines": receipts.host_lines(booking),
        "steps": receipts.money_steps(booking),
    }


@register.simple_tag
def cancellation_steps(priced: Any, listing: Any) -> list[dict[str, Any]]:
    """`{% cancellation_steps priced listing as steps %}`: the policy as dates for this quote, if booked now."""
    quote = priced.quote
    windows = pricing.cancellation_windows(
        quote=quote,
        policy=listing.cancellation_policy,
        kind=listing.kind,
        time_zone=listing.time_zone,
        start=priced.start,
        booked_at=timezone.now(),
    )
    return [{"until": until, "refund": refund, "everything": refund == quote.total} for until, refund in windows]


@register.simple_tag
def day_cap_note(priced: Any, listing: Any) -> str:
    """Why a car's hours cost less than hours x price: the day price caps each 24 hours ("" when it did not)."""
    quote = priced.quote
    full = quote.units * quote.unit_price
    if listing.kind != "car" or quote.subtotal >= full:
        return ""
    car = getattr(listing, "car", None)
    day = car.day_price if car is not None and car.day_price else 24 * quote.unit_price
    return (
        f"Hours never cost more than the day price: each 24 hours cost at most {format_money(day, quote.currency)}, "
        f"and the hours after the last full day at most that too. {quote.units} hours at "
        f"{format_money(quote.unit_price, quote.currency)} would be {format_money(full, quote.currency)}; "
        f"you pay {format_money(quote.subtotal, quote.currency)}."
    )


@register.simple_tag
def policies_in_words(kind: str) -> list[tuple[str, str]]:
    """`{% policies_in_words kind as policies %}`: each cancellation policy and what it means, where a host chooses."""
    unit = pricing_words.unit_label(kind)
    return [
        (str(label), pricing_words.policy_in_plain_words(value, unit)) for value, label in CancellationPolicy.choices
    ]
