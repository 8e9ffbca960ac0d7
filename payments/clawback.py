"""Claw-back: refunding a guest after the escrow was released (a late cancellation, a dispute's settlement).

The one place that undoes a release, always in this order, so escrow holds the refund
before it is paid: take back from the host's payouts (newest first; a Stripe transfer
reversal when one was sent), move back the part of Sharing's fee the refund still needs
(a ledger movement: the fee never left Sharing's balance), then refund the guest.
Each step is a `payments.services` operation that locks its rows and posts balanced
ledger lines; a dispute's settlement runs them inside its own transaction, so a refused
Stripe call rolls the whole claw-back back. A booking's refund goes through the money
outbox (`payments.outbox`), which calls `make_room_for_refund` with no transaction open
and then sends the refund with its own recorded key.
"""

from __future__ import annotations

from payments.models import Payment
from payments.services import guest_payments, host_payouts


def take_back_from_host(*, payment: Payment, amount: int) -> None:
    """Reverse `amount` from the payment's payouts, newest first (a canceled payout has nothing left)."""
    remaining = amount
    for payout in payment.payouts.order_by("-pk"):
        if remaining <= 0:
            break
        part = min(remaining, payout.amount - payout.reversed_amount)
        if part > 0:
            host_payouts.reverse_payout(payout=payout, amount=part)
            remaining -= part


def claw_back(*, payment: Payment, take_back: int, fee_back: int, refund: int) -> Payment:
    """Take `take_back` from the host, return `fee_back` of Sharing's fee to escrow, then refund `refund`."""
    if take_back > 0:
        take_back_from_host(payment=payment, amount=take_back)
    if fee_back > 0:
        payment = host_payouts.return_platform_fee(payment=payment, amount=fee_back)
    if refund > 0:
        payment = guest_payments.refund_payment(payment=payment, amount=refund)
    payment.refresh_from_db()
    return payment


def make_room_for_refund(*, payment: Payment, amount: int, host_keeps: int) -> Payment:
    """Before refunding `amount` to the guest after the release, refill escrow with what it lacks: from the
    host what exceeds `host_keeps` (their share under the cancellation policy), then from Sharing's fee that
    went with it. Works from what escrow holds now, so running it again after a finished first run (the
    money outbox re-driving a refund) takes nothing more. The refund itself is the caller's."""
    payment = Payment.objects.get(pk=payment.pk)
    shortfall = max(0, amount - payment.escrow_amount)
    take_back = min(shortfall, max(0, payment.host_payout_amount - host_keeps))
    return claw_back(payment=payment, take_back=take_back, fee_back=shortfall - take_back, refund=0)
