"""Host payouts: the escrow is released to the host's payable and Sharing's fee, then transferred.

A payout waits (visibly, with its reason) until the host's connected account can receive
money; `retry_waiting_payouts` sends what waits. Payout keys use the payment's UUID and the
payout's rank among its payouts, so a retry after a rolled-back row replays Stripe's transfer.
Taking money back (`reverse_payout`, `return_taxes`, `return_platform_fee`) is the claw-back's
(`payments.clawback`) building block.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from core.errors import DomainError
from core.money import format_money
from payments import gateway
from payments.errors import PaymentFailed, PaymentStateError
from payments.gateway import idempotency_key
from payments.ledger import Line, post_transaction
from payments.models import (
    ESCROW,
    PAYOUTS_PAID,
    PLATFORM_FEES,
    TAX_PREFIX,
    LedgerEntry,
    Payment,
    Payout,
    PayoutAccount,
    host_payable,
)
from payments.services import recording
from realtime.wording import money_value, words

logger = logging.getLogger(__name__)
Status = Payment.Status


def release_payout(*, payment: Payment, host: User, host_amount: int) -> Payout | None:
    """Close the escrow: `host_amount` becomes owed to the host, the rest is Sharing's fee.

    Then tries to transfer it (see `send_payout`); if the host cannot receive money yet
    the payout waits, visible on their payout page, and goes out once they can.
    Releasing an already-released payment returns its payout without moving anything.
    """
    payout = release_escrow(payment=payment, host=host, host_amount=host_amount)
    return send_payout(payout=payout) if payout is not None else None


def release_escrow(
    *, payment: Payment, host: User, host_amount: int, taxes: Mapping[str, int] | None = None
) -> Payout | None:
    """The ledger half of `release_payout`, no Stripe call: the escrow goes to the host's payable, the taxes
    collected (`taxes`: ledger account -> amount, "tax:occupancy:FR:Paris") and Sharing's fee; returns the
    payout to send (waiting), or the existing one when already released.

    The taxes count in the payment's `platform_fee_amount` (what left escrow for Sharing, which remits
    them); the ledger keeps them in their own accounts for the monthly report (taxes.report)."""
    if not isinstance(host_amount, int) or isinstance(host_amount, bool) or host_amount < 0:
        raise DomainError(
            gettext_noop("The host's amount must be zero or a positive amount in cents."), field="host_amount"
        )
    with transaction.atomic():
        payment = recording.lock_payment(payment)
        if payment.status != Status.CAPTURED:
            raise PaymentStateError(gettext_noop("Nothing to pay out: this payment was never charged."))
        if payment.frozen:
            raise PaymentStateError(gettext_noop("The payout is on hold while a dispute is open."))
        held = payment.escrow_amount
        if held == 0:
            # Already released (or all refunded): a retry only retries the transfer, if one waits.
            return payment.payouts.order_by("-pk").first()
        if host_amount > held:
            raise DomainError(
                gettext_noop("Payout of %(amount)s refused: only %(held)s is held."),
                params={
                    "amount": format_money(host_amount, payment.currency),
                    "held": format_money(held, payment.currency),
                },
                field="host_amount",
            )
        tax_lines = [Line(account, amount, payment.currency) for account, amount in sorted((taxes or {}).items())]
        if any(not account.startswith(TAX_PREFIX) or line_amount < 0 for account, line_amount in (taxes or {}).items()):
            raise PaymentStateError(
                gettext_noop("Taxes go to tax accounts (tax:...), in amounts that are not negative.")
            )
        tax = sum(line.amount for line in tax_lines)
        if host_amount + tax > held:
            raise DomainError(
                gettext_noop("Payout of %(amount)s and taxes of %(taxes)s refused: only %(held)s is held."),
                params={
                    "amount": format_money(host_amount, payment.currency),
                    "taxes": format_money(tax, payment.currency),
                    "held": format_money(held, payment.currency),
                },
                field="host_amount",
            )
        fee = held - host_amount - tax
        post_transaction(
            lines=[
                Line(ESCROW, -held, payment.currency),
                Line(host_payable(host.pk), host_amount, payment.currency),
                Line(PLATFORM_FEES, fee, payment.currency),
                *tax_lines,
            ],
            reference=payment.reference,
            description=words(
                gettext_noop("Escrow of payment #%(number)s released: host payout and Sharing's fee"), number=payment.pk
            ),
            payment=payment,
        )
        payment.host_payout_amount += host_amount
        payment.platform_fee_amount += fee + tax
        recording.save_payment(payment, "host_payout_amount", "platform_fee_amount")
        payout = None
        if host_amount > 0:
            payout = Payout.objects.create(
                payment=payment, host=host, amount=host_amount, currency=payment.currency, created_at=timezone.now()
            )
        return payout


def lock_payout(payout: Payout) -> Payout:
    """Lock the payout's payment, then the payout: always in this order (release_payout holds the
    payment when it sends), so two requests on one payout queue instead of deadlocking."""
    payment = Payment.objects.select_for_update().get(pk=payout.payment_id)
    locked = Payout.objects.select_for_update().get(pk=payout.pk)
    locked.payment = payment
    return locked


def payout_key(payout: Payout, action: str, *parts: int) -> str:
    """Keyed by the payment's UUID and the payout's rank among its payouts, not by the payout's own row.

    If a caller's transaction rolls the payout row back after Stripe transferred, the retry
    creates a payout of the same rank, sends the same key, and Stripe replays the first transfer.
    """
    rank = Payout.objects.filter(payment_id=payout.payment_id, pk__lt=payout.pk).count()
    return idempotency_key("payment", payout.payment.uid, "payout", rank, action, *parts)


def send_payout(*, payout: Payout, refused: list[Payout] | None = None) -> Payout:
    """Transfer a waiting payout to the host's connected account if it can receive money; else leave it waiting.

    In three phases, with no transaction open during the Stripe call: claim (attempt counted),
    transfer, record. The waiting payout is its own outbox row: a crash or timeout between the
    transfer and the record leaves it waiting, and the next try (`retry_waiting_payouts`, the
    re-driver) sends the same key, so Stripe replays the first transfer instead of paying twice.
    """
    with transaction.atomic():
        payout = lock_payout(payout)
        if payout.status != Payout.Status.WAITING:
            return payout
        account = PayoutAccount.objects.filter(host_id=payout.host_id).first()
        if account is None or not account.can_receive_payouts:
            payout.last_error = "Waiting for the host to finish setting up payouts."
            payout.save(update_fields=["last_error"])
            return payout
        amount = payout.amount - payout.reversed_amount
        reversed_before = payout.reversed_amount
        key = payout_key(payout, "transfer", payout.reversed_amount)
        payout.attempts += 1
        payout.save(update_fields=["attempts"])
    try:
        transfer = gateway.create_transfer(
            amount=amount,
            currency=payout.currency,
            destination=account.stripe_account_id,
            transfer_group=payout.payment.transfer_group,
            # Tied to the guest's charge: Stripe then sends it even while the charge's funds are
            # still pending on the platform, instead of refusing it for an empty available balance.
            source_transaction=payout.payment.stripe_charge_id or None,
            idempotency_key=key,
            # No row ids here: a retry after a rollback must send identical parameters.
            metadata={"payment": str(payout.payment.uid), "reference": payout.payment.reference},
        )
    except PaymentFailed as error:
        with transaction.atomic():
            payout = lock_payout(payout)
            # Stripe does not retry a refused transfer: the scheduler does, later and later, and staff
            # see why it waits (payout admin, the host's payout page) meanwhile.
            payout.last_error = f"Try {payout.attempts} refused by Stripe: {error.message}"[:300]
            payout.next_attempt_at = timezone.now() + retry_backoff(payout.attempts)
            # After PAYOUT_MAX_ATTEMPTS the scheduler stops: staff see it under "needs staff".
            payout.needs_staff = payout.attempts >= settings.PAYOUT_MAX_ATTEMPTS
            payout.save(update_fields=["last_error", "next_attempt_at", "needs_staff"])
            if refused is not None:
                refused.append(payout)
            logger.warning(
                "payout %s: transfer refused (%s), next try at %s", payout.pk, error.code, payout.next_attempt_at
            )
        return payout
    with transaction.atomic():
        payout = lock_payout(payout)
        if payout.status != Payout.Status.WAITING:
            return payout
        if payout.reversed_amount != reversed_before:
            # Taken back while the transfer was on its way: the ledger no longer owes that amount.
            # Left waiting with the reason for staff (the transfer id says what Stripe sent).
            payout.last_error = f"Changed while transfer {transfer.id} was being sent: check with Stripe."[:300]
            payout.save(update_fields=["last_error"])
            logger.error("payout %s reversed while its transfer %s was in flight", payout.pk, transfer.id)
            return payout
        post_transaction(
            lines=[
                Line(host_payable(payout.host_id), -amount, payout.currency),
                Line(PAYOUTS_PAID, amount, payout.currency),
            ],
            reference=payout.payment.reference,
            description=words(
                gettext_noop("Payout #%(number)s transferred to the host (%(transfer)s)"),
                number=payout.pk,
                transfer=transfer.id,
            ),
            payment=payout.payment,
        )
        payout.status = Payout.Status.PAID
        payout.stripe_transfer_id = transfer.id
        payout.paid_at = timezone.now()
        payout.last_error = ""
        payout.next_attempt_at = None
        payout.needs_staff = False
        payout.save(
            update_fields=["status", "stripe_transfer_id", "paid_at", "last_error", "next_attempt_at", "needs_staff"]
        )
        return payout


def retry_backoff(attempts: int) -> timedelta:
    """Wait after the `attempts`-th refused transfer: 5 min, 10 min, 20 min ... capped at 12 hours."""
    return timedelta(minutes=min(720, 5 * 2 ** max(0, attempts - 1)))


def retry_waiting_payouts(
    *, host: User | None = None, now: datetime | None = None, refused: list[Payout] | None = None
) -> list[Payout]:
    """Try waiting payouts again; returns those that went out.

    The scheduler's run (no `host`) skips payouts whose last transfer Stripe refused until their
    backoff has passed (`next_attempt_at`), and those refused PAYOUT_MAX_ATTEMPTS times (`needs_staff`).
    A host's account becoming able to receive money (`host`) tries all of that host's waiting payouts
    at once. Payouts Stripe refused on this run are added to `refused`, so a run is never a quiet success.
    """
    now = now or timezone.now()
    waiting = Payout.objects.filter(status=Payout.Status.WAITING)
    if host is not None:
        waiting = waiting.filter(host_id=host.pk)
    else:
        waiting = waiting.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now), needs_staff=False)
    sent = []
    for payout in waiting.order_by("pk"):
        payout = send_payout(payout=payout, refused=refused)
        if payout.status == Payout.Status.PAID:
            sent.append(payout)
    return sent


def reverse_payout(*, payout: Payout, amount: int) -> Payout:
    """Take `amount` back from the host into escrow.

    A payout not transferred yet gives it back at once (ledger only). One already sent is taken
    back by a Stripe transfer reversal through the money outbox: the reversal is recorded here
    (in the caller's transaction, or a short one of its own) and sent once that commits, its
    key derived from the recorded operation; the ledger moves when Stripe answers. Until then
    the amount counts as being taken back (`outbox.unsettled_reversals`), so nothing takes it twice.
    """
    from payments import outbox  # the outbox sends payouts through this module

    recording.check_amount(amount, gettext_noop("amount to take back"))
    with transaction.atomic():
        payout = lock_payout(payout)
        payment = payout.payment
        remaining = payout.amount - payout.reversed_amount - outbox.unsettled_reversals(payment, payout)
        if amount > remaining:
            raise DomainError(
                gettext_noop("Only %(amount)s of this payout can be taken back."),
                params={"amount": format_money(remaining, payout.currency)},
                field="amount",
            )
        if payout.status == Payout.Status.PAID:
            outbox.record_reversal(payout=payout, amount=amount)
            return payout
        post_transaction(
            lines=[Line(host_payable(payout.host_id), -amount, payout.currency), Line(ESCROW, amount, payout.currency)],
            reference=payment.reference,
            description=words(
                gettext_noop("Payout #%(number)s: %(amount)s taken back from the host into escrow"),
                number=payout.pk,
                amount=money_value(amount, payout.currency),
            ),
            payment=payment,
        )
        payout.reversed_amount += amount
        if payout.status == Payout.Status.WAITING and payout.reversed_amount == payout.amount:
            payout.status = Payout.Status.CANCELED
        payout.save(update_fields=["reversed_amount", "status"])
        payment.host_payout_amount -= amount
        recording.save_payment(payment, "host_payout_amount")
        return payout


def return_platform_fee(*, payment: Payment, amount: int) -> Payment:
    """Move `amount` of Sharing's fee on this payment back into escrow, so it can be refunded.

    A guest (or host) cancelling after the payout was released changes who keeps what:
    the fee Sharing took at release shrinks with the host's share. With separate charges
    and transfers the fee never left the platform's Stripe balance, so this is a ledger
    movement only, no Stripe call.
    """
    recording.check_amount(amount, gettext_noop("fee to give back"))
    with transaction.atomic():
        payment = recording.lock_payment(payment)
        if amount > payment.platform_fee_amount:
            raise PaymentStateError(
                gettext_noop("Only %(amount)s of fees were kept on this payment."),
                params={"amount": format_money(payment.platform_fee_amount, payment.currency)},
            )
        post_transaction(
            lines=[Line(PLATFORM_FEES, -amount, payment.currency), Line(ESCROW, amount, payment.currency)],
            reference=payment.reference,
            description=words(
                gettext_noop("Sharing's fee on payment #%(number)s: %(amount)s back into escrow"),
                number=payment.pk,
                amount=money_value(amount, payment.currency),
            ),
            payment=payment,
        )
        payment.platform_fee_amount -= amount
        recording.save_payment(payment, "platform_fee_amount")
        return payment


def taxes_collected(payment: Payment) -> dict[str, int]:
    """What the tax accounts hold for this payment's booking (ledger account -> amount), from its releases."""
    rows = (
        LedgerEntry.objects.filter(
            account__startswith=TAX_PREFIX, currency=payment.currency, transaction__reference=payment.reference
        )
        .values("account")
        .annotate(total=Sum("amount"))
        .order_by("account")
    )
    return {row["account"]: row["total"] for row in rows if row["total"]}


def return_taxes(*, payment: Payment, taxes: Mapping[str, int]) -> Payment:
    """Move `taxes` (ledger account -> amount) collected at an earlier release back into escrow, so a refund
    gives the guest back its share of them out of the tax accounts, not out of the host's share or Sharing's
    fee. A ledger movement only (Sharing holds the taxes until it remits them). Never more than an account
    collected for this booking."""
    moving = {account: amount for account, amount in sorted(taxes.items()) if amount}
    with transaction.atomic():
        payment = recording.lock_payment(payment)
        if not moving:
            return payment
        collected = taxes_collected(payment)
        for account, amount in moving.items():
            recording.check_amount(amount, gettext_noop("tax to give back"))
            if not account.startswith(TAX_PREFIX) or amount > collected.get(account, 0):
                raise PaymentStateError(
                    gettext_noop("Only %(amount)s was collected into %(account)s here."),
                    params={"amount": format_money(collected.get(account, 0), payment.currency), "account": account},
                )
        total = sum(moving.values())
        if total > payment.platform_fee_amount:
            raise PaymentStateError(gettext_noop("More taxes to give back than this payment released to Sharing."))
        post_transaction(
            lines=[
                *(Line(account, -amount, payment.currency) for account, amount in moving.items()),
                Line(ESCROW, total, payment.currency),
            ],
            reference=payment.reference,
            description=words(
                gettext_noop("Taxes collected on payment #%(number)s: %(amount)s back into escrow for a refund"),
                number=payment.pk,
                amount=money_value(total, payment.currency),
            ),
            payment=payment,
        )
        # The taxes count in what left escrow for Sharing (release_escrow): they come back out of it.
        payment.platform_fee_amount -= total
        recording.save_payment(payment, "platform_fee_amount")
        return payment
