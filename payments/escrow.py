"""Stripe escrow behind the bookings money port (`bookings.money.BookingMoney`), named in settings.BOOKING_MONEY.

Bookings call these from inside each transition's transaction. Each call runs one
payments service, which locks the Payment row (after the booking's listing and booking
rows: one lock order everywhere), calls Stripe with the idempotency key payments derives
from the payment's UUID and the action, and posts the ledger lines in the same
transaction. If the booking's transaction rolls back after Stripe acted, a retry of the
transition sends the same key and Stripe replays its first answer, so nothing is charged,
refunded or paid twice (see README "## Bookings and payments").
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import urlencode

from accounts.models import User
from bookings.money import Authorisation
from payments import clawback, selectors, services
from payments.deposits import CarMoney
from payments.errors import PaymentStateError
from payments.models import Payment

Status = Payment.Status


def _authorisation(payment: Payment) -> Authorisation:
    statuses: dict[str, str] = {Status.AUTHORIZED: "authorized", Status.REQUIRES_ACTION: "requires_action"}
    status = statuses.get(payment.status, "failed")
    return Authorisation(
        payment_id=payment.pk,
        status=status,
        client_secret=payment.client_secret if status == "requires_action" else "",
        failure_message=payment.failure_message,
    )


def _payment_for(reference: str) -> Payment:
    """The one payment attached to a booking (failed attempts never are)."""
    payment = selectors.payments_for_reference(reference).exclude(status=Status.FAILED).last()
    if payment is None:
        raise PaymentStateError("No card payment is attached to this booking.")
    return payment


class StripeEscrow(CarMoney):
    """Guest money held by Sharing through Stripe (manual capture, then separate transfers to hosts)."""

    def authorise(
        self, *, payer: User, amount: int, currency: str, reference: str, payment_method: str
    ) -> Authorisation:
        payment = services.authorize_payment(
            payer=payer, amount=amount, currency=currency, reference=reference, payment_method=payment_method
        )
        return _authorisation(payment)

    def confirm_authentication(self, *, payment_id: int) -> Authorisation:
        return _authorisation(services.refresh_payment(payment=Payment.objects.get(pk=payment_id)))

    def authentication_url(self, *, payment_id: int, next_url: str) -> str:
        page = reverse("payments:payment_authenticate", kwargs={"payment_id": payment_id})
        return f"{page}?{urlencode({'next': next_url})}"

    def attach(self, *, payment_id: int, reference: str) -> None:
        payment = Payment.objects.get(pk=payment_id)
        if payment.status != Status.AUTHORIZED:
            raise PaymentStateError("The card is not authorised for this booking. Try again with your card.")
        services.set_payment_reference(payment=payment, reference=reference)

    def adopt(self, *, payment_id: int, payer: User, amount: int, currency: str, reference: str) -> None:
        payment = Payment.objects.filter(pk=payment_id, payer_id=payer.pk).first()
        if payment is None or payment.status != Status.AUTHORIZED:
            raise PaymentStateError("The card is no longer held for this job. Ask again with your card.")
        if payment.currency != currency.upper():
            raise PaymentStateError(f"The fare is in {currency.upper()}, but the card is held in {payment.currency}.")
        if payment.amount < amount:
            # Never charge more than the card holds: a capture above the authorisation fails at the bank.
            raise PaymentStateError("The fare is more than what is held on the card for this job.")
        services.set_payment_reference(payment=payment, reference=reference)

    def abandon(self, *, payment_id: int) -> None:
        services.cancel_payment(payment=Payment.objects.get(pk=payment_id))

    def capture(self, *, reference: str, amount: int) -> None:
        services.capture_payment(payment=_payment_for(reference), amount=amount)

    def release_authorisation(self, *, reference: str) -> None:
        services.cancel_payment(payment=_payment_for(reference))

    def refund(self, *, reference: str, amount: int, host_keeps: int) -> None:
        if amount <= 0:
            return
        # Once the escrow was released (24 h after the start) the refund claws back from the host
        # what they no longer keep, then the part of Sharing's fee that went with it.
        clawback.refund_after_release(payment=_payment_for(reference), amount=amount, host_keeps=host_keeps)

    def payout(self, *, reference: str, host: User, amount: int) -> None:
        services.release_payout(payment=_payment_for(reference), host=host, host_amount=amount)

    def freeze(self, *, reference: str, reason: str) -> None:
        services.freeze_payment(payment=_payment_for(reference), reason=reason)

    def unfreeze(self, *, reference: str) -> None:
        services.unfreeze_payment(payment=_payment_for(reference))
