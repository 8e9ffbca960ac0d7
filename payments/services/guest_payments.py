"""The guest's card: authorise, confirm after 3-D Secure, capture, cancel, refund, freeze.

Each operation is idempotent through its key (`payment:<uuid>:<action>`); see the package docstring.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from core.errors import DomainError
from core.money import format_money
from payments import gateway, outbox
from payments.errors import PaymentFailed, PaymentServiceUnavailable, PaymentStateError
from payments.gateway import idempotency_key
from payments.models import MoneyOperation, Payment
from payments.services import recording, saved_cards

Status = Payment.Status


def authorize_payment(
    *,
    payer: User,
    amount: int,
    currency: str,
    reference: str,
    payment_method: str,
    customer: str | None = None,
) -> Payment:
    """Authorise (not charge) `amount` on the guest's card for `reference` ("booking:12").

    Returns the payment as `authorized`, or as `requires_action` with a `client_secret`
    for Stripe.js to run 3-D Secure (then call `refresh_payment`). A declined card
    raises PaymentFailed with the reason; the attempt stays recorded as `failed` and
    no money moves.
    """
    recording.check_amount(amount, gettext_noop("payment amount"))
    currency = currency.upper()
    if not reference or len(reference) > 64:
        raise DomainError(gettext_noop("A payment needs a reference of at most 64 characters."), field="reference")
    if not payment_method:
        raise DomainError(gettext_noop("Enter your card details first."), field="payment_method")
    now = timezone.now()
    with transaction.atomic():
        payment = Payment.objects.create(
            payer=payer, reference=reference, amount=amount, currency=currency, created_at=now, updated_at=now
        )
    try:
        intent = gateway.create_payment_intent(
            amount=amount,
            currency=currency,
            payment_method=payment_method,
            customer=customer,
            idempotency_key=idempotency_key("payment", payment.uid, "authorize"),
            metadata={"payment": str(payment.pk), "reference": reference},
            transfer_group=reference,
        )
    except PaymentFailed as error:
        recording.mark_failed(payment, error.message)
        raise
    with transaction.atomic():
        payment = recording.lock_payment(payment)
        payment.stripe_payment_intent_id = intent.id
        recording.save_payment(payment, "stripe_payment_intent_id")
        return recording.apply_payment_intent(payment, intent)


def set_payment_reference(*, payment: Payment, reference: str) -> Payment:
    """Point an authorised, not yet charged payment at what it pays for (e.g. the booking created after it).

    Lets a caller authorise first, in its own committed step, and create the booking
    afterwards; if the booking cannot be made, `cancel_payment` releases the card.
    """
    if not reference or len(reference) > 64:
        raise DomainError(gettext_noop("A payment needs a reference of at most 64 characters."), field="reference")
    with transaction.atomic():
        payment = recording.lock_payment(payment)
        if payment.captured_amount or payment.status in (Status.CAPTURED, Status.CANCELED, Status.FAILED):
            raise PaymentStateError(gettext_noop("This payment can no longer be moved to something else."))
        payment.reference = reference
        recording.save_payment(payment, "reference")
        return payment


def refresh_payment(*, payment: Payment) -> Payment:
    """Re-read the PaymentIntent (after 3-D Secure, or when a webhook says it changed) and record its state.

    A card being saved for a later charge re-reads its SetupIntent instead (`saved_cards`)."""
    if payment.stripe_setup_intent_id and not payment.stripe_payment_intent_id:
        return saved_cards.refresh_saved_card(payment=payment)
    if not payment.stripe_payment_intent_id:
        return payment
    intent = gateway.retrieve_payment_intent(payment.stripe_payment_intent_id)
    if intent.status == "requires_confirmation":
        # Authentication done in the browser; confirming is the server's job with manual confirmation.
        intent = gateway.confirm_payment_intent(
            intent.id, idempotency_key=idempotency_key("payment", payment.uid, "confirm")
        )
    with transaction.atomic():
        return recording.apply_payment_intent(recording.lock_payment(payment), intent)


def _outcome(operation: MoneyOperation | None, payment: Payment) -> Payment:
    """The payment once its operation was sent after commit; Stripe's refusal raised as PaymentFailed.

    Inside a caller's transaction the operation is sent only when that commits: the payment is
    returned as it is, the operation pending. A transient failure leaves it pending for the re-driver."""
    payment.refresh_from_db()
    if operation is None:
        return payment
    operation.refresh_from_db()
    if operation.last_error and operation.status != MoneyOperation.Status.DONE:
        code, _, message = operation.last_error.partition(": ")
        error = PaymentServiceUnavailable if operation.status == MoneyOperation.Status.PENDING else PaymentFailed
        raise error(message or operation.last_error, code=code)
    return payment


def capture_payment(*, payment: Payment, amount: int | None = None) -> Payment:
    """Charge the authorised amount, or only `amount` of it: the money moves from the guest into escrow.

    A partial capture (an on-demand job held at the estimate, charged at the exact fare) asks
    Stripe for `amount_to_capture`; Stripe releases the rest of the hold itself, and the
    ledger records only what was captured. Capturing twice is a no-op. Through the money
    outbox: recorded in a short transaction, sent to Stripe after it commits.
    """
    if amount is not None:
        recording.check_amount(amount, gettext_noop("amount to charge"))
    with transaction.atomic():
        payment = recording.lock_payment(payment)
        if payment.status == Status.CAPTURED:
            return payment
        earlier = payment.operations.filter(
            kind=MoneyOperation.Kind.CAPTURE, status=MoneyOperation.Status.PENDING
        ).exists()
        operation = outbox.record_capture(payment=payment, amount=payment.amount if amount is None else amount)
        if operation is not None and earlier:
            # A capture recorded before and not answered yet (a crash, a timeout, another request): sent
            # again with its own key and amount, so Stripe replays its first answer.
            operation_id = operation.pk
            outbox.after_commit(lambda: outbox.send_operation(operation_id=operation_id))
    return _outcome(operation, payment)


def cancel_payment(*, payment: Payment) -> Payment:
    """Release an authorisation that was never charged (after commit, through the outbox). Twice is a no-op."""
    with transaction.atomic():
        operation = outbox.record_cancel(payment=payment)
    return _outcome(operation, payment)


def refund_payment(*, payment: Payment, amount: int) -> Payment:
    """Give `amount` back to the guest from escrow (exactly that, never more than is held).

    Each call is a refund, recorded in a short transaction and sent after it commits with its
    operation's key: callers make their own step idempotent (a booking refunds when it moves to
    cancelled, once).
    """
    recording.check_amount(amount, gettext_noop("refund"))
    with transaction.atomic():
        payment = recording.lock_payment(payment)
        if payment.status != Status.CAPTURED:
            raise PaymentStateError(
                gettext_noop("Only a charged payment can be refunded; cancel an authorisation instead.")
            )
        recording.check_refundable(payment)
        held = payment.escrow_amount - outbox.pending_refunds(payment)
        if amount > held:
            raise PaymentStateError(
                gettext_noop("Refund of %(amount)s refused: only %(held)s is still held."),
                params={"amount": format_money(amount, payment.currency), "held": format_money(held, payment.currency)},
            )
        operation = outbox.record_refund(payment=payment, amount=amount, host_keeps=payment.host_payout_amount)
    return _outcome(operation, payment)


def freeze_payment(*, payment: Payment, reason: str, stripe_dispute_id: str = "") -> Payment:
    """Hold the payout (a dispute or a chargeback): release_payout refuses until unfrozen."""
    with transaction.atomic():
        payment = recording.lock_payment(payment)
        payment.frozen = True
        payment.frozen_reason = reason[:200]
        if stripe_dispute_id:
            payment.stripe_dispute_id = stripe_dispute_id
        recording.save_payment(payment, "frozen", "frozen_reason", "stripe_dispute_id")
        return payment


def unfreeze_payment(*, payment: Payment) -> Payment:
    with transaction.atomic():
        payment = recording.lock_payment(payment)
        payment.frozen = False
        payment.frozen_reason = ""
        recording.save_payment(payment, "frozen", "frozen_reason")
        return payment
