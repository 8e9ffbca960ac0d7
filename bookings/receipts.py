"""A booking's money as a person reads a receipt: what the price is made of, then what happened to the
money and when (authorised, charged and held, refunded, paid out). Plain data for the booking pages;
the ledger's bookkeeping rows stay in the money trail, folded behind "details".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

# `_` marks the labels for makemessages and leaves them English: pages translate them for their reader
# ({% translate line.label %}), and the PDF receipts render in the document's own language.
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _

from bookings.models import Booking, BookingChange, BookingStatus, PaymentSchedule
from bookings.pricing_words import units_label
from bookings.selectors import booking_quote
from bookings.tenders import refund_tenders
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
    return gettext("%(units)s, capped at the day price") % {"units": label}


def fee_label(kind: str) -> str:
    return _("Cleaning fee") if kind == "room" else _("Booking fee")


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
        lines.append(Line(_("Discount for a long stay"), -booking.discount))
    if booking.host_promotion:
        lines.append(Line(f"Promo code {booking.promo_code} (from the host)", -booking.host_promotion))
    if booking.fee:
        lines.append(Line(fee_label(kind), booking.fee))
    lines.append(Line(_("Sharing's service fee"), booking.guest_service_fee))
    lines.extend(tax_lines(booking))
    lines.append(Line(_("Total"), booking.total, total=True))
    if booking.platform_promotion:
        lines.append(Line(f"Promo code {booking.promo_code} (from Sharing)", -booking.platform_promotion))
    if booking.credit:
        lines.append(Line(_("Credit used"), -booking.credit))
    if booking.platform_promotion or booking.credit:
        lines.append(Line(_("Paid by card"), booking.charged, total=True))
    if booking.refund_amount and booking.confirmed_at is not None:
        lines.append(Line(_("Refunded to the guest"), -booking.refund_amount))
        lines.append(Line(_("Paid in the end"), booking.total - booking.refund_amount, total=True))
    return lines


def host_lines(booking: Booking) -> list[Line]:
    """What the host receives: the booking's price (after discount, with the fee), less Sharing's host fee
    and the VAT on it (by the host's country)."""
    gross = booking.subtotal - booking.discount - booking.host_promotion + booking.fee
    lines = [
        Line(_("The booking's price, with the fee"), gross),
        Line(_("Sharing's host fee"), -booking.host_service_fee),
    ]
    if booking.host_vat:
        lines.append(Line(_("VAT on Sharing's host fee"), -booking.host_vat))
    lines += [
        Line(_("Your payout"), booking.host_payout, total=True),
    ]
    if booking.status in CANCELLED and booking.host_payout_after_cancellation is not None:
        lines.append(Line(_("Your payout after the cancellation"), booking.host_payout_after_cancellation, total=True))
    return lines


def _paid_changes(booking: Booking) -> list[BookingChange]:
    """Accepted changes that moved card money (not those of a far-ahead booking before its scheduled charge)."""
    if booking.pk is None:  # a receipt drawn before the booking exists (a preview) has no history
        return []
    changes = list(booking.changes.filter(status=BookingChange.Status.ACCEPTED).order_by("answered_at", "pk"))
    schedule = PaymentSchedule.objects.filter(booking=booking).first()
    if schedule is None:
        return changes
    paid_at = schedule.paid_at
    return [c for c in changes if paid_at is not None and c.answered_at is not None and c.answered_at > paid_at]


def money_steps(booking: Booking) -> list[MoneyStep]:
    """The money's path with dates, oldest first; a payout still to come is the last step, not done."""
    steps = []
    changed = _paid_changes(booking)
    # A change refunded or re-charged since: the card was first held and charged the total before it.
    first = changed[0].old_total if changed else booking.charged
    # An instant booking is charged as it is made: no separate "authorised" step to read.
    if booking.confirmed_at is None or booking.confirmed_at - booking.created_at > INSTANT:
        steps.append(MoneyStep(booking.created_at, _("Card authorised (not charged yet)"), first))
    if booking.confirmed_at is not None:
        steps.append(MoneyStep(booking.confirmed_at, _("Charged to the guest's card, held by Sharing"), first))
    elif booking.ended_at is not None:
        steps.append(MoneyStep(booking.ended_at, _("Authorisation released: nothing was charged"), 0))
    for change in changed:
        if change.back:
            what = _("Booking changed: the difference refunded to the card")
            steps.append(MoneyStep(change.answered_at, what, change.back))
        elif change.difference > 0:
            what = _("Booking changed: the new total charged to the card, the first payment refunded")
            steps.append(MoneyStep(change.answered_at, what, change.total))
    if booking.confirmed_at is not None and booking.refund_amount:
        card = refund_tenders(booking_quote(booking), booking.refund_amount).card
        steps.append(MoneyStep(booking.ended_at, _("Refunded to the guest's card"), card))
    if booking.payout_released_at is not None:
        steps.append(MoneyStep(booking.payout_released_at, _("Paid out to the host"), booking.payout_amount))
    elif booking.status == BookingStatus.DISPUTED:
        steps.append(
            MoneyStep(None, _("Held by Sharing until the dispute is decided"), booking.payout_amount, done=False)
        )
    elif booking.confirmed_at is not None and booking.payout_amount and booking.payout_release_at is not None:
        due = booking.payout_release_at
        steps.append(MoneyStep(due, _("To be paid out to the host"), booking.payout_amount, done=False))
    return steps
