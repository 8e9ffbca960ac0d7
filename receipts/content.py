"""What a document says, frozen when it is issued: plain JSON of labels and integer amounts.

A document's `content`:
    {"title": str, "issuer": {"name", "address"}, "recipient": {"name", "email"},
     "facts": [[label, text], ...],
     "sections": [{"heading": str, "columns": [str, ...],
                   "rows": [{"cells": [cell, ...], "total": bool}, ...]}],
     "note": str}
A cell is a text, a money cell {"amount": int, "currency": str} or a priced count
{"text": "2 nights", "each": {"amount", "currency"}}. Amounts stay in minor units here and are
written out only when the document is rendered, by `core.money.format_money` in its language.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Sum

from accounts.models import User
from bookings.models import Booking
from bookings.pricing_words import units_label
from bookings.receipts import fee_label, tax_lines
from handover.models import Deposit, Settlement
from payments.models import (
    ESCROW,
    GUEST_FUNDING,
    HOST_VAT_PREFIX,
    PAYOUTS_PAID,
    PLATFORM_FEES,
    REFUNDS_PAID,
    TAX_PREFIX,
    LedgerEntry,
    LedgerTransaction,
    host_payable,
)

Cell = Any  # str | {"amount", "currency"} | {"text", "each"}


def money(amount: int, currency: str) -> dict[str, Any]:
    return {"amount": int(amount), "currency": currency}


def row(*cells: Cell, total: bool = False) -> dict[str, Any]:
    return {"cells": list(cells), "total": total}


def _parties(recipient: User) -> dict[str, Any]:
    return {
        "issuer": {"name": settings.RECEIPTS_ISSUER_NAME, "address": settings.RECEIPTS_ISSUER_ADDRESS},
        "recipient": {"name": recipient.public_name, "email": recipient.email},
    }


def _local_day(moment: datetime, time_zone: str) -> str:
    return moment.astimezone(ZoneInfo(time_zone or "UTC")).date().isoformat()


def booking_of(reference: str) -> Booking | None:
    """The booking a payment's reference is for ("booking:12", "extras:12", "deposit:12"), if any."""
    prefix, _, rest = reference.partition(":")
    if prefix not in ("booking", "extras", "deposit", "car") or not rest.isdigit():
        return None
    return Booking.objects.select_related("listing", "listing__owner").filter(pk=int(rest)).first()


def _booking_facts(booking: Booking) -> list[list[str]]:
    listing = booking.listing
    return [
        ["Booking", f"#{booking.pk}: {listing.title}" + (f", {listing.city}" if listing.city else "")],
        ["Dates", f"{_local_day(booking.start, booking.time_zone)} to {_local_day(booking.end, booking.time_zone)}"],
        ["Host", listing.owner.public_name],
    ]


def _booking_rows(booking: Booking) -> list[dict[str, Any]]:
    """What the guest pays for a booking, line by line, down to the total (as on the booking page)."""
    currency, kind = booking.currency, booking.listing.kind
    label = units_label(kind=kind, units=booking.units)
    if booking.units * booking.unit_price == booking.subtotal:
        first: Cell = {"text": label, "each": money(booking.unit_price, currency)}
    else:
        first = f"{label}, capped at the day price"
    rows = [row(first, money(booking.subtotal, currency))]
    if booking.discount:
        rows.append(row("Discount for a long stay", money(-booking.discount, currency)))
    if booking.fee:
        rows.append(row(fee_label(kind), money(booking.fee, currency)))
    rows.append(row("Sharing's service fee", money(booking.guest_service_fee, currency)))
    rows += [row(line.label, money(line.amount, currency)) for line in tax_lines(booking)]
    rows.append(row("Total of the booking", money(booking.total, currency), total=True))
    return rows


def _what_was_paid(reference: str, booking: Booking | None, currency: str) -> list[dict[str, Any]]:
    prefix = reference.partition(":")[0]
    if booking is not None and prefix == "booking":
        return _booking_rows(booking)
    if booking is not None and prefix == "extras":
        settlement = Settlement.objects.filter(booking=booking).first()
        if settlement is not None:
            return [
                row(
                    {
                        "text": f"{settlement.extra_km} km beyond the {settlement.included_km} km included",
                        "each": money(settlement.extra_km_price, settlement.currency),
                    },
                    money(settlement.extra_amount, settlement.currency),
                )
            ]
    if booking is not None and prefix == "deposit":
        deposit = Deposit.objects.filter(booking=booking).first()
        if deposit is not None:
            return [row("Security deposit charged for the owner's claim, as decided by Sharing's support", "")]
    return []


def _escrow_movement(ledger_tx: LedgerTransaction) -> tuple[int, str]:
    """How much went into (a capture) or out of (a refund) escrow, and its currency."""
    entry = ledger_tx.entries.get(account=ESCROW)
    return abs(entry.amount), entry.currency


def receipt_kind(ledger_tx: LedgerTransaction) -> str | None:
    """ "receipt" for a guest's payment captured, "refund" for a refund to the guest, None otherwise."""
    if ledger_tx.payment_id is None:
        return None
    accounts = {(entry.account, entry.amount > 0) for entry in ledger_tx.entries.all()}
    if (GUEST_FUNDING, False) in accounts and (ESCROW, True) in accounts:
        return "receipt"
    if (REFUNDS_PAID, True) in accounts and (ESCROW, False) in accounts:
        return "refund"
    return None


def receipt_content(ledger_tx: LedgerTransaction, *, kind: str, original_number: str = "") -> dict[str, Any]:
    """A receipt of a payment captured, or of a refund: what moved, for what, and when."""
    payment = ledger_tx.payment
    assert payment is not None
    amount, currency = _escrow_movement(ledger_tx)
    booking = booking_of(payment.reference)
    facts = [["Date", ledger_tx.created_at.date().isoformat()]]
    if booking is not None:
        facts += _booking_facts(booking)
    if kind == "receipt":
        title = "Receipt"
        rows = _what_was_paid(payment.reference, booking, currency)
        rows.append(row("Charged to your card", money(amount, currency), total=True))
        note = "Paid by card to Sharing, which holds the money until the host is paid."
    else:
        title = "Refund receipt"
        if original_number:
            facts.append(["Refund of", f"receipt {original_number}"])
        rows = [row("Refunded to your card", money(amount, currency), total=True)]
        note = "Your bank shows the refund on your card within 5 to 10 days."
    return {
        "title": title,
        **_parties(payment.payer),
        "facts": facts,
        "sections": [{"heading": "", "columns": ["", "Amount"], "rows": rows}],
        "note": note,
    }


def credit_note_content(original: Any, *, reason: str) -> dict[str, Any]:
    """A credit note cancelling `original` (a Document): same figures, with the opposite sign."""
    rows = [row(f"Cancels {original.get_kind_display().lower()} {original.display_number}", "")]
    if original.currency:
        rows.append(row("Credited", money(-original.total, original.currency), total=True))
    return {
        "title": "Credit note",
        **_parties(original.recipient),
        "facts": [["Corrects", original.display_number], ["Reason", reason]],
        "sections": [{"heading": "", "columns": ["", "Amount"], "rows": rows}],
        "note": f"{original.display_number} stays on record; this credit note replaces its figures.",
    }


def month_bounds(first_day: date) -> tuple[datetime, datetime]:
    """[the month's first instant, the next month's first instant), in UTC."""
    utc = ZoneInfo("UTC")
    start = datetime(first_day.year, first_day.month, 1, tzinfo=utc)
    end = datetime(first_day.year + first_day.month // 12, first_day.month % 12 + 1, 1, tzinfo=utc)
    return start, end


def statement_content(host: User, first_day: date) -> dict[str, Any]:
    """A host's month: earnings released per booking (guest paid, Sharing's fees, earnings), adjustments,
    payouts sent, and per currency the totals and what Sharing still owes at the month's end.

    Everything is read from the host's account in the ledger, so a statement adds up like the ledger."""
    start, end = month_bounds(first_day)
    account = host_payable(host.pk)
    transactions = (
        LedgerTransaction.objects.filter(entries__account=account, created_at__gte=start, created_at__lt=end)
        .distinct()
        .prefetch_related("entries")
        .order_by("created_at", "pk")
    )
    earnings, adjustments, payouts = [], [], []
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {"earned": 0, "adjusted": 0, "paid": 0})
    for ledger_tx in transactions:
        entries = list(ledger_tx.entries.all())
        mine = sum(e.amount for e in entries if e.account == account)
        currency = next(e.currency for e in entries if e.account == account)
        day = ledger_tx.created_at.date().isoformat()
        booking = booking_of(ledger_tx.reference)
        what = f"#{booking.pk} {booking.listing.title}" if booking is not None else ledger_tx.reference
        released = -sum(e.amount for e in entries if e.account == ESCROW)
        fees = sum(e.amount for e in entries if e.account == PLATFORM_FEES)
        host_vat = sum(e.amount for e in entries if e.account.startswith(HOST_VAT_PREFIX))
        taxes = sum(e.amount for e in entries if e.account.startswith(TAX_PREFIX)) - host_vat
        if mine > 0 and released > 0:
            earnings.append(
                row(
                    day,
                    what,
                    money(released, currency),
                    money(-fees, currency),
                    money(-taxes, currency),
                    money(-host_vat, currency),
                    money(mine, currency),
                )
            )
            totals[currency]["earned"] += mine
        elif mine < 0 and any(e.account == PAYOUTS_PAID for e in entries):
            payouts.append(row(day, what, money(-mine, currency)))
            totals[currency]["paid"] += -mine
        else:
            label = "Taken back for a refund to the guest" if mine < 0 else "Returned to your balance"
            adjustments.append(row(day, f"{what}: {label}", money(mine, currency)))
            totals[currency]["adjusted"] += mine
    summary = []
    for currency in sorted(totals):
        owed = (
            LedgerEntry.objects.filter(account=account, currency=currency, transaction__created_at__lt=end).aggregate(
                total=Sum("amount")
            )["total"]
            or 0
        )
        figures = totals[currency]
        summary += [
            row(f"Earnings ({currency})", money(figures["earned"], currency)),
            row(f"Adjustments ({currency})", money(figures["adjusted"], currency)),
            row(f"Paid out to you ({currency})", money(figures["paid"], currency)),
            row(f"Still owed to you at the month's end ({currency})", money(owed, currency), total=True),
        ]
    return {
        "title": "Monthly statement",
        **_parties(host),
        "facts": [["Month", f"{first_day:%Y-%m}"], ["Period (UTC)", f"{start.date()} to {(end.date())} (excluded)"]],
        "sections": [
            {
                "heading": "Bookings paid out to your balance",
                "columns": [
                    "Date",
                    "Booking",
                    "Guest paid",
                    "Sharing's fees",
                    "Taxes",
                    "Host fee VAT",
                    "Your earnings",
                ],
                "rows": earnings,
            },
            {"heading": "Adjustments", "columns": ["Date", "What", "Amount"], "rows": adjustments},
            {"heading": "Payouts to your bank account", "columns": ["Date", "For", "Amount"], "rows": payouts},
            {"heading": "Totals", "columns": ["", "Amount"], "rows": summary},
        ],
        "note": "Sharing's fees are the guest's service fee and your host fee, kept when the booking's money is "
        "released to you. Taxes are the VAT on Sharing's service fee and the city's tourist tax the guest paid, "
        "which Sharing collects and pays to the tax authorities. Host fee VAT is the VAT on your host fee, by "
        "your country's rate, taken from your earnings and paid by Sharing to the tax authorities.",
    }


def hosts_with_activity(first_day: date) -> list[int]:
    """The hosts whose balance moved in the month: each gets a statement."""
    start, end = month_bounds(first_day)
    accounts = (
        LedgerEntry.objects.filter(
            account__startswith="host_payable:", transaction__created_at__gte=start, transaction__created_at__lt=end
        )
        .order_by()
        .values_list("account", flat=True)
        .distinct()
    )
    return sorted({int(account.partition(":")[2]) for account in accounts})
