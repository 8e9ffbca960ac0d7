"""Chargebacks to the end: what the guest's bank withdraws, rules and gives back, into the ledger and the payment.

The ledger (accounts in payments.models): when the bank withdraws the disputed amount A and
Stripe its fee F, Sharing's own money covers both (chargeback_cover -(A+F), chargebacks_held
+A, dispute_fees +F). A won chargeback gives A back (chargebacks_held -A, cover +A; the fee
stays a cost unless Stripe reports it returned). A lost one moves A to chargebacks_lost, and
the cover is repaid, as far as the rule below says, from the payment's own money.

Who bears a lost chargeback (the claw-back rule):
1. Sharing always bears Stripe's dispute fee.
2. The bank's reason decides. When the card holder says the stay itself was wrong
   (HOST_LIABLE_REASONS: not received, not as described, duplicate, credit not processed,
   cancelled, general), the disputed amount is recovered from the payment, up to A: first
   what escrow still holds (the payout was frozen when the chargeback opened), then the
   host's payout (taken back through `payments.clawback`, a Stripe transfer reversal when it
   was sent), then Sharing's fee on the payment.
3. Any other reason (fraud, an unrecognised charge: the card was not the guest's) is
   Sharing's risk, not the host's, who delivered the stay: nothing is clawed back and
   Sharing's cover stays as its loss; escrow is left for the internal dispute to settle.

A refund of a charge under an open or lost chargeback is refused before Stripe is called
(`recording.check_refundable`, used by the outbox and `refund_payment`): Stripe refuses it
anyway, and the bank, not Sharing, returns the money.
Webhook handlers call `apply_dispute` in their transaction (no Stripe call here);
`recover_lost_chargeback` runs after commit (a reversal it needs is a money-outbox operation,
sent after its own commit), and re-running it takes nothing more (it works from what is still
unrecovered, counting reversals on their way); `recover_lost_chargebacks`, run by
`manage.py retry_stripe_events` on the scheduler, finishes any recovery a crash interrupted.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_noop

from payments import clawback, outbox
from payments.ledger import Line, post_transaction
from payments.models import (
    CHARGEBACK_COVER,
    CHARGEBACKS_HELD,
    CHARGEBACKS_LOST,
    DISPUTE_FEES,
    ESCROW,
    Payment,
)
from payments.services import recording
from realtime.wording import money_value, words

Chargeback = Payment.Chargeback
logger = logging.getLogger(__name__)

# Stripe's dispute reasons (https://docs.stripe.com/disputes/categories) about the service itself.
HOST_LIABLE_REASONS = frozenset(
    {
        "product_not_received",
        "product_unacceptable",
        "duplicate",
        "credit_not_processed",
        "subscription_canceled",
        "general",
    }
)


def _fees(dispute: Any) -> tuple[int, int]:
    """(fee withdrawn, fee given back) from the dispute's balance transactions."""
    withdrawn = returned = 0
    for entry in dispute.get("balance_transactions") or []:
        fee = int(entry.get("fee") or 0)
        if fee > 0:
            withdrawn += fee
        else:
            returned -= fee
    return withdrawn, returned


def apply_dispute(payment: Payment, dispute: Any) -> Payment:
    """Bring a locked payment and the ledger in line with the Stripe dispute's current state, once.

    Order-free: whatever event arrives, the withdrawal is recorded before the ruling, and a
    ruling is recorded once. Returns the payment; `recover_lost_chargeback` is the caller's to
    schedule when the result is a lost chargeback still to recover.
    """
    currency = payment.currency
    amount = int(dispute.get("amount") or 0)
    fee, fee_back = _fees(dispute)
    status = str(dispute.get("status") or "")
    reference = payment.reference
    if payment.chargeback_status == Chargeback.NONE and amount > 0:
        post_transaction(
            lines=[
                Line(CHARGEBACK_COVER, -(amount + fee), currency),
                Line(CHARGEBACKS_HELD, amount, currency),
                Line(DISPUTE_FEES, fee, currency),
            ],
            reference=reference,
            description=words(
                gettext_noop("Chargeback %(dispute)s: the guest's bank withdrew %(amount)s, Stripe's fee %(fee)s"),
                dispute=dispute["id"],
                amount=money_value(amount, currency),
                fee=money_value(fee, currency),
            ),
            payment=payment,
        )
        payment.chargeback_status = Chargeback.OPEN
        payment.chargeback_amount = amount
        payment.chargeback_fee = fee
        payment.chargeback_reason = str(dispute.get("reason") or "")[:40]
        payment.stripe_dispute_id = str(dispute["id"])
        recording.save_payment(
            payment,
            *("chargeback_status", "chargeback_amount", "chargeback_fee", "chargeback_reason", "stripe_dispute_id"),
        )
    if payment.chargeback_status != Chargeback.OPEN or status not in ("won", "lost"):
        return payment
    held = payment.chargeback_amount
    if status == "won":
        returned = min(fee_back, payment.chargeback_fee)
        post_transaction(
            lines=[
                Line(CHARGEBACKS_HELD, -held, currency),
                Line(DISPUTE_FEES, -returned, currency),
                Line(CHARGEBACK_COVER, held + returned, currency),
            ],
            reference=reference,
            description=words(
                gettext_noop("Chargeback %(dispute)s won: the bank reinstated %(amount)s"),
                dispute=payment.stripe_dispute_id,
                amount=money_value(held, currency),
            ),
            payment=payment,
        )
        payment.chargeback_status = Chargeback.WON
        payment.chargeback_fee -= returned
        recording.save_payment(payment, "chargeback_status", "chargeback_fee")
    else:
        post_transaction(
            lines=[Line(CHARGEBACKS_HELD, -held, currency), Line(CHARGEBACKS_LOST, held, currency)],
            reference=reference,
            description=words(
                gettext_noop("Chargeback %(dispute)s lost: the card holder keeps %(amount)s"),
                dispute=payment.stripe_dispute_id,
                amount=money_value(held, currency),
            ),
            payment=payment,
        )
        payment.chargeback_status = Chargeback.LOST
        recording.save_payment(payment, "chargeback_status")
    return payment


def host_is_liable(reason: str) -> bool:
    return reason in HOST_LIABLE_REASONS


def recover_lost_chargebacks() -> tuple[list[Payment], int]:
    """The re-driver (`manage.py retry_stripe_events`, on the scheduler): finish every recovery the rule
    calls for that a crash or a refused reversal left unfinished after the webhook. Returns the payments
    re-driven and how many of them failed (logged; one failure does not stop the others)."""
    due = Payment.objects.filter(
        chargeback_status=Chargeback.LOST,
        chargeback_reason__in=HOST_LIABLE_REASONS,
        chargeback_recovered__lt=F("chargeback_amount"),
    )
    recovered, failed = [], 0
    for pk in due.values_list("pk", flat=True):
        try:
            recovered.append(recover_lost_chargeback(payment_id=pk))
        except Exception:
            logger.exception("recovery of lost chargeback on payment %s failed", pk)
            failed += 1
    return recovered, failed


def recover_lost_chargeback(*, payment_id: int) -> Payment:
    """Repay Sharing's cover of a lost chargeback from the payment's money, by the rule above. Run with no
    transaction open (a claw-back may reverse a Stripe transfer); running it again takes nothing more."""
    payment = Payment.objects.get(pk=payment_id)
    if payment.chargeback_status != Chargeback.LOST or not host_is_liable(payment.chargeback_reason):
        return payment
    missing = payment.chargeback_amount - payment.chargeback_recovered
    # A reversal recorded by an earlier run and still on its way counts as taken: it lands in escrow later.
    coming = outbox.unsettled_reversals(payment)
    shortfall = max(0, missing - payment.escrow_amount - coming)
    if shortfall > 0:
        take_back = min(shortfall, payment.host_payout_amount - coming)
        fee_back = min(shortfall - take_back, payment.platform_fee_amount)
        payment = clawback.claw_back(payment=payment, take_back=take_back, fee_back=fee_back)
    with transaction.atomic():
        payment = recording.lock_payment(payment)
        part = min(payment.chargeback_amount - payment.chargeback_recovered, payment.escrow_amount)
        if part > 0:
            post_transaction(
                lines=[Line(ESCROW, -part, payment.currency), Line(CHARGEBACK_COVER, part, payment.currency)],
                reference=payment.reference,
                description=words(
                    gettext_noop("Chargeback %(dispute)s lost: %(amount)s recovered from the payment"),
                    dispute=payment.stripe_dispute_id,
                    amount=money_value(part, payment.currency),
                ),
                payment=payment,
            )
            payment.chargeback_recovered += part
            recording.save_payment(payment, "chargeback_recovered")
        return payment
