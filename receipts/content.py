"""What a document says, frozen when it is issued: plain JSON of labels and integer amounts.

A document's `content`:
    {"title": str, "issuer": {"name", "address"}, "recipient": {"name", "email"},
     "facts": [[label, text], ...],
     "sections": [{"heading": str, "columns": [str, ...],
                   "rows": [{"cells": [cell, ...], "total": bool}, ...]}],
     "note": str}
A cell is a text (typed by people: a title, a name), a money cell {"amount": int, "currency": str}, a day
{"date": "2027-03-06"} or a month {"month": "2027-03"}, our words {"words": msgid, "params": {name: cell}}
(with "plural" and "count" when they count), or a priced count {"text": cell, "each": {"amount", "currency"}}.
Titles, headings, columns, the facts' labels and the note are our words too (plain msgids). Words stay
untranslated here and amounts in minor units: the document is written out only when it is rendered
(`receipts.render`), in its reader's language, money by `core.money.format_money` and dates by Babel.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Sum
from django.utils.translation import gettext_noop as _

from accounts.models import User
from bookings.models import Booking
from bookings.pricing_words import UNITS_WORDS
from bookings.receipts import fee_label, percent_words
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


def words(msgid: str, **params: Cell) -> dict[str, Any]:
    """Our words (a msgid marked with `_`) and their values, translated only when the document is rendered."""
    return {"words": msgid, "params": params}


def counted(singular: str, plural: str, count: int, **params: Cell) -> dict[str, Any]:
    """Words that count (`ngettext`'s pair): "%(counter)s night" / "%(counter)s nights"."""
    return {"words": singular, "plural": plural, "count": int(count), "params": {"counter": int(count), **params}}


def day(value: date) -> dict[str, str]:
    return {"date": value.isoformat()}


def _parties(recipient: User) -> dict[str, Any]:
    return {
        "issuer": {"name": settings.RECEIPTS_ISSUER_NAME, "address": settings.RECEIPTS_ISSUER_ADDRESS},
        "recipient": {"name": recipient.public_name, "email": recipient.email},
    }


def _local_day(moment: datetime, time_zone: str) -> dict[str, str]:
    return day(moment.astimezone(ZoneInfo(time_zone or "UTC")).date())


def booking_of(reference: str) -> Booking | None:
    """The booking a payment's reference is for ("booking:12", "extras:12", "deposit:12"), if any."""
    prefix, _, rest = reference.partition(":")
    if prefix not in ("booking", "extras", "deposit", "car") or not rest.isdigit():
        return None
    return Booking.objects.select_related("listing", "listing__owner").filter(pk=int(rest)).first()


def _booking_facts(booking: Booking) -> list[list[Cell]]:
    listing = booking.listing
    start, end = _local_day(booking.start, booking.time_zone), _local_day(booking.end, booking.time_zone)
    return [
        [_("Booking"), f"#{booking.pk}: {listing.title}" + (f", {listing.city}" if listing.city else "")],
        [_("Dates"), words(_("%(start)s to %(end)s"), start=start, end=end)],
        [_("Host"), listing.owner.public_name],
    ]


def _tax_rows(booking: Booking) -> list[dict[str, Any]]:
    """The booking's taxes, as on its page: VAT on Sharing's fee, then the city's tourist tax."""
    rows = []
    if booking.vat:
        label = words(
            _("VAT %(rate)s on Sharing's service fee (%(country)s)"),
            rate=percent_words(booking.vat_rate),
            country=booking.vat_country,
        )
        rows.append(row(label, money(booking.vat, booking.currency)))
    if booking.occupancy_tax:
        city = booking.occupancy_place.split(":", 1)[-1]
        rows.append(row(words(_("Tourist tax (%(city)s)"), city=city), money(booking.occupancy_tax, booking.currency)))
    return rows


def _booking_rows(booking: Booking) -> list[dict[str, Any]]:
    """What the guest pays for a booking, line by line, down to the total (as on the booking page)."""
    currency, kind = booking.currency, booking.listing.kind
    label = counted(*UNITS_WORDS.get(kind, UNITS_WORDS[None]), booking.units)
    if booking.units * booking.unit_price == booking.subtotal:
        first: Cell = {"text": label, "each": money(booking.unit_price, currency)}
    else:
        first = words(_("%(units)s, capped at the day price"), units=label)
    rows = [row(first, money(booking.subtotal, currency))]
    if booking.discount:
        rows.append(row(words(_("Discount for a long stay")), money(-booking.discount, currency)))
    if booking.fee:
        rows.append(row(words(fee_label(kind)), money(booking.fee, currency)))
    rows.append(row(words(_("Sharing's service fee")), money(booking.guest_service_fee, currency)))
    rows += _tax_rows(booking)
    rows.append(row(words(_("Total of the booking")), money(booking.total, currency), total=True))
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
                        "text": words(
                            _("%(extra)s km beyond the %(included)s km included"),
                            extra=settlement.extra_km,
                            included=settlement.included_km,
                        ),
                        "each": money(settlement.extra_km_price, settlement.currency),
                    },
                    money(settlement.extra_amount, settlement.currency),
                )
            ]
    if booking is not None and prefix == "deposit":
        deposit = Deposit.objects.filter(booking=booking).first()
        if deposit is not None:
            return [
                row(words(_("Security deposit charged for the owner's claim, as decided by Sharing's support")), "")
            ]
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
    facts: list[list[Cell]] = [[_("Date"), day(ledger_tx.created_at.date())]]
    if booking is not None:
        facts += _booking_facts(booking)
    if kind == "receipt":
        title = _("Receipt")
        rows = _what_was_paid(payment.reference, booking, currency)
        rows.append(row(words(_("Charged to your card")), money(amount, currency), total=True))
        note = _("Paid by card to Sharing, which holds the money until the host is paid.")
    else:
        title = _("Refund receipt")
        if original_number:
            facts.append([_("Refund of"), words(_("receipt %(number)s"), number=original_number)])
        rows = [row(words(_("Refunded to your card")), money(amount, currency), total=True)]
        note = _("Your bank shows the refund on your card within 5 to 10 days.")
    return {
        "title": title,
        **_parties(payment.payer),
        "facts": facts,
        "sections": [{"heading": "", "columns": ["", _("Amount")], "rows": rows}],
        "note": note,
    }


def credit_note_content(original: Any, *, reason: str) -> dict[str, Any]:
    """A credit note cancelling `original` (a Document): same figures, with the opposite sign."""
    cancels = {
        "receipt": _("Cancels receipt %(number)s"),
        "refund": _("Cancels refund receipt %(number)s"),
        "statement": _("Cancels statement %(number)s"),
    }.get(original.kind, _("Cancels document %(number)s"))
    rows = [row(words(cancels, number=original.display_number), "")]
    if original.currency:
        rows.append(row(words(_("Credited")), money(-original.total, original.currency), total=True))
    return {
        "title": _("Credit note"),
        **_parties(original.recipient),
        "facts": [[_("Corrects"), original.display_number], [_("Reason"), reason]],
        "sections": [{"heading": "", "columns": ["", _("Amount")], "rows": rows}],
        "note": words(
            _("%(number)s stays on record; this credit note replaces its figures."), number=original.display_number
        ),
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
        when = day(ledger_tx.created_at.date())
        booking = booking_of(ledger_tx.reference)
        what = f"#{booking.pk} {booking.listing.title}" if booking is not None else ledger_tx.reference
        released = -sum(e.amount for e in entries if e.account == ESCROW)
        fees = sum(e.amount for e in entries if e.account == PLATFORM_FEES)
        host_vat = sum(e.amount for e in entries if e.account.startswith(HOST_VAT_PREFIX))
        taxes = sum(e.amount for e in entries if e.account.startswith(TAX_PREFIX)) - host_vat
        if mine > 0 and released > 0:
            earnings.append(
                row(
                    when,
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
            payouts.append(row(when, what, money(-mine, currency)))
            totals[currency]["paid"] += -mine
        else:
            label = (
                _("%(what)s: taken back for a refund to the guest")
                if mine < 0
                else _("%(what)s: returned to your balance")
            )
            adjustments.append(row(when, words(label, what=what), money(mine, currency)))
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
            row(words(_("Earnings (%(currency)s)"), currency=currency), money(figures["earned"], currency)),
            row(words(_("Adjustments (%(currency)s)"), currency=currency), money(figures["adjusted"], currency)),
            row(words(_("Paid out to you (%(currency)s)"), currency=currency), money(figures["paid"], currency)),
            row(
                words(_("Still owed to you at the month's end (%(currency)s)"), currency=currency),
                money(owed, currency),
                total=True,
            ),
        ]
    return {
        "title": _("Monthly statement"),
        **_parties(host),
        "facts": [
            [_("Month"), {"month": f"{first_day:%Y-%m}"}],
            [
                _("Period (UTC)"),
                words(_("%(start)s to %(end)s (excluded)"), start=day(start.date()), end=day(end.date())),
            ],
        ],
        "sections": [
            {
                "heading": _("Bookings paid out to your balance"),
                "columns": [
                    _("Date"),
                    _("Booking"),
                    _("Guest paid"),
                    _("Sharing's fees"),
                    _("Taxes"),
                    _("Host fee VAT"),
                    _("Your earnings"),
                ],
                "rows": earnings,
            },
            {"heading": _("Adjustments"), "columns": [_("Date"), _("What"), _("Amount")], "rows": adjustments},
            {
                "heading": _("Payouts to your bank account"),
                "columns": [_("Date"), _("For"), _("Amount")],
                "rows": payouts,
            },
            {"heading": _("Totals"), "columns": ["", _("Amount")], "rows": summary},
        ],
        "note": _(
            "Sharing's fees are the guest's service fee and your host fee, kept when the booking's money is "
            "released to you. Taxes are the VAT on Sharing's service fee and the city's tourist tax the guest paid, "
            "which Sharing collects and pays to the tax authorities. Host fee VAT is the VAT on your host fee, by "
            "your country's rate, taken from your earnings and paid by Sharing to the tax authorities."
        ),
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
