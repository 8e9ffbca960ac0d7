"""A guest's card saved for a far-ahead booking: a Customer and a SetupIntent, nothing held, nothing charged.

The Payment row is recorded first (its UUID keys every Stripe call on it) and committed; then
Stripe is called with no transaction open; its answer is recorded in a second short transaction.
Calling again after a crash sends the same keys, so Stripe replays its first answers.

States: pending -> card_saved (the card is attached to the customer for off-session use), or
requires_action (the bank wants 3-D Secure on-session: the payment page runs Stripe.js's
confirmCardSetup with the SetupIntent's client_secret, then `refresh_saved_card`), or failed.
The charge itself is a money operation (`payments.outbox.record_charge`), sent off-session later.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from core.errors import DomainError
from payments import gateway
from payments.errors import PaymentFailed
from payments.gateway import idempotency_key
from payments.models import Payment
from payments.services import recording

Status = Payment.Status


def save_card(*, payer: User, amount: int, currency: str, reference: str, payment_method: str) -> Payment:
    """Save the guest's card for a charge of `amount` later; returns the payment (card_saved or requires_action).

    A card the bank refuses raises PaymentFailed; the attempt stays recorded as failed.
    """
    recording.check_amount(amount, gettext_noop("payment amount"))
    if not reference or len(reference) > 64:
        raise DomainError(gettext_noop("A payment needs a reference of at most 64 characters."), field="reference")
    if not payment_method:
        raise DomainError(gettext_noop("Enter your card details first."), field="payment_method")
    now = timezone.now()
    with transaction.atomic():
        payment = Payment.objects.create(
            payer=payer,
            reference=reference,
            amount=amount,
            currency=currency.upper(),
            stripe_payment_method_id=payment_method,
            created_at=now,
            updated_at=now,
        )
    metadata = {"payment": str(payment.pk), "reference": reference, "payer": str(payer.pk)}
    try:
        customer = gateway.create_customer(
            idempotency_key=idempotency_key("payment", payment.uid, "customer"), metadata=metadata
        )
        setup = gateway.create_setup_intent(
            customer=customer.id,
            payment_method=payment_method,
            idempotency_key=idempotency_key("payment", payment.uid, "setup"),
            metadata=metadata,
        )
    except PaymentFailed as error:
        recording.mark_failed(payment, error.message)
        raise
    with transaction.atomic():
        payment = recording.lock_payment(payment)
        payment.stripe_customer_id = customer.id
        payment.stripe_setup_intent_id = setup.id
        recording.save_payment(payment, "stripe_customer_id", "stripe_setup_intent_id")
        return apply_setup_intent(payment, setup)


def refresh_saved_card(*, payment: Payment) -> Payment:
    """Re-read the SetupIntent after the guest's bank check and record its state."""
    setup = gateway.retrieve_setup_intent(payment.stripe_setup_intent_id)
    with transaction.atomic():
        return apply_setup_intent(recording.lock_payment(payment), setup)


def apply_setup_intent(payment: Payment, setup: Any) -> Payment:
    """Bring a locked payment in line with its SetupIntent; never moves it backwards."""
    if payment.status not in (Status.PENDING, Status.REQUIRES_ACTION):
        return payment
    if setup.status == "succeeded":
        payment.status = Status.CARD_SAVED
        payment.client_secret = ""
        recording.save_payment(payment, "status", "client_secret")
    elif setup.status in ("requires_action", "requires_confirmation"):
        payment.status = Status.REQUIRES_ACTION
        payment.client_secret = setup.client_secret or ""
        recording.save_payment(payment, "status", "client_secret")
    elif setup.status in ("canceled", "requires_payment_method"):
        error = getattr(setup, "last_setup_error", None)
        payment.status = Status.FAILED
        payment.failure_message = (
            (getattr(error, "message", "") if error else "") or "Your bank did not confirm the card. Try another card."
        )[:300]
        recording.save_payment(payment, "status", "failure_message")
    return payment
