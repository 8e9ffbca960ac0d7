"""Reads of money records for pages: a host's payout state, a reference's money trail."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from bookings.tenders import Tenders
from payments.models import LedgerEntry, MoneyOperation, Payment, Payout, PayoutAccount
from promotions.selectors import host_promotion_left


def payout_account_for(host: User) -> PayoutAccount | None:
    return PayoutAccount.objects.filter(host=host).first()


def payouts_for_host(host: User) -> QuerySet[Payout]:
    return Payout.objects.filter(host=host).select_related("payment").order_by("-created_at", "-pk")


def money_trail(reference: str) -> QuerySet[LedgerEntry]:
    """Every ledger line for one reference ("booking:12"), oldest first, for the booking and admin pages."""
    return (
        LedgerEntry.objects.filter(transaction__reference=reference)
        .select_related("transaction")
        .order_by("transaction__created_at", "transaction_id", "pk")
    )


def payments_for_reference(reference: str) -> QuerySet[Payment]:
    return Payment.objects.filter(reference=reference).order_by("created_at", "pk")


def tenders_left(payment: Payment) -> Tenders:
    """What of each tender that paid a charged booking has not gone back yet (refunds recorded and not
    refused count as gone): the card, Sharing's promotion and the guest's credit paid in beside it, and
    the host-funded discount still drawn on its code's budget. The dispute desk splits its refund out of
    this (bookings.tenders.refund_tenders_of_rest)."""
    Kind, Status = MoneyOperation.Kind, MoneyOperation.Status
    paid_in = payment.operations.filter(kind__in=(Kind.CAPTURE, Kind.CHARGE), status=Status.DONE).first()
    refunds = payment.operations.filter(kind=Kind.REFUND).exclude(status=Status.REFUSED)
    on_its_way = sum(refunds.exclude(status=Status.DONE).values_list("amount", flat=True))
    subsidy_back = [(refund.promotion, refund.credit) for refund in refunds.only("promotion", "credit")]
    return Tenders(
        card=max(0, payment.captured_amount - payment.refunded_amount - on_its_way),
        promotion=max(0, (paid_in.promotion if paid_in else 0) - sum(part for part, _ in subsidy_back)),
        credit=max(0, (paid_in.credit if paid_in else 0) - sum(part for _, part in subsidy_back)),
        host_promotion=host_promotion_left(reference=payment.reference),
    )
