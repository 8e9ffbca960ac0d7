"""A booking's money as a person reads a receipt: what the price is made of, then what happened to the
money and when (authorised, charged and held, refunded, paid out). Plain data for the booking pages;
the ledger's bookkeeping rows stay in the money trail, folded behind "details".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from bookings import pricing
from bookings.models import Booking, BookingStatus
from bookings.pricing import units_label
from bookings.selectors import booking_quote
from core.money import format_money

CANCELLED = (BookingStatus.CANCELLED_BY_GUEST, BookingStatus.CANCELLED_BY_HOST)
INSTANT = timedelta(minutes=1)


@dataclass(frozen=True)
class Line:
    label: str
    amount: int
    total: bool = False  # a sum line (drawn with a rule above it)


@dataclass(frozen=True)
class MoneyStep:
    """One thing that happened to the money: when (None: still to come), what, how much."""

    when: datetime | None
    what: str
    amount: int
    done: bool = True


def units_line(*, kind: str, units: int, unit_price: int, subtotal: int, currency: str) -> str:
    """ "2 nights x 85.00 EUR"; when the day price capped the hours, says so instead of a wrong product."""
    label = units_label(kind=kind, units=units)
    if units * unit_price == subtotal:
        return f"{label} \u00d7 {format_money(unit_price, currency)}"
    return f"{label}, capped at the day price"


def fee_label(kind: str) -> str:
    return "Cleaning fee" if kind == "room" else "Booking fee"


def percent_words(milli_percent: int) -> str:
    """20000 -> "20 %", 5500 -> "5.5 %" (a rate held in thousandths of a percent)."""
    value = Decimal(milli_percent) / 1000
    return f"{value.normalize():f} %"


def tax_lines(priced: Any) -> list[Line]:
    """The tax lines of a quote or a booking: VAT on Sharing's fee, then the city's occupancy tax."""
    lines = []
    if priced.vat:
        lines.append(
            Line(f"VAT {percent_words(priced.vat_rate)} on Sharing's service fee ({priced.vat_country})", priced.vat)
        )
    if priced.occupancy_tax:
        city = priced.occupancy_place.split(":", 1)[-1]
        lines.append(Line(f"Tourist tax ({city})", priced.occupancy_tax))
    return lines


def price_lines(booking: Booking) -> list[Line]:
    """What the guest pays, line by line, down to the total; then the refund and what was paid in the end."""
    kind = booking.listing.kind
    lines = [
        Line(
            units_line(
                kind=kind,
                units=booking.units,
                unit_price=booking.unit_price,
                subtotal=booking.subtotal,
                currency=booking.currency,
            ),
            booking.subtotal,
        )
    ]
    if booking.discount:
        lines.append(Line("Discount for a long stay", -booking.discount))
    if booking.host_promotion:
        lines.append(Line(f"Promo code {booking.promo_code} (from the host)", -booking.host_promotion))
    if booking.fee:
        lines.append(Line(fee_label(kind), booking.fee))
    lines.append(Line("Sharing's service fee", booking.guest_service_fee))
    lines.extend(tax_lines(booking))
    lines.append(Line("Total", booking.total, total=True))
    if booking.platform_promotion:
        lines.append(Line(f"Promo code {booking.promo_code} (from Sharing)", -booking.platform_promotion))
    if booking.credit:
        lines.append(Line("Credit used", -booking.credit))
    if booking.platform_promotion or booking.credit:
        lines.append(Line("Paid by card", booking.charged, total=True))
    if booking.refund_amount and booking.confirmed_at is not None:
        lines.append(Line("Refunded to the guest", -booking.refund_amount))
        lines.append(Line("Paid in the end", booking.total - booking.refund_amount, total=True))
    return lines


def host_lines(booking: Booking) -> list[Line]:
    """What the host receives: the booking's price (after discount, with the fee), less Sharing's host fee."""
    gross = booking.subtotal - booking.discount - booking.host_promotion + booking.fee
    lines = [
        Line("The booking's price, with the fee", gross),
        Line("Sharing's host fee", -booking.host_service_fee),
        Line("Your payout", booking.host_payout, total=True),
    ]
    if booking.status in CANCELLED and booking.host_payout_after_cancellation is not None:
        lines.append(Line("Your payout after the cancellation", booking.host_payout_after_cancellation, total=True))
    return lines


def money_steps(booking: Booking) -> list[MoneyStep]:
    """The money's path with dates, oldest first; a payout still to come is the last step, not done."""
    steps = []
    # An instant booking is charged as it is made: no separate "authorised" step to read.
    if booking.confirmed_at is None or booking.confirmed_at - booking.created_at > INSTANT:
        steps.append(MoneyStep(booking.created_at, "Card authorised (not charged yet)", booking.charged))
    if booking.confirmed_at is not None:
        steps.append(MoneyStep(booking.confirmed_at, "Charged to the guest's card, held by Sharing", booking.charged))
    elif booking.ended_at is not None:
        steps.append(MoneyStep(booking.ended_at, "Authorisation released: nothing was charged", 0))
    if booking.confirmed_at is not None and booking.refund_amount:
        card = pricing.refund_tenders(booking_quote(booking), booking.refund_amount).card
        steps.append(MoneyStep(booking.ended_at, "Refunded to the guest's card", card))
    if booking.payout_released_at is not None:
        steps.append(MoneyStep(booking.payout_released_at, "Paid out to the host", booking.payout_amount))
    elif booking.status == BookingStatus.DISPUTED:
        steps.append(MoneyStep(None, "Held by Sharing until the dispute is decided", booking.payout_amount, done=False))
    elif booking.confirmed_at is not None and booking.payout_amount and booking.payout_release_at is not None:
        due = booking.payout_release_at
        steps.append(MoneyStep(due, "To be paid out to the host", booking.payout_amount, done=False))
    return steps
