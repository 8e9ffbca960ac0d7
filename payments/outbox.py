"""The money outbox: a booking's transaction records a Stripe operation; it is sent after commit, in three phases.

1. `record_*` (inside the caller's transaction): check what the database knows, write a
   MoneyOperation with the amount decided now and ask for it to be sent once the
   transaction commits. A rollback takes the row with it: nothing is ever sent for it.
2. `send_operation` (no transaction open): claim the row in a short transaction (attempt
   counted, next try pushed back), call Stripe with the key derived from the row
   (`sharing:moneyop:<uid>:<kind>`) and the amount first recorded.
3. Still in `send_operation`: record Stripe's answer (ledger, payment state, row done) in a
   second short transaction that re-checks the row, so an answer is recorded once.

A crash, a timeout or an outage between 2 and 3 leaves the row pending; the re-driver
(`redrive_money_operations`, `manage.py redrive_money`, run by the scheduler) sends it
again with the same key and amount, so Stripe replays its first answer: exactly once.
A refusal that retrying cannot fix (or MONEY_MAX_ATTEMPTS transient failures) marks the
row failed: it waits in the admin's "Money operations" queue for staff.

A far-ahead booking's charge (`record_charge`, kind "charge") is an off-session PaymentIntent on the
card saved at checkout (`payments.services.saved_cards`), captured at once. The card's bank may refuse
it (declined, or authentication required off-session): that is an answer, not a fault, so the row is
marked refused, not failed, and the booking is told at once (`bookings.services.schedule`), which
gives the guest time to pay on-session.

Payouts use their own row as their outbox (`Payout`, status waiting, keyed by the
payment and the payout's rank): see `host_payouts.send_payout`.

Size: one state machine. Exactly-once rests on the record, claim and answer phases and on each kind's
send/apply pair agreeing (which statuses are unsettled, what waits for what); they are read together.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from core.errors import DomainError
from core.money import format_money
from payments import gateway
from payments.errors import PaymentFailed, PaymentStateError
from payments.ledger import Line, post_transaction
from payments.models import ESCROW, PAYOUTS_PAID, MoneyOperation, Payment, Payout
from payments.services import host_payouts, recording
from promotions.services import return_refund_share
from realtime.wording import money_value, words

logger = logging.getLogger(__name__)
Kind = MoneyOperation.Kind
OpStatus = MoneyOperation.Status
Status = Payment.Status

# Stripe's answers that may change on a later try (unreachable, timeout, 5xx, rate limit):
# the row stays pending. Every other refusal is final and goes to staff.
TRANSIENT_CODES = frozenset(
    {"stripe_unreachable", "stripe_error", "rate_limit", "capture_waiting", "reversal_waiting", "payment_frozen"}
)
# Operations whose money is not settled yet: a later operation of the same payment waits for them.
UNSETTLED = (OpStatus.PENDING, OpStatus.FAILED)


def backoff(attempts: int) -> timedelta:
    """Wait before try `attempts + 1`: 30 s, 1 min, 2 min ... capped at 1 h."""
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


# --- Phase 1: record, inside the caller's transaction ----------------------------------------
def _record(
    payment: Payment, kind: str, amount: int, host_keeps: int = 0, promotion: int = 0, credit: int = 0, **links: Any
) -> MoneyOperation:
    now = timezone.now()
    operation = MoneyOperation.objects.create(
        payment=payment,
        kind=kind,
        amount=amount,
        host_keeps=host_keeps,
        promotion=promotion,
        credit=credit,
        next_attempt_at=now,
        created_at=now,
        **links,
    )
    operation_id = operation.pk
    after_commit(lambda: send_operation(operation_id=operation_id))
    return operation


def after_commit(send: Callable[[], object]) -> None:
    """Run `send` once the caller's transaction commits (never for a rollback).

    robust: the caller's change stands whatever Stripe says; the re-driver catches up. The
    mark lets the test suite, whose tests run inside one transaction that never commits,
    run these at the moment a real commit would (tests/payments/fixtures.py).
    """
    send.money_outbox = True  # type: ignore[attr-defined]
    transaction.on_commit(send, robust=True)


CHARGING_KINDS = (Kind.CAPTURE, Kind.CHARGE)


def pending_capture(payment: Payment) -> bool:
    """A capture, or an off-session charge of a saved card, is recorded and not answered yet."""
    return payment.operations.filter(kind__in=CHARGING_KINDS, status=OpStatus.PENDING).exists()


def record_capture(*, payment: Payment, amount: int, promotion: int = 0, credit: int = 0) -> MoneyOperation | None:
    """Charge `amount` (at most the hold) after commit; None if it is charged or being charged already.

    `promotion` and `credit` are paid into escrow with the charge when Stripe's answer is recorded."""
    payment = recording.lock_payment(payment)
    existing = payment.operations.filter(kind=Kind.CAPTURE).first()
    if payment.status == Status.CAPTURED or existing is not None:
        return existing
    if payment.status != Status.AUTHORIZED:
        raise PaymentStateError(f"This payment cannot be charged: it is {payment.get_status_display().lower()}.")
    if amount > payment.amount:
        raise PaymentStateError(
            gettext_noop("Only %(held)s is held on the card: %(amount)s cannot be charged."),
            params={
                "held": format_money(payment.amount, payment.currency),
                "amount": format_money(amount, payment.currency),
            },
        )
    return _record(payment, Kind.CAPTURE, amount, promotion=promotion, credit=credit)


def record_charge(*, payment: Payment, amount: int, promotion: int = 0, credit: int = 0) -> MoneyOperation | None:
    """Charge `amount` off-session on the card saved for this payment, after commit. Once per payment:
    a second request returns the first row (whatever its outcome). `promotion` and `credit` (reserved at
    booking) are paid into escrow with the charge when the bank's yes is recorded."""
    payment = recording.lock_payment(payment)
    existing = payment.operations.filter(kind=Kind.CHARGE).first()
    if existing is not None:
        return existing
    if payment.status != Status.CARD_SAVED:
        raise PaymentStateError(f"No card is saved for this payment: it is {payment.get_status_display().lower()}.")
    recording.check_amount(amount, gettext_noop("amount to charge"))
    if amount > payment.amount:
        raise PaymentStateError(
            gettext_noop("Only %(agreed)s was agreed: %(amount)s cannot be charged."),
            params={
                "agreed": format_money(payment.amount, payment.currency),
                "amount": format_money(amount, payment.currency),
            },
        )
    return _record(payment, Kind.CHARGE, amount, promotion=promotion, credit=credit)


def record_cancel(*, payment: Payment) -> MoneyOperation | None:
    """Release an authorisation that will never be charged, after commit. Twice is a no-op."""
    payment = recording.lock_payment(payment)
    existing = payment.operations.filter(kind=Kind.CANCEL).first()
    if payment.status in (Status.CANCELED, Status.FAILED) or existing is not None:
        return existing
    if payment.status == Status.CAPTURED or pending_capture(payment):
        raise PaymentStateError(gettext_noop("This payment was already charged: refund it instead of cancelling."))
    return _record(payment, Kind.CANCEL, 0)


def pending_refunds(payment: Payment) -> int:
    return sum(payment.operations.filter(kind=Kind.REFUND, status=OpStatus.PENDING).values_list("amount", flat=True))


def record_refund(
    *,
    payment: Payment,
    amount: int,
    host_keeps: int,
    promotion: int = 0,
    credit: int = 0,
    taxes_keep: Mapping[str, int] | None = None,
) -> MoneyOperation:
    """Give exactly `amount` back after commit (taking back, after a release, the taxes beyond `taxes_keep`
    from the tax accounts, then from the host what they no longer keep); `promotion` and `credit` go back to
    Sharing's promotions and the guest's credit with it."""
    payment = recording.lock_payment(payment)
    if payment.status != Status.CAPTURED and not pending_capture(payment):
        raise PaymentStateError(
            gettext_noop("Only a charged payment can be refunded; cancel an authorisation instead.")
        )
    recording.check_refundable(payment)
    pending = pending_refunds(payment)
    capture = payment.operations.filter(kind__in=CHARGING_KINDS).exclude(status=OpStatus.REFUSED).first()
    charged = payment.captured_amount or (capture.amount if capture is not None else 0)
    refundable = charged - payment.refunded_amount - pending
    if amount > refundable:
        raise PaymentStateError(
            gettext_noop("Refund of %(amount)s refused: only %(left)s can still be given back."),
            params={
                "amount": format_money(amount, payment.currency),
                "left": format_money(refundable, payment.currency),
            },
        )
    keep = None if taxes_keep is None else {account: int(part) for account, part in taxes_keep.items()}
    return _record(payment, Kind.REFUND, amount, host_keeps, promotion=promotion, credit=credit, taxes_keep=keep)


def record_release(
    *, payment: Payment, host: User, host_total: int, taxes: Mapping[str, int] | None = None
) -> MoneyOperation:
    """Release what escrow holds once every operation recorded before it on the payment is settled: the host
    ends with `host_total` in all, `taxes` go to their accounts, the rest is Sharing's fee (a dispute's
    settlement: reversals and the refund go first). Ledger only when applied; the payout's transfer follows
    after that commit."""
    payment = recording.lock_payment(payment)
    return _record(payment, Kind.RELEASE, 0, host_total, host=host, taxes=dict(taxes or {}))


def record_reversal(*, payout: Payout, amount: int) -> MoneyOperation:
    """Take `amount` back from a payout already transferred (a Stripe transfer reversal), after commit.
    The caller (`host_payouts.reverse_payout`) holds the payout's lock and has checked what remains."""
    return _record(payout.payment, Kind.REVERSE, amount, payout=payout)


def unsettled_reversals(payment: Payment, payout: Payout | None = None) -> int:
    """What reversals recorded but not done yet (pending, or failed and waiting for staff) will take back."""
    rows = MoneyOperation.objects.filter(payment_id=payment.pk, kind=Kind.REVERSE, status__in=UNSETTLED)
    if payout is not None:
        rows = rows.filter(payout_id=payout.pk)
    return sum(rows.values_list("amount", flat=True))


def release_escrow_after_commit(
    *, payment: Payment, host: Any, host_amount: int, taxes: Mapping[str, int] | None = None
) -> Payout | None:
    """Close the escrow in the caller's transaction (ledger only, `taxes` to their accounts); the transfer
    goes after commit."""
    if pending_capture(payment):
        raise PaymentStateError(
            gettext_noop("The guest's charge is still pending: the payout waits for it."), code="capture_waiting"
        )
    payout = host_payouts.release_escrow(payment=payment, host=host, host_amount=host_amount, taxes=taxes)
    if payout is not None and payout.status == Payout.Status.WAITING:
        payout_id = payout.pk
        after_commit(lambda: host_payouts.send_payout(payout=Payout.objects.get(pk=payout_id)))
    return payout


# --- Phases 2 and 3: send, then record the answer ---------------------------------------------
def _send_capture(operation: MoneyOperation) -> Any:
    payment = operation.payment
    # The full hold is captured without `amount_to_capture`: Stripe charges exactly the authorisation.
    partial = operation.amount if operation.amount < payment.amount else None
    return gateway.capture_payment_intent(
        payment.stripe_payment_intent_id, idempotency_key=operation.idempotency_key, amount_to_capture=partial
    )


def _apply_capture(operation: MoneyOperation, payment: Payment, intent: Any) -> None:
    if intent.status != "succeeded":
        raise PaymentFailed(
            gettext_noop("The card could not be charged. Ask the guest for another card."), code="capture_failed"
        )
    if payment.captured_amount == 0:  # a `payment_intent.succeeded` webhook may have recorded it first
        recording.post_capture(payment, int(intent.amount_received or operation.amount), intent)
    recording.post_subsidy(payment, promotion=operation.promotion, credit=operation.credit)
    operation.stripe_object_id = intent.id


def _send_cancel(operation: MoneyOperation) -> Any:
    payment = operation.payment
    if not payment.stripe_payment_intent_id:
        return None
    return gateway.cancel_payment_intent(payment.stripe_payment_intent_id, idempotency_key=operation.idempotency_key)


def _apply_cancel(operation: MoneyOperation, payment: Payment, intent: Any) -> None:
    if payment.status in (Status.PENDING, Status.REQUIRES_ACTION, Status.AUTHORIZED, Status.CARD_SAVED):
        payment.status = Status.CANCELED
        recording.save_payment(payment, "status")


def _send_charge(operation: MoneyOperation) -> Any:
    payment = operation.payment
    return gateway.create_payment_intent(
        amount=operation.amount,
        currency=payment.currency,
        payment_method=payment.stripe_payment_method_id,
        customer=payment.stripe_customer_id,
        off_session=True,
        idempotency_key=operation.idempotency_key,
        metadata={"payment": str(payment.pk), "reference": payment.reference, "operation": str(operation.uid)},
        transfer_group=payment.reference,
    )


def _apply_charge(operation: MoneyOperation, payment: Payment, intent: Any) -> None:
    if intent.status != "succeeded":
        raise PaymentFailed(gettext_noop("The saved card could not be charged."), code="charge_failed")
    payment.stripe_payment_intent_id = intent.id
    recording.save_payment(payment, "stripe_payment_intent_id")
    if payment.captured_amount == 0:
        recording.post_capture(payment, int(intent.amount_received or operation.amount), intent)
    recording.post_subsidy(payment, promotion=operation.promotion, credit=operation.credit)
    operation.stripe_object_id = intent.id


def _send_refund(operation: MoneyOperation) -> Any:
    payment = operation.payment
    if payment.status != Status.CAPTURED:
        # The capture recorded before it is still on its way (or failed): retried after it.
        raise PaymentFailed(
            gettext_noop("The charge is not recorded yet; the refund waits for it."), code="capture_waiting"
        )
    if payment.frozen and payment.stripe_dispute_id:
        raise PaymentFailed(
            gettext_noop("This charge is under a chargeback: Stripe refuses refunds on it. Settle the dispute first."),
            code="charge_disputed",
        )
    _take_back_released_money(operation)
    _wait_for_reversals(operation)
    if operation.amount == 0:  # only promotion and credit go back: nothing for Stripe
        return None
    return gateway.create_refund(
        payment_intent_id=payment.stripe_payment_intent_id,
        amount=operation.amount,
        idempotency_key=operation.idempotency_key,
        # `operation` lets the charge.refunded webhook tell our refund from one made in Stripe's dashboard.
        metadata={"payment": str(payment.pk), "reference": payment.reference, "operation": str(operation.uid)},
    )


def _wait_for_reversals(operation: MoneyOperation) -> None:
    """A refund that needs money a reversal brings back into escrow goes after it (the ledger's escrow never
    pays out what it does not hold yet); a reversal that failed for good stops it for staff."""
    earlier = MoneyOperation.objects.filter(payment_id=operation.payment_id, kind=Kind.REVERSE, status__in=UNSETTLED)
    if earlier.filter(status=OpStatus.FAILED).exists():
        raise PaymentFailed(
            gettext_noop(
                "Taking the money back from the host's payout failed: staff must settle it before this can go on."
            ),
            code="reversal_failed",
        )
    if earlier.exists():
        raise PaymentFailed(
            gettext_noop("The money is still being taken back from the host's payout."), code="reversal_waiting"
        )


def _take_back_released_money(operation: MoneyOperation) -> None:
    """If the escrow was already released (24 h after the start), the one claw-back service takes back from
    the host what they no longer keep, then the part of Sharing's fee that went with it. Converges on a
    re-drive: it works from what is still held, which a finished first try already refilled.

    A reversal of a payout sent is its own outbox operation, recorded and sent before the refund goes on."""
    from payments import clawback  # the claw-back records reversals through this module

    clawback.make_room_for_refund(
        payment=operation.payment,
        amount=operation.amount + operation.promotion + operation.credit,
        host_keeps=operation.host_keeps,
        taxes_keep=operation.taxes_keep,
    )


def _apply_refund(operation: MoneyOperation, payment: Payment, refund: Any) -> None:
    if operation.amount:
        recording.post_refund(payment, operation.amount)
        operation.stripe_object_id = refund.id
    recording.post_subsidy_back(payment, promotion=operation.promotion, credit=operation.credit)
    # The promo code's budget and the guest's credit balance get their shares back, once per refund.
    return_refund_share(
        reference=payment.reference,
        promotion=operation.promotion,
        credit=operation.credit,
        operation=str(operation.uid),
        now=timezone.now(),
    )


def _send_reverse(operation: MoneyOperation) -> Any:
    payout = operation.payout
    assert payout is not None  # a DB constraint: a reversal names its payout
    return gateway.reverse_transfer(
        transfer_id=payout.stripe_transfer_id,
        amount=operation.amount,
        idempotency_key=operation.idempotency_key,
        metadata={"payment": str(operation.payment.uid), "operation": str(operation.uid)},
    )


def _apply_reverse(operation: MoneyOperation, payment: Payment, reversal: Any) -> None:
    assert operation.payout_id is not None  # a DB constraint: a reversal names its payout
    payout = Payout.objects.select_for_update().get(pk=operation.payout_id)
    post_transaction(
        lines=[Line(PAYOUTS_PAID, -operation.amount, payout.currency), Line(ESCROW, operation.amount, payout.currency)],
        reference=payment.reference,
        description=words(
            gettext_noop("Payout #%(number)s: %(amount)s taken back from the host into escrow (%(reversal)s)"),
            number=payout.pk,
            amount=money_value(operation.amount, payout.currency),
            reversal=reversal.id,
        ),
        payment=payment,
    )
    payout.reversed_amount += operation.amount
    payout.save(update_fields=["reversed_amount"])
    payment.host_payout_amount -= operation.amount
    recording.save_payment(payment, "host_payout_amount")
    operation.stripe_object_id = reversal.id


def _send_release(operation: MoneyOperation) -> None:
    """No Stripe call: the release is the ledger's, once what was recorded before it is settled."""
    earlier = MoneyOperation.objects.filter(payment_id=operation.payment_id, status__in=UNSETTLED, pk__lt=operation.pk)
    if earlier.exists():
        raise PaymentFailed(
            gettext_noop("The refund or the take-back before this release is not settled yet."), code="reversal_waiting"
        )


def _apply_release(operation: MoneyOperation, payment: Payment, _answer: Any) -> None:
    host = operation.host
    assert host is not None  # a DB constraint: a release names its host
    if payment.frozen:
        raise PaymentFailed(
            gettext_noop("The payout is on hold while a chargeback or dispute is open."), code="payment_frozen"
        )
    owed = max(0, operation.host_keeps - payment.host_payout_amount)
    if payment.escrow_amount > 0:
        try:
            host_amount = min(owed, payment.escrow_amount)
            payout = host_payouts.release_escrow(
                payment=payment,
                host=host,
                host_amount=host_amount,
                taxes=_taxes_within(operation.taxes, payment.escrow_amount - host_amount),
            )
        except DomainError as error:
            raise PaymentFailed(error.message, code="release_refused") from error
        if payout is not None and payout.status == Payout.Status.WAITING:
            payout_id = payout.pk
            after_commit(lambda: host_payouts.send_payout(payout=Payout.objects.get(pk=payout_id)))
    payment.refresh_from_db()
    if payment.escrow_amount != 0 or payment.host_payout_amount != operation.host_keeps:
        # Never record a settlement the money does not match: staff look at it.
        raise PaymentFailed(
            f"After the release escrow holds {payment.escrow_amount} and the host has {payment.host_payout_amount},"
            f" not 0 and {operation.host_keeps}.",
            code="settlement_mismatch",
        )


def _taxes_within(taxes: Mapping[str, int], room: int) -> dict[str, int]:
    """The taxes recorded with a release, at most `room` in all (in the accounts' order): what escrow
    still holds beside the host's share, so a release never collects more than it has."""
    kept = {}
    for account, amount in sorted((taxes or {}).items()):
        part = max(0, min(int(amount), room))
        if part:
            kept[account] = part
            room -= part
    return kept


SENDERS: dict[str, Callable[[MoneyOperation], Any]] = {
    Kind.CAPTURE: _send_capture,
    Kind.CANCEL: _send_cancel,
    Kind.REFUND: _send_refund,
    Kind.CHARGE: _send_charge,
    Kind.REVERSE: _send_reverse,
    Kind.RELEASE: _send_release,
}
APPLIERS: dict[str, Callable[[MoneyOperation, Payment, Any], None]] = {
    Kind.CAPTURE: _apply_capture,
    Kind.CANCEL: _apply_cancel,
    Kind.REFUND: _apply_refund,
    Kind.CHARGE: _apply_charge,
    Kind.REVERSE: _apply_reverse,
    Kind.RELEASE: _apply_release,
}


def _claim(operation_id: int) -> MoneyOperation | None:
    now = timezone.now()
    with transaction.atomic():
        operation = (
            MoneyOperation.objects.select_for_update(of=("self", "payment"))
            .select_related("payment", "payout", "host")
            .get(pk=operation_id)
        )
        if operation.status != OpStatus.PENDING:
            return None
        operation.attempts += 1
        # Pushed back now, so a re-driver running meanwhile leaves it to this try.
        operation.next_attempt_at = now + backoff(operation.attempts)
        operation.save(update_fields=["attempts", "next_attempt_at"])
        return operation


def _fail(operation_id: int, error: PaymentFailed) -> MoneyOperation:
    with transaction.atomic():
        operation = MoneyOperation.objects.select_for_update().get(pk=operation_id)
        if operation.status != OpStatus.PENDING:
            return operation
        operation.last_error = f"{error.code}: {error.message}"[:300]
        final = error.code not in TRANSIENT_CODES or operation.attempts >= settings.MONEY_MAX_ATTEMPTS
        if operation.kind == Kind.CHARGE and error.code not in TRANSIENT_CODES:
            # The card's bank said no: the booking gives the guest time to pay; nothing for staff.
            operation.status = OpStatus.REFUSED
            payment = recording.lock_payment(operation.payment)
            payment.failure_message = error.message[:300]
            recording.save_payment(payment, "failure_message")
            logger.info("off-session charge %s refused: %s", operation.pk, operation.last_error)
        elif final:
            operation.status = OpStatus.FAILED
            logger.error("money operation %s failed for good: %s", operation.pk, operation.last_error)
        operation.save(update_fields=["last_error", "status"])
        return operation


def send_operation(*, operation_id: int) -> MoneyOperation:
    """Send one pending operation to Stripe and record its answer; call with no transaction open.

    An off-session charge's answer (charged or refused) is then told to its booking."""
    operation = _send(operation_id)
    if operation.kind == Kind.CHARGE and operation.status in (OpStatus.DONE, OpStatus.REFUSED):
        _tell_booking(operation)
    return operation


def _tell_booking(operation: MoneyOperation) -> None:
    """The booking's own short transaction; a failure here is caught up by the bookings sweep."""
    from bookings.services.schedule import scheduled_charge_answered

    try:
        scheduled_charge_answered(reference=operation.payment.reference)
    except Exception:
        logger.exception("booking of money operation %s not told of its charge yet", operation.pk)


def charge_outcome(*, payment: Payment) -> tuple[str, str]:
    """("paid" | "refused" | "pending" | "none", the bank's words) of a payment's off-session charge."""
    operation = payment.operations.filter(kind=Kind.CHARGE).first()
    if operation is None:
        return "none", ""
    if operation.status == OpStatus.DONE:
        return "paid", ""
    if operation.status == OpStatus.REFUSED:
        return "refused", payment.failure_message or "Your bank refused the charge."
    return "pending", ""


def _send(operation_id: int) -> MoneyOperation:
    operation = _claim(operation_id)
    if operation is None:
        return MoneyOperation.objects.get(pk=operation_id)
    try:
        answer = SENDERS[operation.kind](operation)
    except PaymentFailed as error:
        return _fail(operation_id, error)
    try:
        with transaction.atomic():
            locked = MoneyOperation.objects.select_for_update().get(pk=operation_id)
            if locked.status != OpStatus.PENDING:
                return locked
            payment = recording.lock_payment(operation.payment)
            APPLIERS[locked.kind](locked, payment, answer)
            locked.status = OpStatus.DONE
            locked.completed_at = timezone.now()
            locked.last_error = ""
            locked.save(update_fields=["status", "completed_at", "last_error", "stripe_object_id"])
            return locked
    except PaymentFailed as error:
        return _fail(operation_id, error)


def due_operations(*, now: Any = None) -> Any:
    now = now or timezone.now()
    return MoneyOperation.objects.filter(status=OpStatus.PENDING, next_attempt_at__lte=now).order_by("pk")


def redrive_money_operations(*, now: Any = None, limit: int = 200) -> dict[str, int]:
    """Send again every pending operation whose time has come, then payouts left waiting.

    For the scheduler (and `manage.py redrive_money`). Same key and amount as the first
    try, so what Stripe already did is replayed, not repeated. Returns counts: `done`,
    `pending` (tried and will be tried again), `failed` (now in the staff queue), `refused` (an off-session
    charge the bank said no to: the booking asks the guest), `payouts_sent`, `payouts_refused` (Stripe
    refused them on this run; retried after their backoff).
    """
    counts = {"done": 0, "pending": 0, "failed": 0, "refused": 0, "payouts_sent": 0, "payouts_refused": 0}
    for operation_id in list(due_operations(now=now).values_list("pk", flat=True)[:limit]):
        try:
            operation = send_operation(operation_id=operation_id)
        except Exception:  # a bug in one row must not stop the others; it stays pending and is logged
            logger.exception("money operation %s could not be sent", operation_id)
            counts["pending"] += 1
            continue
        counts[{"done": "done", "failed": "failed", "refused": "refused"}.get(operation.status, "pending")] += 1
    refused: list[Payout] = []
    counts["payouts_sent"] = len(host_payouts.retry_waiting_payouts(now=now, refused=refused))
    counts["payouts_refused"] = len(refused)
    return counts


def describe_pending(*, reference: str) -> str:
    """What is still on its way to Stripe (or stuck) for `reference`, in words for both parties; "" if nothing."""
    operations = MoneyOperation.objects.filter(
        Q(status=OpStatus.PENDING) | Q(status=OpStatus.FAILED), payment__reference=reference
    ).order_by("pk")
    words: dict[str, str] = {
        Kind.CAPTURE: "the charge of the guest's card",
        Kind.CANCEL: "the release of the card hold",
        Kind.REFUND: "the refund to the guest",
        Kind.CHARGE: "the scheduled charge of the guest's saved card",
        Kind.REVERSE: "taking money back from the host's payout",
        Kind.RELEASE: "the host's payout after the settlement",
    }
    for operation in operations:
        what = words[operation.kind]
        if operation.status == OpStatus.FAILED:
            return f"Payment problem: {what} did not go through. Our support team has been told and will fix it."
        return f"Payment pending: {what} is being processed with the bank."
    waiting = Payout.objects.filter(payment__reference=reference, status=Payout.Status.WAITING).first()
    if waiting is not None and waiting.attempts > 0 and waiting.last_error:
        return f"Payout pending: {waiting.last_error}"
    return ""
