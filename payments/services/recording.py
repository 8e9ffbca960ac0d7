"""What Stripe did, into the ledger and the payment row: shared by the service families, the money outbox
(`payments.outbox`) and webhook processing (`payments.webhooks`).

Every function here runs inside its caller's transaction, on a payment the caller has locked
(`lock_payment`); none calls Stripe.
"""

from __future__ import annotations

import stripe
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from core.errors import DomainError
from core.money import format_money
from payments import events, gateway
from payments.errors import PaymentStateError
from payments.ledger import Line, post_transaction
from payments.models import CREDITS, ESCROW, GUEST_FUNDING, PROMOTIONS, REFUNDS_PAID, Payment
from realtime.wording import words

Status = Payment.Status


def lock_payment(payment: Payment) -> Payment:
    """The payment row, locked for the rest of the caller's transaction."""
    return Payment.objects.select_for_update().get(pk=payment.pk)


def save_payment(payment: Payment, *fields: str) -> None:
    """Save `fields` and the payment's `updated_at`."""
    payment.updated_at = timezone.now()
    payment.save(update_fields=[*fields, "updated_at"])


def mark_failed(payment: Payment, message: str) -> None:
    """Stripe refused to start this payment (its own short transaction: no call is open)."""
    with transaction.atomic():
        payment = lock_payment(payment)
        payment.status = Payment.Status.FAILED
        payment.failure_message = message[:300]
        save_payment(payment, "status", "failure_message")


def check_amount(amount: object, what: str) -> int:
    """`amount` if it is a positive integer (minor units); a DomainError naming `what` otherwise (marked with
    gettext_noop where it is written, said in the asker's language here)."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise DomainError(
            gettext_noop("The %(what)s must be a positive amount in cents."),
            params={"what": gettext(what)},
            field="amount",
        )
    return amount


def check_refundable(payment: Payment) -> None:
    """Refuse a refund of a charge under chargeback, with what support should do instead."""
    if payment.chargeback_status == Payment.Chargeback.OPEN:
        raise PaymentStateError(
            gettext_noop(
                "This charge is under a chargeback at the guest's bank (Stripe dispute %(dispute)s): it cannot be "
                "refunded now. Support: answer the dispute in Stripe's dashboard; if the bank rules for the card "
                "holder, it returns the money itself."
            ),
            params={"dispute": payment.stripe_dispute_id},
            code="chargeback_open",
        )
    if payment.chargeback_status == Payment.Chargeback.LOST:
        raise PaymentStateError(
            gettext_noop(
                "The guest's bank already returned this charge to the card holder (Stripe dispute %(dispute)s, "
                "lost): there is nothing left to refund. Support: tell the guest."
            ),
            params={"dispute": payment.stripe_dispute_id},
            code="chargeback_lost",
        )


def post_capture(payment: Payment, amount: int, intent: stripe.PaymentIntent) -> None:
    """Record a capture of `amount`: guest funding into escrow; the payment becomes captured."""
    ledger_tx = post_transaction(
        lines=[Line(GUEST_FUNDING, -amount, payment.currency), Line(ESCROW, amount, payment.currency)],
        reference=payment.reference,
        description=words(gettext_noop("Guest payment #%(number)s captured into escrow"), number=payment.pk),
        payment=payment,
    )
    payment.captured_amount = amount
    payment.status = Status.CAPTURED
    payment.stripe_charge_id = gateway.latest_charge_id(intent) or ""
    save_payment(payment, "captured_amount", "status", "stripe_charge_id")
    events.money_recorded(ledger_transaction_id=ledger_tx.pk)


def post_refund(payment: Payment, amount: int) -> None:
    """Record a refund of `amount` out of escrow (refused when escrow holds less)."""
    if amount > payment.escrow_amount:
        raise PaymentStateError(
            gettext_noop(
                "Only %(held)s is still held for this payment; a refund of %(amount)s needs the host's payout "
                "taken back first."
            ),
            params={
                "held": format_money(payment.escrow_amount, payment.currency),
                "amount": format_money(amount, payment.currency),
            },
        )
    ledger_tx = post_transaction(
        lines=[Line(ESCROW, -amount, payment.currency), Line(REFUNDS_PAID, amount, payment.currency)],
        reference=payment.reference,
        description=words(gettext_noop("Refund to the guest from payment #%(number)s"), number=payment.pk),
        payment=payment,
    )
    payment.refunded_amount += amount
    save_payment(payment, "refunded_amount")
    events.money_recorded(ledger_transaction_id=ledger_tx.pk)


def post_subsidy(payment: Payment, *, promotion: int, credit: int) -> None:
    """Sharing's promotion and the guest's credit pay their part of the booking into escrow (once per payment)."""
    if promotion + credit <= 0 or payment.subsidy_amount:
        return
    post_transaction(
        lines=[
            Line(PROMOTIONS, -promotion, payment.currency),
            Line(CREDITS, -credit, payment.currency),
            Line(ESCROW, promotion + credit, payment.currency),
        ],
        reference=payment.reference,
        description=words(
            gettext_noop("Promotion and credit paid into escrow beside payment #%(number)s"), number=payment.pk
        ),
        payment=payment,
    )
    payment.subsidy_amount = promotion + credit
    save_payment(payment, "subsidy_amount")


def post_subsidy_back(payment: Payment, *, promotion: int, credit: int) -> None:
    """A refund's shares of the promotion and the credit go back out of escrow to where they came from."""
    if promotion + credit <= 0:
        return
    if promotion + credit > payment.escrow_amount:
        raise PaymentStateError(
            gettext_noop(
                "Only %(held)s is still held for this payment; %(amount)s of promotion and credit cannot go back yet."
            ),
            params={
                "held": format_money(payment.escrow_amount, payment.currency),
                "amount": format_money(promotion + credit, payment.currency),
            },
        )
    post_transaction(
        lines=[
            Line(ESCROW, -(promotion + credit), payment.currency),
            Line(PROMOTIONS, promotion, payment.currency),
            Line(CREDITS, credit, payment.currency),
        ],
        reference=payment.reference,
        description=words(
            gettext_noop("Refund's share of the promotion and credit of payment #%(number)s given back"),
            number=payment.pk,
        ),
        payment=payment,
    )
    payment.subsidy_returned += promotion + credit
    save_payment(payment, "subsidy_returned")


def apply_payment_intent(payment: Payment, intent: stripe.PaymentIntent) -> Payment:
    """Bring a locked payment in line with the PaymentIntent's current state; never moves it backwards."""
    status = intent.status
    if status in ("requires_action", "requires_confirmation") and payment.status in (Status.PENDING,):
        payment.status = Status.REQUIRES_ACTION
        payment.client_secret = intent.client_secret or ""
        save_payment(payment, "status", "client_secret")
    elif status == "requires_capture" and payment.status in (Status.PENDING, Status.REQUIRES_ACTION):
        payment.status = Status.AUTHORIZED
        save_payment(payment, "status")
    elif status == "succeeded" and payment.captured_amount == 0 and payment.status != Status.FAILED:
        post_capture(payment, int(intent.amount_received or payment.amount), intent)
    elif status == "canceled" and payment.status in (Status.PENDING, Status.REQUIRES_ACTION, Status.AUTHORIZED):
        payment.status = Status.CANCELED
        save_payment(payment, "status")
    elif status == "requires_payment_method" and payment.status in (Status.PENDING, Status.REQUIRES_ACTION):
        error = intent.last_payment_error
        payment.status = Status.FAILED
        payment.failure_message = ((error.message if error else "") or "The card was refused.")[:300]
        save_payment(payment, "status", "failure_message")
    return payment
