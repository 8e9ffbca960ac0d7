"""Cars' money beyond the booking: the renter's kept card, the deposit hold and off-session extra charges.

The bookings money port's car methods (`bookings.money.BookingMoney.save_card` and after),
mixed into `payments.escrow.StripeEscrow`. Every operation runs in atomic phases and never
calls Stripe while a transaction is open: record the intent (a Payment row, whose UUID
keys the idempotency of every call on it) and commit; call Stripe; record its answer in a
second short transaction. A crash between phases is re-driven by calling again: the same
keys make Stripe replay its first answer, so nothing is held or charged twice.

A card kept for a rental is a Stripe Customer with the card attached (Stripe refuses a second
PaymentIntent on a card attached to no customer); the token handed to bookings is
"<customer id>/<payment method id>", opaque to it.

Ledger: a captured deposit or extra moves guest_funding -> escrow, then escrow -> the host's
payable account in full (Sharing keeps no fee on damage or kilometres), then the payout.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_noop

from accounts.models import User
from bookings.money import Authorisation
from core.money import format_money
from payments import gateway, selectors
from payments.errors import PaymentFailed, PaymentStateError
from payments.gateway import idempotency_key
from payments.models import Payment
from payments.services.guest_payments import authorize_payment
from payments.services.host_payouts import release_payout
from payments.services.recording import apply_payment_intent

Status = Payment.Status


def _card(token: str) -> tuple[str, str]:
    customer, _, method = token.partition("/")
    if not customer or not method:
        raise PaymentStateError(gettext_noop("No card is kept for this rental."))
    return customer, method


def _authorisation(payment: Payment) -> Authorisation:
    statuses: dict[str, str] = {Status.AUTHORIZED: "authorized", Status.REQUIRES_ACTION: "requires_action"}
    status = statuses.get(payment.status, "failed")
    return Authorisation(payment_id=payment.pk, status=status, failure_message=payment.failure_message)


def _live(reference: str) -> Payment | None:
    """The payment already made for `reference`, if one still counts (failed or released attempts do not)."""
    return selectors.payments_for_reference(reference).exclude(status__in=(Status.FAILED, Status.CANCELED)).last()


def _hold(*, card: str, payer: User, amount: int, currency: str, reference: str) -> Payment:
    existing = _live(reference)
    if existing is not None:
        return existing
    customer, method = _card(card)
    payment = authorize_payment(
        payer=payer, amount=amount, currency=currency, reference=reference, payment_method=method, customer=customer
    )
    if payment.status == Status.REQUIRES_ACTION:
        # Off-session: nobody is there to answer the bank. Let the attempt go and say why.
        _cancel(payment)
        raise PaymentFailed(
            gettext_noop("Your bank wants to confirm each charge on this card. Use another card for car rentals."),
            code="authentication_required",
        )
    return payment


def _cancel(payment: Payment) -> Payment:
    if payment.status in (Status.CANCELED, Status.FAILED, Status.CAPTURED):
        return payment
    intent = None
    if payment.stripe_payment_intent_id:
        intent = gateway.cancel_payment_intent(
            payment.stripe_payment_intent_id, idempotency_key=idempotency_key("payment", payment.uid, "cancel")
        )
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if intent is not None:
            return apply_payment_intent(locked, intent)
        locked.status = Status.CANCELED
        locked.save(update_fields=["status"])
        return locked


def _capture_to_host(payment: Payment, *, amount: int, host: User) -> Payment:
    """Charge `amount` of an authorised payment (outside any transaction), record it, then pay the host."""
    if payment.status == Status.AUTHORIZED:
        if amount > payment.amount:
            raise PaymentStateError(
                gettext_noop("Only %(held)s is held: %(amount)s cannot be charged."),
                params={
                    "held": format_money(payment.amount, payment.currency),
                    "amount": format_money(amount, payment.currency),
                },
            )
        intent = gateway.capture_payment_intent(
            payment.stripe_payment_intent_id,
            idempotency_key=idempotency_key("payment", payment.uid, "capture"),
            amount_to_capture=amount if amount < payment.amount else None,
        )
        if intent.status != "succeeded":
            raise PaymentFailed(gettext_noop("The card could not be charged."), code="capture_failed")
        with transaction.atomic():
            payment = apply_payment_intent(Payment.objects.select_for_update().get(pk=payment.pk), intent)
    if payment.status != Status.CAPTURED:
        raise PaymentStateError(f"This payment cannot be charged: it is {payment.get_status_display().lower()}.")
    # Everything captured goes to the host; a retry finds the escrow empty and only re-sends a waiting payout.
    release_payout(payment=payment, host=host, host_amount=payment.escrow_amount)
    return payment


class CarMoney:
    """The money port's car methods over Stripe (see the module docstring)."""

    def save_card(self, *, payer: User, payment_method: str, reference: str) -> str:
        if not payment_method:
            raise PaymentFailed(gettext_noop("Enter your card details first."), code="payment_method_missing")
        rental = reference.replace(":", "-")
        customer = gateway.create_customer(
            idempotency_key=idempotency_key("card", rental, "customer"),
            metadata={"payer": str(payer.pk), "reference": reference},
        )
        gateway.attach_payment_method(
            payment_method,
            customer=customer.id,
            idempotency_key=idempotency_key("card", rental, "attach", payment_method),
        )
        return f"{customer.id}/{payment_method}"

    def hold_deposit(self, *, card: str, payer: User, amount: int, currency: str, reference: str) -> Authorisation:
        return _authorisation(_hold(card=card, payer=payer, amount=amount, currency=currency, reference=reference))

    def release_deposit(self, *, payment_id: int) -> None:
        _cancel(Payment.objects.get(pk=payment_id))

    def capture_deposit(self, *, payment_id: int, amount: int, host: User) -> None:
        _capture_to_host(Payment.objects.get(pk=payment_id), amount=amount, host=host)

    def charge_extra(self, *, card: str, payer: User, host: User, amount: int, currency: str, reference: str) -> int:
        payment = _hold(card=card, payer=payer, amount=amount, currency=currency, reference=reference)
        return _capture_to_host(payment, amount=amount, host=host).pk
