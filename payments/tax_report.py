"""The monthly tax report for staff: per tax and jurisdiction, the taxable base and the tax collected.

Reads the ledger's tax accounts ("tax:vat:FR", "tax:occupancy:FR:Paris"), which the payout fills when
the escrow is released, so a month holds the taxes collected (released) in it, in each currency. The
taxable base of each booking's tax comes from its frozen quote: VAT's is Sharing's guest service fee,
the occupancy tax's the nights' price (after discounts); when a refund gave part of a tax back, the
base counts in the same proportion (`taxes.rules.share_back`'s half-up rounding).
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.db.models import Sum
from django.utils.translation import gettext, gettext_noop

from bookings.models import Booking
from core.errors import DomainError
from payments.models import TAX_PREFIX, LedgerEntry
from taxes.rules import share_back

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: object) -> date:
    """ "2026-12" -> 1 Dec 2026; anything else is refused with a message for staff."""
    value = str(text or "").strip()
    match = MONTH.match(value)
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise DomainError(
            gettext_noop("Give the month as YYYY-MM, e.g. 2026-11 (not “%(shown)s”)."),
            params={"shown": value[:20] or gettext("nothing")},
            field="month",
        )
    return date(int(match.group(1)), int(match.group(2)), 1)


@dataclass(frozen=True)
class ReportRow:
    tax: str  # "vat" (on the guest's fee), "host_vat" (on the host's fee) or "occupancy"
    jurisdiction: str  # "FR" or "FR:Paris"
    currency: str
    base: int
    tax_amount: int
    bookings: int


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    end = datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def _base(booking: Booking | None, tax: str, collected: int) -> int:
    if booking is None:
        return 0
    bases = {
        "vat": (booking.vat, booking.guest_service_fee),
        "host_vat": (booking.host_vat, booking.host_service_fee),
        "occupancy": (booking.occupancy_tax, booking.subtotal - booking.discount - booking.host_promotion),
    }
    full_tax, base = bases.get(tax, (0, 0))
    if full_tax <= 0:
        return 0
    return share_back(base, min(collected, full_tax), full_tax)


def monthly_tax_report(month: date) -> list[ReportRow]:
    """One row per (tax, jurisdiction, currency) collected in `month` (UTC), ordered by tax and place."""
    start, end = _month_bounds(month)
    per_booking = (
        LedgerEntry.objects.filter(
            account__startswith=TAX_PREFIX, transaction__created_at__gte=start, transaction__created_at__lt=end
        )
        .values("account", "currency", "transaction__reference")
        .annotate(total=Sum("amount"))
        .order_by("account", "currency", "transaction__reference")
    )
    rows = list(per_booking)
    booking_ids = {
        int(row["transaction__reference"].split(":", 1)[1])
        for row in rows
        if row["transaction__reference"].startswith("booking:")
    }
    bookings = Booking.objects.in_bulk(booking_ids)
    sums: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        _, tax, jurisdiction = row["account"].split(":", 2)
        reference = row["transaction__reference"]
        booking = bookings.get(int(reference.split(":", 1)[1])) if reference.startswith("booking:") else None
        entry = sums[(tax, jurisdiction, row["currency"])]
        entry[0] += _base(booking, tax, row["total"])
        entry[1] += row["total"]
        entry[2] += 1
    return [
        ReportRow(tax=tax, jurisdiction=place, currency=currency, base=base, tax_amount=amount, bookings=count)
        for (tax, place, currency), (base, amount, count) in sorted(sums.items())
    ]


def report_csv(month: date, rows: list[ReportRow]) -> str:
    """The report as CSV, amounts in minor units of each row's currency (as the ledger holds them)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["month", "tax", "jurisdiction", "currency", "taxable_base_minor", "tax_minor", "bookings"])
    for row in rows:
        writer.writerow(
            [f"{month:%Y-%m}", row.tax, row.jurisdiction, row.currency, row.base, row.tax_amount, row.bookings]
        )
    return out.getvalue()
