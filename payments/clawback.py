"""Claw-back: refunding a guest after the escrow was released (a late cancellation, a dispute's settlement).

The one place that undoes a release, always in this order, so escrow holds the refund before it is
paid: give back from the tax accounts the refund's share of the taxes collected (`return_taxes`: never
out of the host's share or Sharing's revenue), take back from the host's payouts (newest first; a payout
already sent is taken back by a Stripe transfer reversal, an operation of the money outbox), move back
the part of Sharing's fee the refund still needs (a ledger movement: the fee never left Sharing's
balance), then refund the guest. No Stripe call is made here: reversals and refunds are recorded
(`payments.outbox`) and sent once the caller's transaction commits, and a refund waits until the
reversals it needs are done. Amounts on their way back count as taken (`outbox.unsettled_reversals`),
so running any of this again takes nothing twice.
A settlement's refund goes back by tender, by the one proportional rule (`refund_by_tender`).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from bookings.services.promotions import return_host_share
from bookings.tenders import RefundTenders, refund_tenders_of_rest
from core.money import format_money
from payments import outbox, selectors
from payments.errors import PaymentStateError
from payments.models import Payment
from payments.services import guest_payments, host_payouts


def take_back_from_host(*, payment: Payment, amount: int) -> None:
    """Reverse `amount` from the payment's payouts, newest first (a canceled payout has nothing left)."""
    remaining = amount
    for payout in payment.payouts.order_by("-pk"):
        if remaining <= 0:
            break
        left = payout.amount - payout.reversed_amount - outbox.unsettled_reversals(payment, payout)
        part = min(remaining, left)
        if part > 0:
            host_payouts.reverse_payout(payout=payout, amount=part)
            remaining -= part


def taxes_over(payment: Payment, *, keep: Mapping[str, int], room: int) -> dict[str, int]:
    """What the tax accounts collected for this booking beyond what they keep in the end (`keep`, by ledger
    account), at most `room` in all (in the accounts' order): the refund's share of the taxes to give back."""
    back = {}
    for account, collected in sorted(host_payouts.taxes_collected(payment).items()):
        part = max(0, min(collected - int(keep.get(account, 0)), room))
        if part:
            back[account] = part
            room -= part
    return back


def claw_back(
    *, payment: Payment, take_back: int, fee_back: int, taxes_back: Mapping[str, int] | None = None
) -> Payment:
    """Give `taxes_back` (by ledger account) back from the tax accounts, take `take_back` from the host and
    return `fee_back` of Sharing's fee to escrow (the refund is the caller's)."""
    if taxes_back:
        payment = host_payouts.return_taxes(payment=payment, taxes=taxes_back)
    if take_back > 0:
        take_back_from_host(payment=payment, amount=take_back)
    if fee_back > 0:
        payment = host_payouts.return_platform_fee(payment=payment, amount=fee_back)
    payment.refresh_from_db()
    return payment


def make_room_for_refund(
    *, payment: Payment, amount: int, host_keeps: int, taxes_keep: Mapping[str, int] | None = None
) -> Payment:
    """Before refunding `amount` to the guest after the release, refill escrow with what it lacks: first the
    taxes collected beyond what the tax accounts keep in the end (`taxes_keep`, by ledger account; None leaves
    them), then from the host what exceeds `host_keeps` (their share under the cancellation policy), then
    from Sharing's fee that went with it. Works from what escrow and the tax accounts hold, or will hold once
    recorded reversals land, so running it again after a first run (the money outbox re-driving a refund)
    takes nothing more. The refund itself is the caller's."""
    payment = Payment.objects.get(pk=payment.pk)
    coming = outbox.unsettled_reversals(payment)
    shortfall = max(0, amount - payment.escrow_amount - coming)
    if taxes_keep is not None and shortfall > 0:
        taxes_back = taxes_over(payment, keep=taxes_keep, room=shortfall)
        if taxes_back:
            payment = host_payouts.return_taxes(payment=payment, taxes=taxes_back)
            shortfall -= sum(taxes_back.values())
    take_back = min(shortfall, max(0, payment.host_payout_amount - coming - host_keeps))
    return claw_back(
        payment=payment, take_back=take_back, fee_back=min(shortfall - take_back, payment.platform_fee_amount)
    )


def refund_by_tender(*, payment: Payment, refund: int) -> RefundTenders:
    """Split a refund of what is left of a charged booking by tender: `refund_tenders_of_rest`'s proportional
    rule (bookings.pricing, the one cancellations use) over what is left of each (`selectors.tenders_left`)."""
    left = selectors.tenders_left(payment)
    try:
        return refund_tenders_of_rest(left, refund)
    except ValueError as error:
        raise PaymentStateError(
            gettext_noop(
                "A refund of %(amount)s is more than the %(left)s not given back yet (a refund may still be on "
                "its way): wait for it, then settle again."
            ),
            params={
                "amount": format_money(refund, payment.currency),
                "left": format_money(left.total, payment.currency),
            },
            field="guest_refund",
        ) from error


def settle(
    *,
    payment: Payment,
    host: User,
    take_back: int,
    fee_back: int,
    refund: int,
    host_total: int,
    taxes: Mapping[str, int] | None = None,
    taxes_back: Mapping[str, int] | None = None,
) -> RefundTenders:
    """A dispute's settlement, recorded in the caller's transaction: give back `taxes_back` (by ledger account)
    from the taxes collected at an earlier release, take back `take_back` from the host, return `fee_back` of
    Sharing's fee, refund `refund` to the guest, then release what escrow holds so the host has
    `host_total` in all, `taxes` (by ledger account) are collected and Sharing keeps the rest. Stripe is called
    after the commit, in that order (the refund and the release wait for the reversals), each step re-driven by
    the scheduler until done.

    The refund goes back by tender (`refund_by_tender`): the card's share to the card through the outbox,
    Sharing's promotion and the guest's credit with it (out of escrow, to their budget and balance), and a
    host-funded code's budget its share of the discount now (no money moves for that). Returns the split."""
    with transaction.atomic():
        if payment.frozen:
            payment = guest_payments.unfreeze_payment(payment=payment)
        tenders = refund_by_tender(payment=payment, refund=refund)
        payment = claw_back(payment=payment, take_back=take_back, fee_back=fee_back, taxes_back=taxes_back)
        if tenders.total > 0:
            # The host's share is settled by the release below; the refund takes nothing more from them.
            outbox.record_refund(
                payment=payment,
                amount=tenders.card,
                host_keeps=payment.host_payout_amount,
                promotion=tenders.promotion,
                credit=tenders.credit,
            )
        return_host_share(reference=payment.reference, tenders=tenders, operation="dispute", now=timezone.now())
        outbox.record_release(payment=payment, host=host, host_total=host_total, taxes=taxes)
    return tenders
