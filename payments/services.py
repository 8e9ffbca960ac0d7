"""Money operations on a guest payment: authorise, capture, cancel, refund, release the payout, pay the host.

Each operation locks the payment (or payout) row, calls Stripe with an idempotency key
derived from the object and the action, and records the result in the ledger in the
same transaction. If Stripe refuses, the transaction rolls back and nothing changes;
if the process dies after Stripe acted but before the commit, running the operation
again sends the same key, gets Stripe's stored answer, and records it once.

Bookings do not call capture/cancel/refund here from their transactions any more: the
escrow port records them in the money outbox (`payments.outbox`), which sends them after
the commit. `send_payout` itself runs in phases (claim, transfer with no transaction open,
record); `release_escrow` is the ledger-only half of `release_payout`.
"""

from __future__ import annotations

import logging

import stripe
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.errors import DomainError, NotFound
from payments import gateway
from payments.errors import PaymentFailed, PaymentStateError
from payments.gateway import idempotency_key
from payments.ledger import Line, post_transaction
from payments.models import (
    ESCROW,
    GUEST_FUNDING,
    PAYOUTS_PAID,
    PLATFORM_FEES,
    REFUNDS_PAID,
    Payment,
    Payout,
    PayoutAccount,
    host_payable,
)

logger = logging.getLogger(__name__)
Status = Payment.Status


def _lock(payment: Payment) -> Payment:
    return Payment.objects.select_for_update().get(pk=payment.pk)


def _save(payment: Payment, *fields: str) -> None:
    payment.updated_at = timezone.now()
    payment.save(update_fields=[*fields, "updated_at"])


def _check_amount(amount: object, what: str) -> int:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise DomainError(f"The {what} must be a positive amount in cents.", field="amount")
    return amount


# --- Recording what Stripe did (shared by the operations and by webhook processing) ----------
def _record_capture(payment: Payment, amount: int, intent: stripe.PaymentIntent) -> None:
    post_transaction(
        lines=[Line(GUEST_FUNDING, -amount, payment.currency), Line(ESCROW, amount, payment.currency)],
        reference=payment.reference,
        description=f"Guest payment #{payment.pk} captured into escrow",
        payment=payment,
    )
    payment.captured_amount = amount
    payment.status = Status.CAPTURED
    payment.stripe_charge_id = gateway.latest_charge_id(intent) or ""
    _save(payment, "captured_amount", "status", "stripe_charge_id")


def _record_refund(payment: Payment, amount: int) -> None:
    if amount > payment.escrow_amount:
        raise PaymentStateError(
            f"Only {payment.escrow_amount} {payment.currency} cents are still held for this payment; "
            f"a refund of {amount} needs the host's payout taken back first."
        )
    post_transaction(
        lines=[Line(ESCROW, -amount, payment.currency), Line(REFUNDS_PAID, amount, payment.currency)],
        reference=payment.reference,
        description=f"Refund to the guest from payment #{payment.pk}",
        payment=payment,
    )
    payment.refunded_amount += amount
    _save(payment, "refunded_amount")


def apply_payment_intent(payment: Payment, intent: stripe.PaymentIntent) -> Payment:
    """Bring a locked payment in line with the PaymentIntent's current state; never moves it backwards."""
    status = intent.status
    if status in ("requires_action", "requires_confirmation") and payment.status in (Status.PENDING,):
        payment.status = Status.REQUIRES_ACTION
        payment.client_secret = intent.client_secret or ""
        _save(payment, "status", "client_secret")
    elif status == "requires_capture" and payment.status in (Status.PENDING, Status.REQUIRES_ACTION):
        payment.status = Status.AUTHORIZED
        _save(payment, "status")
    elif status == "succeeded" and payment.captured_amount == 0 and payment.status != Status.FAILED:
        _record_capture(payment, int(intent.amount_received or payment.amount), intent)
    elif status == "canceled" and payment.status in (Status.PENDING, Status.REQUIRES_ACTION, Status.AUTHORIZED):
        payment.status = Status.CANCELED
        _save(payment, "status")
    elif status == "requires_payment_method" and payment.status in (Status.PENDING, Status.REQUIRES_ACTION):
        error = intent.last_payment_error
        payment.status = Status.FAILED
        payment.failure_message = ((error.message if error else "") or "The card was refused.")[:300]
        _save(payment, "status", "failure_message")
    return payment


# --- Guest side --------------------------------------------------------------------------------
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
    _check_amount(amount, "payment amount")
    currency = currency.upper()
    if not reference or len(reference) > 64:
        raise DomainError("A payment needs a reference of at most 64 characters.", field="reference")
    if not payment_method:
        raise DomainError("Enter your card details first.", field="payment_method")
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
        with transaction.atomic():
            payment = _lock(payment)
            payment.status = Status.FAILED
            payment.failure_message = error.message[:300]
            _save(payment, "status", "failure_message")
        raise
    with transaction.atomic():
        payment = _lock(payment)
        payment.stripe_payment_intent_id = intent.id
        _save(payment, "stripe_payment_intent_id")
        return apply_payment_intent(payment, intent)


def set_payment_reference(*, payment: Payment, reference: str) -> Payment:
    """Point an authorised, not yet charged payment at what it pays for (e.g. the booking created after it).

    Lets a caller authorise first, in its own committed step, and create the booking
    afterwards; if the booking cannot be made, `cancel_payment` releases the card.
    """
    if not reference or len(reference) > 64:
        raise DomainError("A payment needs a reference of at most 64 characters.", field="reference")
    with transaction.atomic():
        payment = _lock(payment)
        if payment.captured_amount or payment.status in (Status.CAPTURED, Status.CANCELED, Status.FAILED):
            raise PaymentStateError("This payment can no longer be moved to something else.")
        payment.reference = reference
        _save(payment, "reference")
        return payment


def refresh_payment(*, payment: Payment) -> Payment:
    """Re-read the PaymentIntent (after 3-D Secure, or when a webhook says it changed) and record its state."""
    if not payment.stripe_payment_intent_id:
        return payment
    intent = gateway.retrieve_payment_intent(payment.stripe_payment_intent_id)
    if intent.status == "requires_confirmation":
        # Authentication done in the browser; confirming is the server's job with manual confirmation.
        intent = gateway.confirm_payment_intent(
            intent.id, idempotency_key=idempotency_key("payment", payment.uid, "confirm")
        )
    with transaction.atomic():
        return apply_payment_intent(_lock(payment), intent)


def capture_payment(*, payment: Payment, amount: int | None = None) -> Payment:
    """Charge the authorised amount, or only `amount` of it: the money moves from the guest into escrow.

    A partial capture (an on-demand job held at the estimate, charged at the exact fare) asks
    Stripe for `amount_to_capture`; Stripe releases the rest of the hold itself, and the
    ledger records only what was captured. Capturing twice is a no-op.
    """
    if amount is not None:
        _check_amount(amount, "amount to charge")
    with transaction.atomic():
        payment = _lock(payment)
        if payment.status == Status.CAPTURED:
            return payment
        if payment.status != Status.AUTHORIZED:
            raise PaymentStateError(f"This payment cannot be charged: it is {payment.get_status_display().lower()}.")
        if amount is not None and amount > payment.amount:
            raise PaymentStateError(
                f"Only {payment.amount} {payment.currency} cents are held on the card: {amount} cannot be charged."
            )
        # The full amount is captured without `amount_to_capture`, as before: a retry sends identical parameters.
        partial = amount if amount is not None and amount < payment.amount else None
        intent = gateway.capture_payment_intent(
            payment.stripe_payment_intent_id,
            idempotency_key=idempotency_key("payment", payment.uid, "capture"),
            amount_to_capture=partial,
        )
        if intent.status != "succeeded":
            raise PaymentFailed("The card could not be charged. Ask the guest for another card.", code="capture_failed")
        _record_capture(payment, int(intent.amount_received or partial or payment.amount), intent)
        return payment


def cancel_payment(*, payment: Payment) -> Payment:
    """Release an authorisation that was never charged. Cancelling twice is a no-op."""
    with transaction.atomic():
        payment = _lock(payment)
        if payment.status in (Status.CANCELED, Status.FAILED):
            return payment
        if payment.status == Status.CAPTURED:
            raise PaymentStateError("This payment was already charged: refund it instead of cancelling.")
        if payment.stripe_payment_intent_id:
            gateway.cancel_payment_intent(
                payment.stripe_payment_intent_id, idempotency_key=idempotency_key("payment", payment.uid, "cancel")
            )
        payment.status = Status.CANCELED
        _save(payment, "status")
        return payment


def refund_payment(*, payment: Payment, amount: int) -> Payment:
    """Give `amount` back to the guest from escrow (exactly that, never more than is held).

    Each call is a refund: callers make their own step idempotent (a booking refunds when it
    moves to cancelled, once). A retry after a rolled-back attempt reuses the same key.
    """
    _check_amount(amount, "refund")
    with transaction.atomic():
        payment = _lock(payment)
        if payment.status != Status.CAPTURED:
            raise PaymentStateError("Only a charged payment can be refunded; cancel an authorisation instead.")
        if amount > payment.escrow_amount:
            raise PaymentStateError(
                f"Refund of {amount} refused: only {payment.escrow_amount} {payment.currency} cents are still held."
            )
        # The key includes what was refunded before: a retry of this refund reuses it, a later one does not.
        key = idempotency_key("payment", payment.uid, "refund", payment.refunded_amount, amount)
        gateway.create_refund(
            payment_intent_id=payment.stripe_payment_intent_id,
            amount=amount,
            idempotency_key=key,
            metadata={"payment": str(payment.pk), "reference": payment.reference},
        )
        _record_refund(payment, amount)
        return payment


def freeze_payment(*, payment: Payment, reason: str, stripe_dispute_id: str = "") -> Payment:
    """Hold the payout (a dispute or a chargeback): release_payout refuses until unfrozen."""
    with transaction.atomic():
        payment = _lock(payment)
        payment.frozen = True
        payment.frozen_reason = reason[:200]
        if stripe_dispute_id:
            payment.stripe_dispute_id = stripe_dispute_id
        _save(payment, "frozen", "frozen_reason", "stripe_dispute_id")
        return payment


def unfreeze_payment(*, payment: Payment) -> Payment:
    with transaction.atomic():
        payment = _lock(payment)
        payment.frozen = False
        payment.frozen_reason = ""
        _save(payment, "frozen", "frozen_reason")
        return payment


# --- Host side ---------------------------------------------------------------------------------
def release_payout(*, payment: Payment, host: User, host_amount: int) -> Payout | None:
    """Close the escrow: `host_amount` becomes owed to the host, the rest is Sharing's fee.

    Then tries to transfer it (see `send_payout`); if the host cannot receive money yet
    the payout waits, visible on their payout page, and goes out once they can.
    Releasing an already-released payment returns its payout without moving anything.
    """
    payout = release_escrow(payment=payment, host=host, host_amount=host_amount)
    return send_payout(payout=payout) if payout is not None else None


def release_escrow(*, payment: Payment, host: User, host_amount: int) -> Payout | None:
    """The ledger half of `release_payout`, no Stripe call: the escrow goes to the host's payable and
    Sharing's fee; returns the payout to send (waiting), or the existing one when already released."""
    if not isinstance(host_amount, int) or isinstance(host_amount, bool) or host_amount < 0:
        raise DomainError("The host's amount must be zero or a positive amount in cents.", field="host_amount")
    with transaction.atomic():
        payment = _lock(payment)
        if payment.status != Status.CAPTURED:
            raise PaymentStateError("Nothing to pay out: this payment was never charged.")
        if payment.frozen:
            raise PaymentStateError("The payout is on hold while a dispute is open.")
        held = payment.escrow_amount
        if held == 0:
            # Already released (or all refunded): a retry only retries the transfer, if one waits.
            return payment.payouts.order_by("-pk").first()
        if host_amount > held:
            raise DomainError(
                f"Payout of {host_amount} refused: only {held} {payment.currency} cents are held.", field="host_amount"
            )
        fee = held - host_amount
        post_transaction(
            lines=[
                Line(ESCROW, -held, payment.currency),
                Line(host_payable(host.pk), host_amount, payment.currency),
                Line(PLATFORM_FEES, fee, payment.currency),
            ],
            reference=payment.reference,
            description=f"Escrow of payment #{payment.pk} released: host payout and Sharing's fee",
            payment=payment,
        )
        payment.host_payout_amount += host_amount
        payment.platform_fee_amount += fee
        _save(payment, "host_payout_amount", "platform_fee_amount")
        payout = None
        if host_amount > 0:
            payout = Payout.objects.create(
                payment=payment, host=host, amount=host_amount, currency=payment.currency, created_at=timezone.now()
            )
        return payout


def _lock_payout(payout: Payout) -> Payout:
    """Lock the payout's payment, then the payout: always in this order (release_payout holds the
    payment when it sends), so two requests on one payout queue instead of deadlocking."""
    payment = Payment.objects.select_for_update().get(pk=payout.payment_id)
    locked = Payout.objects.select_for_update().get(pk=payout.pk)
    locked.payment = payment
    return locked


def _payout_key(payout: Payout, action: str, *parts: int) -> str:
    """Keyed by the payment's UUID and the payout's rank among its payouts, not by the payout's own row.

    If a caller's transaction rolls the payout row back after Stripe transferred, the retry
    creates a payout of the same rank, sends the same key, and Stripe replays the first transfer.
    """
    rank = Payout.objects.filter(payment_id=payout.payment_id, pk__lt=payout.pk).count()
    return idempotency_key("payment", payout.payment.uid, "payout", rank, action, *parts)


def send_payout(*, payout: Payout) -> Payout:
    """Transfer a waiting payout to the host's connected account if it can receive money; else leave it waiting.

    In three phases, with no transaction open during the Stripe call: claim (attempt counted),
    transfer, record. The waiting payout is its own outbox row: a crash or timeout between the
    transfer and the record leaves it waiting, and the next try (`retry_waiting_payouts`, the
    re-driver) sends the same key, so Stripe replays the first transfer instead of paying twice.
    """
    with transaction.atomic():
        payout = _lock_payout(payout)
        if payout.status != Payout.Status.WAITING:
            return payout
        account = PayoutAccount.objects.filter(host_id=payout.host_id).first()
        if account is None or not account.can_receive_payouts:
            payout.last_error = "Waiting for the host to finish setting up payouts."
            payout.save(update_fields=["last_error"])
            return payout
        amount = payout.amount - payout.reversed_amount
        reversed_before = payout.reversed_amount
        key = _payout_key(payout, "transfer", payout.reversed_amount)
        payout.attempts += 1
        payout.save(update_fields=["attempts"])
    try:
        transfer = gateway.create_transfer(
            amount=amount,
            currency=payout.currency,
            destination=account.stripe_account_id,
            transfer_group=payout.payment.transfer_group,
            # Tied to the guest's charge: Stripe then sends it even while the charge's funds are
            # still pending on the platform, instead of refusing it for an empty available balance.
            source_transaction=payout.payment.stripe_charge_id or None,
            idempotency_key=key,
            # No row ids here: a retry after a rollback must send identical parameters.
            metadata={"payment": str(payout.payment.uid), "reference": payout.payment.reference},
        )
    except PaymentFailed as error:
        with transaction.atomic():
            payout = _lock_payout(payout)
            payout.last_error = error.message[:300]
            payout.save(update_fields=["last_error"])
        return payout
    with transaction.atomic():
        payout = _lock_payout(payout)
        if payout.status != Payout.Status.WAITING:
            return payout
        if payout.reversed_amount != reversed_before:
            # Taken back while the transfer was on its way: the ledger no longer owes that amount.
            # Left waiting with the reason for staff (the transfer id says what Stripe sent).
            payout.last_error = f"Changed while transfer {transfer.id} was being sent: check with Stripe."[:300]
            payout.save(update_fields=["last_error"])
            logger.error("payout %s reversed while its transfer %s was in flight", payout.pk, transfer.id)
            return payout
        post_transaction(
            lines=[
                Line(host_payable(payout.host_id), -amount, payout.currency),
                Line(PAYOUTS_PAID, amount, payout.currency),
            ],
            reference=payout.payment.reference,
            description=f"Payout #{payout.pk} transferred to the host ({transfer.id})",
            payment=payout.payment,
        )
        payout.status = Payout.Status.PAID
        payout.stripe_transfer_id = transfer.id
        payout.paid_at = timezone.now()
        payout.last_error = ""
        payout.save(update_fields=["status", "stripe_transfer_id", "paid_at", "last_error"])
        return payout


def retry_waiting_payouts(*, host: User | None = None) -> list[Payout]:
    """Try every waiting payout again (all hosts, or one); returns those that went out."""
    waiting = Payout.objects.filter(status=Payout.Status.WAITING)
    if host is not None:
        waiting = waiting.filter(host_id=host.pk)
    sent = []
    for payout in waiting.order_by("pk"):
        payout = send_payout(payout=payout)
        if payout.status == Payout.Status.PAID:
            sent.append(payout)
    return sent


def reverse_payout(*, payout: Payout, amount: int) -> Payout:
    """Take `amount` back from the host into escrow (a Stripe transfer reversal if it was already sent).

    The disputes issue uses this when a resolution refunds the guest after the host was paid.
    """
    _check_amount(amount, "amount to take back")
    with transaction.atomic():
        payout = _lock_payout(payout)
        payment = payout.payment
        remaining = payout.amount - payout.reversed_amount
        if amount > remaining:
            raise DomainError(
                f"Only {remaining} {payout.currency} cents of this payout can be taken back.", field="amount"
            )
        if payout.status == Payout.Status.PAID:
            gateway.reverse_transfer(
                transfer_id=payout.stripe_transfer_id,
                amount=amount,
                idempotency_key=_payout_key(payout, "reverse", payout.reversed_amount, amount),
                metadata={"payment": str(payment.uid)},
            )
            source = PAYOUTS_PAID
        else:
            source = host_payable(payout.host_id)
        post_transaction(
            lines=[Line(source, -amount, payout.currency), Line(ESCROW, amount, payout.currency)],
            reference=payment.reference,
            description=f"Payout #{payout.pk}: {amount} taken back from the host into escrow",
            payment=payment,
        )
        payout.reversed_amount += amount
        if payout.status == Payout.Status.WAITING and payout.reversed_amount == payout.amount:
            payout.status = Payout.Status.CANCELED
        payout.save(update_fields=["reversed_amount", "status"])
        payment.host_payout_amount -= amount
        _save(payment, "host_payout_amount")
        return payout


def return_platform_fee(*, payment: Payment, amount: int) -> Payment:
    """Move `amount` of Sharing's fee on this payment back into escrow, so it can be refunded.

    A guest (or host) cancelling after the payout was released changes who keeps what:
    the fee Sharing took at release shrinks with the host's share. With separate charges
    and transfers the fee never left the platform's Stripe balance, so this is a ledger
    movement only, no Stripe call.
    """
    _check_amount(amount, "fee to give back")
    with transaction.atomic():
        payment = _lock(payment)
        if amount > payment.platform_fee_amount:
            raise PaymentStateError(
                f"Only {payment.platform_fee_amount} {payment.currency} cents of fees were kept on this payment."
            )
        post_transaction(
            lines=[Line(PLATFORM_FEES, -amount, payment.currency), Line(ESCROW, amount, payment.currency)],
            reference=payment.reference,
            description=f"Sharing's fee on payment #{payment.pk}: {amount} back into escrow",
            payment=payment,
        )
        payment.platform_fee_amount -= amount
        _save(payment, "platform_fee_amount")
        return payment


# --- Hosts' payout accounts (Stripe Connect Express) ------------------------------------------
def start_payout_onboarding(*, host: User, refresh_url: str, return_url: str) -> str:
    """The URL where the host sets up payouts; creates their connected account on first use."""
    account = PayoutAccount.objects.filter(host_id=host.pk).first()
    if account is None:
        stripe_account = gateway.create_connected_account(
            email=host.email,
            country=settings.STRIPE_CONNECT_COUNTRY,
            idempotency_key=idempotency_key("host", host.pk, "connect-account"),
            metadata={"host": str(host.pk)},
        )
        now = timezone.now()
        with transaction.atomic():
            # The idempotency key makes a concurrent second attempt get the same Stripe account.
            account, _ = PayoutAccount.objects.get_or_create(
                host=host,
                defaults={"stripe_account_id": stripe_account.id, "created_at": now, "refreshed_at": now},
            )
    link = gateway.create_account_link(
        account_id=account.stripe_account_id, refresh_url=refresh_url, return_url=return_url
    )
    return link.url


def refresh_payout_account(*, stripe_account_id: str) -> PayoutAccount:
    """Re-read the connected account's flags from Stripe; when it can receive money, send what waits."""
    remote = gateway.retrieve_account(stripe_account_id)
    with transaction.atomic():
        account = PayoutAccount.objects.select_for_update().filter(stripe_account_id=stripe_account_id).first()
        if account is None:
            raise NotFound("No host has this payout account.")
        account.charges_enabled = bool(remote.charges_enabled)
        account.payouts_enabled = bool(remote.payouts_enabled)
        account.details_submitted = bool(remote.details_submitted)
        account.refreshed_at = timezone.now()
        account.save(update_fields=["charges_enabled", "payouts_enabled", "details_submitted", "refreshed_at"])
    if account.can_receive_payouts:
        retry_waiting_payouts(host=account.host)
    return account
