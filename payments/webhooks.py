"""Stripe webhook events: stored once by id, processed once, retried on failure.

Handlers never trust the order or the content of an event: they re-read the object's
current state from Stripe and record whatever has not been recorded yet, so a late,
duplicated or out-of-order event cannot move a payment backwards or count money twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from payments import chargebacks, gateway, outbox
from payments.models import MoneyOperation, Payment, PayoutAccount, StripeEvent
from payments.services import guest_payments, payout_accounts, recording

logger = logging.getLogger(__name__)


def _stripe_id(reference: str | stripe.PaymentIntent | stripe.Charge | None) -> str | None:
    """The id of a reference that Stripe sends as an id, or as the object itself when it was expanded."""
    if reference is None or isinstance(reference, str):
        return reference
    return reference.id


def _payment_for_intent(payment_intent: str | stripe.PaymentIntent | None) -> Payment | None:
    payment_intent_id = _stripe_id(payment_intent)
    if not payment_intent_id:
        return None
    return Payment.objects.filter(stripe_payment_intent_id=payment_intent_id).first()


def _on_payment_intent(obj: dict[str, Any]) -> None:
    payment = _payment_for_intent(obj.get("id"))
    if payment is None:
        return  # not one of ours (or created by another system on the same account)
    intent = gateway.retrieve_payment_intent(payment.stripe_payment_intent_id)
    with transaction.atomic():
        recording.apply_payment_intent(Payment.objects.select_for_update().get(pk=payment.pk), intent)


def _on_charge_refunded(obj: dict[str, Any]) -> None:
    charge = gateway.retrieve_charge(obj["id"])
    payment = _payment_for_intent(charge.payment_intent)
    if payment is None:
        return
    # Our own refunds carry their outbox row's uid: one Stripe made but whose answer is not recorded
    # yet (a crash, a timeout) is the re-driver's to record, not an outside refund to record here.
    in_flight = _refunds_in_flight(payment)
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        # Stripe counts the part of a hold left uncaptured (a partial capture) as refunded; it never was charged.
        uncaptured = payment.amount - payment.captured_amount
        missing = int(charge.amount_refunded or 0) - uncaptured - payment.refunded_amount - in_flight
        if missing > 0 and payment.status == Payment.Status.CAPTURED:
            # A refund made outside the site (Stripe dashboard): record it so the ledger agrees with Stripe.
            recording.post_refund(payment, missing)


def _refunds_in_flight(payment: Payment) -> int:
    """What Stripe refunded for outbox operations that are not recorded as done yet."""
    pending = {
        str(uid)
        for uid in payment.operations.filter(
            kind=MoneyOperation.Kind.REFUND, status=MoneyOperation.Status.PENDING
        ).values_list("uid", flat=True)
    }
    if not pending:
        return 0
    total = 0
    for refund in gateway.list_refunds(payment.stripe_payment_intent_id):
        if gateway.metadata_of(refund).get("operation", "") in pending:
            total += int(refund.amount)
    return total


def _on_dispute(obj: dict[str, Any]) -> None:
    """Every chargeback event (created, updated, funds withdrawn or reinstated, closed) re-reads the dispute
    and records whatever of it is not recorded yet (`payments.chargebacks`), so order and repeats do not matter."""
    dispute = gateway.retrieve_dispute(obj["id"])
    payment = _payment_for_intent(dispute.payment_intent)
    charge_id = _stripe_id(dispute.charge)
    if payment is None and charge_id:
        payment = _payment_for_intent(gateway.retrieve_charge(charge_id).payment_intent)
    if payment is None:
        return
    opened = not payment.stripe_dispute_id
    if opened:
        payment = guest_payments.freeze_payment(
            payment=payment,
            reason=f"Chargeback opened by the card holder ({dispute.reason})",
            stripe_dispute_id=dispute.id,
        )
    with transaction.atomic():
        before = Payment.objects.get(pk=payment.pk).chargeback_status
        payment = chargebacks.apply_dispute(recording.lock_payment(payment), dispute.to_dict())
    if payment.chargeback_status == Payment.Chargeback.LOST and before != payment.chargeback_status:
        # After commit, with no transaction open: the claw-back may reverse a Stripe transfer.
        payment_id = payment.pk
        outbox.after_commit(lambda: chargebacks.recover_lost_chargeback(payment_id=payment_id))
    # Payments sits below disputes, so the dispute is opened through a hook named in
    # settings; robust, because `manage.py open_chargeback_disputes` catches any miss.
    if opened and settings.CHARGEBACK_HOOK:
        open_dispute = import_string(settings.CHARGEBACK_HOOK)
        payment_pk = payment.pk
        transaction.on_commit(lambda: open_dispute(payment_id=payment_pk), robust=True)


def _on_account_updated(obj: dict[str, Any]) -> None:
    if not PayoutAccount.objects.filter(stripe_account_id=obj["id"]).exists():
        return
    payout_accounts.refresh_payout_account(stripe_account_id=obj["id"])


HANDLERS: dict[str, Callable[[dict[str, Any]], None]] = {
    "payment_intent.amount_capturable_updated": _on_payment_intent,
    "payment_intent.succeeded": _on_payment_intent,
    "payment_intent.payment_failed": _on_payment_intent,
    "payment_intent.canceled": _on_payment_intent,
    "charge.refunded": _on_charge_refunded,
    "charge.dispute.created": _on_dispute,
    "charge.dispute.updated": _on_dispute,
    "charge.dispute.funds_withdrawn": _on_dispute,
    "charge.dispute.funds_reinstated": _on_dispute,
    "charge.dispute.closed": _on_dispute,
    "account.updated": _on_account_updated,
}


def record_event(payload: dict[str, Any]) -> tuple[StripeEvent, bool]:
    """Store a verified event by its id; returns (event, created). A replay finds the stored one."""
    try:
        with transaction.atomic():
            return (
                StripeEvent.objects.create(
                    event_id=payload["id"],
                    type=str(payload.get("type", "")),
                    payload=payload,
                    received_at=timezone.now(),
                ),
                True,
            )
    except IntegrityError:
        return StripeEvent.objects.get(event_id=payload["id"]), False


def process_event(*, event: StripeEvent) -> StripeEvent:
    """Run the handler of a stored event once; failures are kept with their error for `retry_stripe_events`.

    In three steps, with no transaction open while the handler re-reads objects from Stripe:
    claim (attempt counted) in a short transaction, run the handler (each of its writes is its
    own short transaction), record the outcome in another. Handlers converge on Stripe's current
    state, so a handler cut short (a crash, a failure half-way) or run twice by two deliveries at
    once records each thing once when it runs again.
    """
    with transaction.atomic():
        event = StripeEvent.objects.select_for_update().get(pk=event.pk)
        if event.status in (StripeEvent.Status.PROCESSED, StripeEvent.Status.IGNORED):
            return event
        handler = HANDLERS.get(event.type)
        event.attempts += 1
        if handler is None:
            event.status = StripeEvent.Status.IGNORED
            event.processed_at = timezone.now()
            event.save(update_fields=["status", "attempts", "processed_at"])
            return event
        event.save(update_fields=["attempts"])
    try:
        handler(event.payload.get("data", {}).get("object", {}))
    except Exception as error:  # any failure is kept, with its reason, for a retry
        logger.exception("Stripe event %s (%s) failed", event.event_id, event.type)
        return _record_outcome(event, StripeEvent.Status.FAILED, f"{type(error).__name__}: {error}"[:2000])
    return _record_outcome(event, StripeEvent.Status.PROCESSED, "")


def _record_outcome(event: StripeEvent, status: str, error: str) -> StripeEvent:
    with transaction.atomic():
        event = StripeEvent.objects.select_for_update().get(pk=event.pk)
        if event.status == StripeEvent.Status.PROCESSED:
            return event  # another delivery finished it meanwhile
        now = timezone.now()
        event.status = status
        event.last_error = error
        event.next_attempt_at = None
        if status == StripeEvent.Status.PROCESSED:
            event.processed_at = now
        elif event.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            # Never retried quietly forever: it waits in the admin ("needs staff"); Stripe's own
            # redelivery, or staff's "process again", still runs it.
            event.status = StripeEvent.Status.GAVE_UP
            logger.error("Stripe event %s failed %s times: left to staff", event.event_id, event.attempts)
        else:
            event.next_attempt_at = now + outbox.backoff(event.attempts)
        event.save(update_fields=["status", "last_error", "next_attempt_at", "processed_at"])
        return event


def retry_failed_events(*, limit: int = 100, now: Any = None) -> list[StripeEvent]:
    """Process again the events whose handling failed (or was interrupted) and whose backoff has passed."""
    now = now or timezone.now()
    pending = StripeEvent.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        status__in=[StripeEvent.Status.FAILED, StripeEvent.Status.RECEIVED],
    )
    return [process_event(event=event) for event in pending.order_by("received_at", "pk")[:limit]]
