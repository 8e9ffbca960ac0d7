"""The double-entry ledger: posting balanced transactions, reading balances, checking every invariant.

Balances are always sums of entries, computed by query; nothing stores a balance.
`check_ledger()` is what `manage.py ledger_check` and the tests' fixture run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

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
            raise LedgerImbalance(f"Ledger amounts are integers in minor units, not {type(line.amount).__name__}.")
        if not (
            line.account in FIXED_ACCOUNTS
            or line.account.startswith(HOST_PAYABLE_PREFIX)
            or line.account.startswith(TAX_PREFIX)
        ):
            raise LedgerImbalance(f"Unknown ledger account {line.account!r}.")
        if len(line.currency) != 3 or line.currency != line.currency.upper():
            raise LedgerImbalance(f"Currency must be an upper-case ISO code, not {line.currency!r}.")
        if line.amount == 0:
            continue  # a zero line moves nothing; keeping it would break the non-zero constraint
        totals[line.currency] += line.amount
        kept.append(line)
    unbalanced = {currency: total for currency, total in totals.items() if total != 0}
    if unbalanced:
        raise LedgerImbalance(f"A ledger transaction must sum to zero per currency; it sums to {unbalanced}.")
    if not kept:
        raise LedgerImbalance("A ledger transaction needs at least two non-zero lines.")
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
        raise LedgerImbalance("A ledger transaction needs a reference.")
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
    invariant: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.invariant}] {self.detail}"


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
                "transaction-balanced", f"transaction #{row['transaction_id']} sums to {row['total']} {row['currency']}"
            )
        )
    for tx in LedgerTransaction.objects.filter(entries__isnull=True).values_list("pk", flat=True):
        problems.append(Problem("transaction-balanced", f"transaction #{tx} has no entries"))

    # 2. Balances that cannot be negative (per account and currency), and guest funding that cannot be positive.
    per_account = LedgerEntry.objects.values("account", "currency").annotate(total=Sum("amount")).order_by("account")
    for balance in per_account:
        account, total = balance["account"], balance["total"]
        never_negative = account.startswith(HOST_PAYABLE_PREFIX) or account.startswith(TAX_PREFIX)
        if (account in NEVER_NEGATIVE_ACCOUNTS or never_negative) and total < 0:
            problems.append(Problem("not-negative", f"{account} is {total} {balance['currency']}"))
        if account == GUEST_FUNDING and total > 0:
            problems.append(
                Problem("not-negative", f"{account} is +{total} {balance['currency']} (more refunded than paid)")
            )
        if account == CHARGEBACK_COVER and total > 0:
            problems.append(
                Problem("not-negative", f"{account} is +{total} {balance['currency']} (more recovered than covered)")
            )
        if account in (PROMOTIONS, CREDITS) and total > 0:
            problems.append(
                Problem("not-negative", f"{account} is +{total} {balance['currency']} (more given back than spent)")
            )

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
                    f"{reference}: ledger escrow {in_ledger} {currency}, payments say captured - refunded - released "
                    f"= {in_payments}",
                )
            )
        if in_ledger < 0:
            problems.append(Problem("not-negative", f"{reference}: escrow is {in_ledger} {currency}"))

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
                    f"{key[0]}: ledger {ledger_payable.get(key, 0)} {key[1]}, waiting payouts {waiting.get(key, 0)}",
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
                    f"payouts_paid {ledger_paid.get(currency, 0)} {currency}, paid payouts {sent.get(currency, 0)}",
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
                    f"chargebacks_held {held.get(currency, 0)} {currency}, open chargebacks "
                    f"{open_amounts.get(currency, 0)}",
                )
            )
    return problems
