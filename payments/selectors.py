"""Reads of money records for pages: a host's payout state, a reference's money trail."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from payments.models import LedgerEntry, Payment, Payout, PayoutAccount


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
