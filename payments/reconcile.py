"""Reconciliation with Stripe: what we recorded against Stripe's own objects, mismatches into a staff queue.

For every payment that reached Stripe, compared by id and metadata:
  capture           our captured amount  = the PaymentIntent's `amount_received`
  status            authorised / charged / released = `requires_capture` / `succeeded` / `canceled`
  refunds           our refunded amount  = Stripe's refunds of the charge (less the uncaptured part a
                    partial capture returns by itself)
  refund_operation  each refund the money outbox recorded as done exists once in Stripe (its
                    `operation` metadata), with the amount first recorded
  transfer          each paid payout's transfer exists, net of reversals equal to what we say we sent
                    and did not take back; no transfer for this payment (metadata `payment`) that we
                    did not record

All Stripe reads happen first, with no transaction open; then one short transaction updates
the queue (`StripeMismatch`): a new disagreement opens a row, one seen again refreshes it,
and an open row whose payment now agrees is resolved. A payment whose money operation is
still pending and younger than IN_FLIGHT is left out (the re-driver is on it). Run daily by
the scheduler (`operations/schedule.py`) and on demand (`manage.py reconcile_stripe`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from payments import gateway
from payments.models import MoneyOperation, Payment, Payout, StripeMismatch

Status = Payment.Status
IN_FLIGHT = timedelta(hours=1)
EXPECTED_INTENT_STATUS: dict[str, str] = {
    Status.AUTHORIZED: "requires_capture",
    Status.CAPTURED: "succeeded",
    Status.CANCELED: "canceled",
}


@dataclass(frozen=True)
class Finding:
    payment_id: int
    what: str
    ours: str
    stripe: str
    detail: str = ""  # tells apart two findings of one kind (a transfer id, an operation uid)

    @property
    def key(self) -> str:
        return ":".join(part for part in ("payment", str(self.payment_id), self.what, self.detail) if part)


@dataclass(frozen=True)
class Outcome:
    checked: int
    open: list[StripeMismatch]
    new: int
    resolved: int


def _metadata(obj: Any, name: str) -> str:
    """One metadata value of a Stripe object, "" when absent."""
    return gateway.metadata_of(obj).get(name, "")


def _findings(payment: Payment) -> Iterator[Finding]:
    intent = gateway.retrieve_payment_intent(payment.stripe_payment_intent_id)
    received = int(intent.amount_received or 0)
    if payment.captured_amount != received:
        yield Finding(payment.pk, "capture", f"{payment.captured_amount} captured", f"{received} received")
    expected = EXPECTED_INTENT_STATUS.get(payment.status)
    if expected is not None and intent.status != expected:
        yield Finding(payment.pk, "status", str(payment.status), f"PaymentIntent {intent.status}")

    refunds = gateway.list_refunds(payment.stripe_payment_intent_id) if received else []
    # Stripe returns the part of a hold left uncaptured as a refund of its own; it never was charged.
    uncaptured = int(intent.amount) - received if received else 0
    refunded = sum(int(refund.amount) for refund in refunds) - uncaptured
    if payment.refunded_amount != refunded:
        yield Finding(payment.pk, "refunds", f"{payment.refunded_amount} refunded", f"{refunded} refunded")
    yield from _refund_operation_findings(payment, refunds)
    yield from _transfer_findings(payment)


def _refund_operation_findings(payment: Payment, refunds: list[Any]) -> Iterator[Finding]:
    by_operation: dict[str, list[Any]] = {}
    for refund in refunds:
        uid = _metadata(refund, "operation")
        if uid:
            by_operation.setdefault(uid, []).append(refund)
    # A refund of only promotion and credit (amount 0) never reaches Stripe.
    done = payment.operations.filter(kind=MoneyOperation.Kind.REFUND, status=MoneyOperation.Status.DONE, amount__gt=0)
    for operation in done:
        found = by_operation.get(str(operation.uid), [])
        amounts = sorted(int(refund.amount) for refund in found)
        if amounts != [operation.amount]:
            stripe = ", ".join(f"{refund.id} of {refund.amount}" for refund in found) or "no refund"
            yield Finding(
                payment.pk, "refund_operation", f"one refund of {operation.amount}", stripe, detail=str(operation.uid)
            )


def _transfer_findings(payment: Payment) -> Iterator[Finding]:
    paid = {
        payout.stripe_transfer_id: payout
        for payout in payment.payouts.filter(status=Payout.Status.PAID).exclude(stripe_transfer_id="")
    }
    if not paid and not payment.payouts.exists():
        return
    transfers = {
        transfer.id: transfer
        for transfer in gateway.list_transfers(transfer_group=payment.transfer_group)
        if _metadata(transfer, "payment") == str(payment.uid)
    }
    for transfer_id, transfer in transfers.items():
        if transfer_id not in paid:
            yield Finding(payment.pk, "transfer", "no payout sent", f"{transfer_id} of {transfer.amount}", transfer_id)
    for transfer_id, payout in paid.items():
        sent = transfers.get(transfer_id)
        ours = payout.amount - payout.reversed_amount
        if sent is None:
            yield Finding(payment.pk, "transfer", f"{transfer_id} of {ours}", "no such transfer", transfer_id)
            continue
        net = int(sent.amount) - int(sent.amount_reversed or 0)
        if net != ours:
            yield Finding(payment.pk, "transfer", f"{ours} sent net", f"{net} net of reversals", transfer_id)


def _payments_to_check(now: datetime) -> list[Payment]:
    recent_pending = MoneyOperation.objects.filter(
        status=MoneyOperation.Status.PENDING, created_at__gt=now - IN_FLIGHT
    ).values("payment_id")
    payments = Payment.objects.exclude(stripe_payment_intent_id="").exclude(status=Status.FAILED)
    return list(payments.exclude(pk__in=recent_pending).order_by("pk"))


def reconcile_stripe(*, now: datetime | None = None) -> Outcome:
    """Compare every payment with Stripe and update the staff queue; returns what is open after the run."""
    now = now or timezone.now()
    payments = _payments_to_check(now)
    findings = {finding.key: finding for payment in payments for finding in _findings(payment)}
    checked = [payment.pk for payment in payments]
    new = 0
    with transaction.atomic():
        open_rows = {
            row.key: row for row in StripeMismatch.objects.select_for_update().filter(resolved_at__isnull=True)
        }
        for key, finding in findings.items():
            row = open_rows.get(key)
            if row is None:
                StripeMismatch.objects.create(
                    key=key,
                    payment_id=finding.payment_id,
                    what=finding.what,
                    ours=finding.ours[:200],
                    stripe=finding.stripe[:200],
                    found_at=now,
                    last_seen_at=now,
                )
                new += 1
            else:
                row.ours, row.stripe, row.last_seen_at = finding.ours[:200], finding.stripe[:200], now
                row.save(update_fields=["ours", "stripe", "last_seen_at"])
        agreeing = [row.pk for key, row in open_rows.items() if key not in findings and row.payment_id in checked]
        resolved = StripeMismatch.objects.filter(pk__in=agreeing).update(resolved_at=now)
    still_open = list(StripeMismatch.objects.filter(resolved_at__isnull=True).select_related("payment"))
    return Outcome(checked=len(checked), open=still_open, new=new, resolved=resolved)
