"""Stripe escrow behind the bookings money port (`bookings.money.BookingMoney`), named in settings.BOOKING_MONEY.

Authorising (and its 3-D Secure) happens before any booking transaction, in payments'
own committed steps, because the guest waits for the bank's answer. Everything a
transition decides later (capture, release, refund, payout) is only recorded here, in
the booking's transaction, as a money operation (`payments.outbox`): the Stripe call goes
after the commit, with a key derived from the recorded row, and a crash or timeout
leaves the row pending for the re-driver. So no Stripe call ever runs while the
booking's (or listing's) rows are locked, and what the database refuses is still
refused before anything is recorded (a DomainError rolls the transition back).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_noop

from accounts.models import User
from bookings.models import Booking
from bookings.money import Authorisation
from payments import outbox, selectors
from payments.deposits import CarMoney
from payments.errors import PaymentStateError
from payments.models import MoneyOperation, Payment
from payments.services import guest_payments, recording, saved_cards
from promotions.services import release, return_refund_share

Status = Payment.Status


def _authorisation(payment: Payment) -> Authorisation:
    statuses: dict[str, str] = {
        Status.AUTHORIZED: "authorized",
        Status.REQUIRES_ACTION: "requires_action",
        Status.CARD_SAVED: "card_saved",
    }
    status = statuses.get(payment.status, "failed")
    return Authorisation(
        payment_id=payment.pk,
        status=status,
        client_secret=payment.client_secret if status == "requires_action" else "",
        failure_message=payment.failure_message,
    )


def _saved_card_not_charged(reference: str) -> Payment | None:
    """The booking's saved card when no charge of it went through or is on its way (locked), else None."""
    payment = selectors.payments_for_reference(reference).filter(status=Status.CARD_SAVED).last()
    if payment is None:
        return None
    payment = recording.lock_payment(payment)
    # A charge that went through or is on its way, or a release already recorded (the card was replaced).
    settled = payment.operations.filter(kind=MoneyOperation.Kind.CANCEL) | payment.operations.filter(
        kind=MoneyOperation.Kind.CHARGE
    ).exclude(status=MoneyOperation.Status.REFUSED)
    return None if payment.status != Status.CARD_SAVED or settled.exists() else payment


def _payment_for(reference: str) -> Payment:
    """The one payment attached to a booking (failed attempts never are)."""
    payment = selectors.payments_for_reference(reference).exclude(status=Status.FAILED).last()
    if payment is None:
        raise PaymentStateError(gettext_noop("No card payment is attached to this booking."))
    return payment


def _refund_before_the_charge(saved: Payment, *, card: int, promotion: int, credit: int) -> None:
    """A far-ahead booking cancelled before its saved card was charged: nothing was taken, nothing goes back.

    What the policy keeps is charged now (off-session): the card's share, with Sharing's promotion and the
    guest's credit paying theirs into escrow beside it (what the booking reserved less the refund's shares,
    by bookings.pricing's proportional rule). The refund's shares of the promotion and the credit were never
    paid in: they go straight back to the code's budget and the guest's balance. If the card keeps nothing
    (a free cancellation, or a card already refused once), the card is let go and the code and the credit
    are released whole.
    """
    reference = saved.reference
    now = timezone.now()
    owed = saved.amount - card
    if owed > 0 and not saved.operations.filter(kind=MoneyOperation.Kind.CHARGE).exists():
        reserved = Booking.objects.filter(pk=int(reference.partition(":")[2])).values("platform_promotion", "credit")
        booking = reserved.first() or {"platform_promotion": 0, "credit": 0}
        outbox.record_charge(
            payment=saved,
            amount=owed,
            promotion=max(0, booking["platform_promotion"] - promotion),
            credit=max(0, booking["credit"] - credit),
        )
        return_refund_share(reference=reference, promotion=promotion, credit=credit, operation="uncharged", now=now)
    else:
        outbox.record_cancel(payment=saved)
        release(reference=reference, now=now)


class StripeEscrow(CarMoney):
    """Guest money held by Sharing through Stripe (manual capture, then separate transfers to hosts)."""

    def authorise(
        self, *, payer: User, amount: int, currency: str, reference: str, payment_method: str
    ) -> Authorisation:
        payment = guest_payments.authorize_payment(
            payer=payer, amount=amount, currency=currency, reference=reference, payment_method=payment_method
        )
        return _authorisation(payment)

    def save_card_for_later(
        self, *, payer: User, amount: int, currency: str, reference: str, payment_method: str
    ) -> Authorisation:
        payment = saved_cards.save_card(
            payer=payer, amount=amount, currency=currency, reference=reference, payment_method=payment_method
        )
        return _authorisation(payment)

    def confirm_authentication(self, *, payment_id: int) -> Authorisation:
        return _authorisation(guest_payments.refresh_payment(payment=Payment.objects.get(pk=payment_id)))

    def authentication_url(self, *, payment_id: int, next_url: str) -> str:
        page = reverse("payments:payment_authenticate", kwargs={"payment_id": payment_id})
        return f"{page}?{urlencode({'next': next_url})}"

    def attach(self, *, payment_id: int, reference: str) -> None:
        payment = Payment.objects.get(pk=payment_id)
        if payment.status not in (Status.AUTHORIZED, Status.CARD_SAVED):
            raise PaymentStateError(
                gettext_noop("The card is not authorised for this booking. Try again with your card.")
            )
        guest_payments.set_payment_reference(payment=payment, reference=reference)

    def adopt(self, *, payment_id: int, payer: User, amount: int, currency: str, reference: str) -> None:
        payment = Payment.objects.filter(pk=payment_id, payer_id=payer.pk).first()
        if payment is None or payment.status != Status.AUTHORIZED:
            raise PaymentStateError(gettext_noop("The card is no longer held for this job. Ask again with your card."))
        if payment.currency != currency.upper():
            raise PaymentStateError(
                gettext_noop("The fare is in %(fare)s, but the card is held in %(card)s."),
                params={"fare": currency.upper(), "card": payment.currency},
            )
        if payment.amount < amount:
            # Never charge more than the card holds: a capture above the authorisation fails at the bank.
            raise PaymentStateError(gettext_noop("The fare is more than what is held on the card for this job."))
        guest_payments.set_payment_reference(payment=payment, reference=reference)

    def abandon(self, *, payment_id: int) -> None:
        guest_payments.cancel_payment(payment=Payment.objects.get(pk=payment_id))

    def capture(self, *, reference: str, amount: int, promotion: int = 0, credit: int = 0) -> None:
        outbox.record_capture(payment=_payment_for(reference), amount=amount, promotion=promotion, credit=credit)

    def release_authorisation(self, *, reference: str) -> None:
        outbox.record_cancel(payment=_payment_for(reference))

    def refund(
        self,
        *,
        reference: str,
        amount: int,
        host_keeps: int,
        promotion: int = 0,
        credit: int = 0,
        taxes_keep: Mapping[str, int] | None = None,
    ) -> None:
        saved = _saved_card_not_charged(reference)
        if saved is not None:
            _refund_before_the_charge(saved, card=amount, promotion=promotion, credit=credit)
            return
        if amount <= 0 and promotion <= 0 and credit <= 0:
            return
        outbox.record_refund(
            payment=_payment_for(reference),
            amount=amount,
            host_keeps=host_keeps,
            promotion=promotion,
            credit=credit,
            taxes_keep=taxes_keep,
        )

    def charge_saved_card(self, *, reference: str, amount: int, promotion: int = 0, credit: int = 0) -> None:
        outbox.record_charge(payment=_payment_for(reference), amount=amount, promotion=promotion, credit=credit)

    def scheduled_charge_outcome(self, *, reference: str) -> tuple[str, str]:
        return outbox.charge_outcome(payment=_payment_for(reference))

    def replace_saved_card(
        self, *, reference: str, payment_id: int, payer: User, amount: int, promotion: int = 0, credit: int = 0
    ) -> None:
        saved = _saved_card_not_charged(reference)
        if saved is None:
            raise PaymentStateError(gettext_noop("No saved card waits to be charged for this booking."))
        payment = Payment.objects.filter(pk=payment_id, payer_id=payer.pk).first()
        if payment is None or payment.status != Status.AUTHORIZED:
            raise PaymentStateError(
                gettext_noop("The card is not authorised for this booking. Try again with your card.")
            )
        if payment.currency != saved.currency or payment.amount < amount:
            raise PaymentStateError(gettext_noop("The card is not authorised for this booking's amount. Try again."))
        outbox.record_cancel(payment=saved)
        guest_payments.set_payment_reference(payment=payment, reference=reference)
        outbox.record_capture(payment=payment, amount=amount, promotion=promotion, credit=credit)

    def payout(self, *, reference: str, host: User, amount: int, taxes: Mapping[str, int] | None = None) -> None:
        outbox.release_escrow_after_commit(payment=_payment_for(reference), host=host, host_amount=amount, taxes=taxes)

    def reprice_saved_card(self, *, reference: str, amount: int) -> bool:
        saved = _saved_card_not_charged(reference)
        if saved is None:
            return False
        recording.check_amount(amount, gettext_noop("amount to charge"))
        saved.amount = amount
        recording.save_payment(saved, "amount")
        return True

    def replace_payment(self, *, reference: str, payment_id: int, payer: User, amount: int) -> None:
        first = recording.lock_payment(_payment_for(reference))
        payment = Payment.objects.filter(pk=payment_id, payer_id=payer.pk).first()
        if payment is None or payment.status != Status.AUTHORIZED:
            raise PaymentStateError(
                gettext_noop("The card is no longer held for this change. Ask again with your card.")
            )
        if payment.currency != first.currency or payment.amount < amount:
            raise PaymentStateError(
                gettext_noop("The card is not held for this change's amount. Ask again with your card.")
            )
        capture = first.operations.filter(kind__in=outbox.CHARGING_KINDS).exclude(status=MoneyOperation.Status.REFUSED)
        charged = first.captured_amount or (capture[0].amount if capture else 0)
        refundable = charged - first.refunded_amount - outbox.pending_refunds(first)
        if refundable > 0:
            outbox.record_refund(payment=first, amount=refundable, host_keeps=0)
        guest_payments.set_payment_reference(payment=payment, reference=reference)
        outbox.record_capture(payment=payment, amount=amount)

    def money_pending(self, *, reference: str) -> str:
        return outbox.describe_pending(reference=reference)

    def freeze(self, *, reference: str, reason: str) -> None:
        guest_payments.freeze_payment(payment=_payment_for(reference), reason=reason)

    def unfreeze(self, *, reference: str) -> None:
        guest_payments.unfreeze_payment(payment=_payment_for(reference))
