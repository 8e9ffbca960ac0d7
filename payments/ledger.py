"""The double-entry ledger: posting balanced transactions, reading balances, checking every invariant.

Balances are always sums of entries, computed by query; nothing stores a balance.
`check_ledger()` is what `manage.py ledger_check` and the tests' fixture run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from payments.errors import LedgerImbalance
from payments.models import (
    CHARGEBACK_COVER,
    CHARGEBACKS_HELD,
    CREDITS,
    ESCROW,
    FIXED_ACCOUNTS,
    GUEST_FUNDING,
    HOST_PAYABLE_PREFIX,
    NEVER_NEGATIVE_ACCOUNTS,
    PAYOUTS_PAID,
    PROMOTIONS,
    TAX_PREFIX,
    LedgerEntry,
    LedgerTransaction,
    Payment,
    Payout,
)
from realtime.wording import english


@dataclass(frozen=True)
class Line:
    """One line of a posting: `amount` (minor units, non-zero) flows into `account`."""

    account: str
    amount: int
    currency: str


def _validate_lines(lines: Iterable[Line]) -> list[Line]:
    kept = []
    totals: dict[str, int] = defaultdict(int)
    for line in lines:
        if not isinstance(line.amount, int) or isinstance(line.amount, bool):
            raise LedgerImbalance(
                gettext_noop("Ledger amounts are integers in minor units, not %(type)s."),
                params={"type": type(line.amount).__name__},
            )
        if not (
            line.account in FIXED_ACCOUNTS
            or line.account.startswith(HOST_PAYABLE_PREFIX)
            or line.account.startswith(TAX_PREFIX)
        ):
            raise LedgerImbalance(
                gettext_noop("Unknown ledger account %(account)s."), params={"account": repr(line.account)}
            )
        if len(line.currency) != 3 or line.currency != line.currency.upper():
            raise LedgerImbalance(
                gettext_noop("Currency must be an upper-case ISO code, not %(currency)s."),
                params={"currency": repr(line.currency)},
            )
        if line.amount == 0:
            continue  # a zero line moves nothing; keeping it would break the non-zero constraint
        totals[line.currency] += line.amount
        kept.append(line)
    unbalanced = {currency: total for currency, total in totals.items() if total != 0}
    if unbalanced:
        raise LedgerImbalance(
            gettext_noop("A ledger transaction must sum to zero per currency; it sums to %(totals)s."),
            params={"totals": unbalanced},
        )
    if not kept:
        raise LedgerImbalance(gettext_noop("A ledger transaction needs at least two non-zero lines."))
    return kept


def post_transaction(
    *, lines: Iterable[Line], reference: str, description: str | dict[str, Any], payment: Payment | None = None
) -> LedgerTransaction:
    """Record one balanced money movement; refuses (LedgerImbalance) anything not summing to zero per currency.

    `description` is words (`realtime.wording.words`, amounts as `money_value`): the row keeps them, and
    their English as `description`, so the money trail reads in each reader's language. A plain string is
    kept as it is (English for every reader)."""
    said = description if isinstance(description, dict) else None
    if said is not None:
        description = english(said)
    kept = _validate_lines(lines)
    if not reference:
        raise LedgerImbalance(gettext_noop("A ledger transaction needs a reference."))
    with transaction.atomic():
        ledger_tx = LedgerTransaction(
            reference=reference,
            description=str(description)[:200],
            description_words=said,
            payment=payment,
            created_at=timezone.now(),
        )
        ledger_tx.save(force_insert=True)
        for line in kept:
            LedgerEntry(transaction=ledger_tx, account=line.account, amount=line.amount, currency=line.currency).save(
                force_insert=True
            )
    return ledger_tx


def balance(account: str, *, currency: str, reference: str | None = None) -> int:
    """The sum of an account's entries (optionally only those for one reference)."""
    entries = LedgerEntry.objects.filter(account=account, currency=currency)
    if reference is not None:
        entries = entries.filter(transaction__reference=reference)
    return entries.aggregate(total=Sum("amount"))["total"] or 0


def escrow_balance(*, reference: str, currency: str) -> int:
    return balance(ESCROW, currency=currency, reference=reference)


@dataclass(frozen=True)
class Problem:
    """One broken invariant: its code (the same in every language) and its words, read in the active language."""

    invariant: str
    words: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def detail(self) -> str:
        return gettext(self.words) % self.params

    def __str__(self) -> str:
        return f"[{self.invariant}] {self.detail}"


# A balance that should be at most zero and is above it: what that means, per account.
OVER_POSITIVE = {
    "refunded": gettext_noop("%(account)s is +%(total)s %(currency)s (more refunded than paid)"),
    "recovered": gettext_noop("%(account)s is +%(total)s %(currency)s (more recovered than covered)"),
    "given back": gettext_noop("%(account)s is +%(total)s %(currency)s (more given back than spent)"),
}


def check_ledger() -> list[Problem]:
    """Every invariant of the money records; an empty list means the ledger is sound."""
    problems: list[Problem] = []

    # 1. Each transaction sums to zero per currency and has at least two lines.
    per_tx = (
        LedgerEntry.objects.values("transaction_id", "currency")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
        .order_by("transaction_id")
    )
    for row in per_tx:
        problems.append(
            Problem(
                "transaction-balanced",
                gettext_noop("transaction #%(transaction)s sums to %(total)s %(currency)s"),
                {"transaction": row["transaction_id"], "total": row["total"], "currency": row["currency"]},
            )
        )
    for tx in LedgerTransaction.objects.filter(entries__isnull=True).values_list("pk", flat=True):
        problems.append(
            Problem(
                "transaction-balanced", gettext_noop("transaction #%(transaction)s has no entries"), {"transaction": tx}
            )
        )

    # 2. Balances that cannot be negative (per account and currency), and guest funding that cannot be positive.
    per_account = LedgerEntry.objects.values("account", "currency").annotate(total=Sum("amount")).order_by("account")
    for balance in per_account:
        account, total = balance["account"], balance["total"]
        never_negative = account.startswith(HOST_PAYABLE_PREFIX) or account.startswith(TAX_PREFIX)
        values = {"account": account, "total": total, "currency": balance["currency"]}
        if (account in NEVER_NEGATIVE_ACCOUNTS or never_negative) and total < 0:
            problems.append(Problem("not-negative", gettext_noop("%(account)s is %(total)s %(currency)s"), values))
        if account == GUEST_FUNDING and total > 0:
            problems.append(Problem("not-negative", OVER_POSITIVE["refunded"], values))
        if account == CHARGEBACK_COVER and total > 0:
            problems.append(Problem("not-negative", OVER_POSITIVE["recovered"], values))
        if account in (PROMOTIONS, CREDITS) and total > 0:
            problems.append(Problem("not-negative", OVER_POSITIVE["given back"], values))

    # 3. Per reference: escrow in the ledger = captured - refunded - released (host payout + fee), never negative.
    ledger_escrow: dict[tuple[str, str], int] = {
        (row["transaction__reference"], row["currency"]): row["total"]
        for row in LedgerEntry.objects.filter(account=ESCROW)
        .values("transaction__reference", "currency")
        .annotate(total=Sum("amount"))
    }
    expected: dict[tuple[str, str], int] = defaultdict(int)
    for payment in Payment.objects.only(
        "reference",
        "currency",
        "captured_amount",
        "refunded_amount",
        "host_payout_amount",
        "platform_fee_amount",
        "chargeback_recovered",
        "subsidy_amount",
        "subsidy_returned",
    ):
        expected[(payment.reference, payment.currency)] += payment.escrow_amount
    for key in sorted(set(ledger_escrow) | set(expected)):
        in_ledger, in_payments = ledger_escrow.get(key, 0), expected.get(key, 0)
        reference, currency = key
        if in_ledger != in_payments:
            problems.append(
                Problem(
                    "escrow-matches-payments",
                    gettext_noop(
                        "%(reference)s: ledger escrow %(ledger)s %(currency)s, payments say captured - refunded - "
                        "released = %(payments)s"
                    ),
                    {"reference": reference, "ledger": in_ledger, "currency": currency, "payments": in_payments},
                )
            )
        if in_ledger < 0:
            problems.append(
                Problem(
                    "not-negative",
                    gettext_noop("%(reference)s: escrow is %(total)s %(currency)s"),
                    {"reference": reference, "total": in_ledger, "currency": currency},
                )
            )

    # 4. Per host: what the ledger owes them equals their payouts still waiting to be sent.
    ledger_payable = {
        (row["account"], row["currency"]): row["total"]
        for row in LedgerEntry.objects.filter(account__startswith=HOST_PAYABLE_PREFIX)
        .values("account", "currency")
        .annotate(total=Sum("amount"))
    }
    waiting: dict[tuple[str, str], int] = defaultdict(int)
    for payout in Payout.objects.filter(status=Payout.Status.WAITING).only(
        "host_id", "currency", "amount", "reversed_amount"
    ):
        waiting[(f"{HOST_PAYABLE_PREFIX}{payout.host_id}", payout.currency)] += payout.amount - payout.reversed_amount
    for key in sorted(set(ledger_payable) | set(waiting)):
        if ledger_payable.get(key, 0) != waiting.get(key, 0):
            problems.append(
                Problem(
                    "payable-matches-payouts",
                    gettext_noop("%(account)s: ledger %(ledger)s %(currency)s, waiting payouts %(waiting)s"),
                    {
                        "account": key[0],
                        "ledger": ledger_payable.get(key, 0),
                        "currency": key[1],
                        "waiting": waiting.get(key, 0),
                    },
                )
            )

    # 5. What the ledger says went out to hosts equals the paid payouts, net of reversals.
    ledger_paid = {
        row["currency"]: row["total"]
        for row in LedgerEntry.objects.filter(account=PAYOUTS_PAID).values("currency").annotate(total=Sum("amount"))
    }
    sent: dict[str, int] = defaultdict(int)
    for payout in Payout.objects.filter(status=Payout.Status.PAID).only("currency", "amount", "reversed_amount"):
        sent[payout.currency] += payout.amount - payout.reversed_amount
    for currency in sorted(set(ledger_paid) | set(sent)):
        if ledger_paid.get(currency, 0) != sent.get(currency, 0):
            problems.append(
                Problem(
                    "paid-matches-payouts",
                    gettext_noop("payouts_paid %(ledger)s %(currency)s, paid payouts %(paid)s"),
                    {"ledger": ledger_paid.get(currency, 0), "currency": currency, "paid": sent.get(currency, 0)},
                )
            )
    problems.extend(_check_chargebacks())
    return problems


def _check_chargebacks() -> list[Problem]:
    """6. What the banks hold, per currency, equals the chargebacks still open on payments."""
    problems = []
    held = {
        row["currency"]: row["total"]
        for row in LedgerEntry.objects.filter(account=CHARGEBACKS_HELD).values("currency").annotate(total=Sum("amount"))
    }
    open_amounts: dict[str, int] = defaultdict(int)
    for payment in Payment.objects.filter(chargeback_status=Payment.Chargeback.OPEN).only(
        "currency", "chargeback_amount"
    ):
        open_amounts[payment.currency] += payment.chargeback_amount
    for currency in sorted(set(held) | set(open_amounts)):
        if held.get(currency, 0) != open_amounts.get(currency, 0):
            problems.append(
                Problem(
                    "chargebacks-held-match-payments",
                    gettext_noop("chargebacks_held %(held)s %(currency)s, open chargebacks %(open)s"),
                    {"held": held.get(currency, 0), "currency": currency, "open": open_amounts.get(currency, 0)},
                )
            )
    return problems
