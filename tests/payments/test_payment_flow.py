"""Guest payments through the real localstripe harness: authorise, 3-D Secure, capture, cancel, refund."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from payments import gateway, ledger
from payments.errors import PaymentFailed, PaymentStateError
from payments.models import ESCROW, GUEST_FUNDING, REFUNDS_PAID, LedgerEntry, MoneyOperation, Payment
from payments.services import guest_payments
from tests.conftest import make_user
from tests.payments.fixtures import DECLINED, THREE_D_SECURE, card, complete_3d_secure

pytestmark = pytest.mark.django_db


def authorize(amount: int = 11_200, *, number: str | None = None, reference: str = "booking:1") -> Payment:
    return guest_payments.authorize_payment(
        payer=make_user(),
        amount=amount,
        currency="EUR",
        reference=reference,
        payment_method=card(number) if number else card(),
    )


def test_card_is_authorised_not_charged(ledger_checked):
    payment = authorize()
    assert payment.status == Payment.Status.AUTHORIZED
    intent = gateway.retrieve_payment_intent(payment.stripe_payment_intent_id)
    assert intent.status == "requires_capture"
    assert intent.capture_method == "manual"
    assert intent.amount_capturable == 11_200
    assert intent.amount_received == 0
    assert not LedgerEntry.objects.exists()


def test_capture_moves_the_guests_money_into_escrow(ledger_checked):
    payment = guest_payments.capture_payment(payment=authorize(11_200))
    assert payment.status == Payment.Status.CAPTURED
    assert payment.captured_amount == 11_200
    assert gateway.retrieve_payment_intent(payment.stripe_payment_intent_id).amount_received == 11_200
    assert ledger.escrow_balance(reference="booking:1", currency="EUR") == 11_200
    assert ledger.balance(GUEST_FUNDING, currency="EUR") == -11_200


def test_capturing_twice_charges_once(ledger_checked):
    payment = authorize(5_000)
    guest_payments.capture_payment(payment=payment)
    guest_payments.capture_payment(payment=payment)
    assert ledger.escrow_balance(reference="booking:1", currency="EUR") == 5_000
    assert LedgerEntry.objects.filter(account=ESCROW).count() == 1


def test_retried_capture_after_a_lost_commit_is_recorded_once(ledger_checked):
    # The capture was recorded and Stripe captured (with the recorded operation's key), but the answer was
    # never recorded (the process died):
    payment = authorize(4_000)
    now = timezone.now()
    operation = MoneyOperation.objects.create(
        payment=payment, kind=MoneyOperation.Kind.CAPTURE, amount=4_000, next_attempt_at=now, created_at=now
    )
    gateway.capture_payment_intent(payment.stripe_payment_intent_id, idempotency_key=operation.idempotency_key)
    # The service's retry sends the same key: Stripe replays its answer instead of failing or charging again.
    guest_payments.capture_payment(payment=payment)
    payment.refresh_from_db()
    assert payment.captured_amount == 4_000
    assert ledger.escrow_balance(reference="booking:1", currency="EUR") == 4_000


def test_declined_card_gives_a_clear_message_and_moves_no_money(ledger_checked):
    with pytest.raises(PaymentFailed) as caught:
        authorize(number=DECLINED)
    assert caught.value.message == "Your card was declined. Try another card or contact your bank."
    assert caught.value.status_code == 402
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.FAILED
    assert payment.captured_amount == 0
    assert not LedgerEntry.objects.exists()
    with pytest.raises(PaymentStateError):
        guest_payments.capture_payment(payment=payment)


def test_3d_secure_card_needs_action_then_is_authorised(localstripe, ledger_checked):
    payment = authorize(number=THREE_D_SECURE)
    assert payment.status == Payment.Status.REQUIRES_ACTION
    assert payment.client_secret.startswith(payment.stripe_payment_intent_id + "_secret_")
    with pytest.raises(PaymentStateError):
        guest_payments.capture_payment(payment=payment)

    complete_3d_secure(localstripe, payment.stripe_payment_intent_id, payment.client_secret)
    payment = guest_payments.refresh_payment(payment=payment)
    assert payment.status == Payment.Status.AUTHORIZED
    payment = guest_payments.capture_payment(payment=payment)
    assert payment.captured_amount == payment.amount


def test_failed_3d_secure_marks_the_payment_failed(localstripe, ledger_checked):
    payment = authorize(number=THREE_D_SECURE)
    complete_3d_secure(localstripe, payment.stripe_payment_intent_id, payment.client_secret, success=False)
    payment = guest_payments.refresh_payment(payment=payment)
    assert payment.status == Payment.Status.FAILED
    assert "authentication" in payment.failure_message


def test_cancel_releases_the_authorisation(ledger_checked):
    payment = guest_payments.cancel_payment(payment=authorize())
    assert payment.status == Payment.Status.CANCELED
    assert gateway.retrieve_payment_intent(payment.stripe_payment_intent_id).status == "canceled"
    assert guest_payments.cancel_payment(payment=payment).status == Payment.Status.CANCELED  # twice: no-op
    assert not LedgerEntry.objects.exists()


def test_a_charged_payment_cannot_be_cancelled(ledger_checked):
    payment = guest_payments.capture_payment(payment=authorize())
    with pytest.raises(PaymentStateError, match="refund it instead"):
        guest_payments.cancel_payment(payment=payment)


def test_refunds_are_exact_and_add_up(ledger_checked):
    payment = guest_payments.capture_payment(payment=authorize(10_001))
    guest_payments.refund_payment(payment=payment, amount=3_333)
    payment = guest_payments.refund_payment(payment=payment, amount=1)
    intent = gateway.retrieve_payment_intent(payment.stripe_payment_intent_id)
    charge = gateway.retrieve_charge(gateway.latest_charge_id(intent))
    assert charge.amount_refunded == 3_334
    assert payment.refunded_amount == 3_334
    assert payment.escrow_amount == 6_667
    assert ledger.escrow_balance(reference="booking:1", currency="EUR") == 6_667
    assert ledger.balance(REFUNDS_PAID, currency="EUR") == 3_334


def test_refund_over_what_is_held_is_refused_and_changes_nothing(ledger_checked):
    payment = guest_payments.capture_payment(payment=authorize(2_000))
    guest_payments.refund_payment(payment=payment, amount=1_500)
    with pytest.raises(PaymentStateError, match=r"only €5\.00"):
        guest_payments.refund_payment(payment=payment, amount=501)
    payment.refresh_from_db()
    assert payment.refunded_amount == 1_500


@pytest.mark.parametrize("amount", [0, -5, 10.5, "100", True])
def test_refund_amount_must_be_positive_whole_cents(amount, ledger_checked):
    payment = guest_payments.capture_payment(payment=authorize(2_000))
    with pytest.raises(DomainError, match="positive amount in cents"):
        guest_payments.refund_payment(payment=payment, amount=amount)


def test_an_uncharged_payment_cannot_be_refunded(ledger_checked):
    with pytest.raises(PaymentStateError):
        guest_payments.refund_payment(payment=authorize(), amount=100)


def test_same_authorisation_key_creates_one_payment_intent():
    method = card()
    key = gateway.idempotency_key("booking", 42, "authorize")
    first = gateway.create_payment_intent(amount=900, currency="EUR", payment_method=method, idempotency_key=key)
    second = gateway.create_payment_intent(amount=900, currency="EUR", payment_method=method, idempotency_key=key)
    assert first.id == second.id
    with pytest.raises(PaymentFailed, match="already attempted with different details"):
        gateway.create_payment_intent(amount=901, currency="EUR", payment_method=method, idempotency_key=key)


def test_idempotency_keys_are_derived_from_object_and_action():
    assert gateway.idempotency_key("booking", 42, "capture") == "sharing:booking:42:capture"
    assert gateway.idempotency_key("payment", 7, "refund", 0, 500) == "sharing:payment:7:refund:0:500"
    with pytest.raises(ValueError, match="free of ':'"):
        gateway.idempotency_key("booking", "4:2", "capture")


def test_invalid_input_is_refused_before_stripe_is_called():
    with pytest.raises(DomainError, match="positive amount"):
        guest_payments.authorize_payment(
            payer=make_user(), amount=0, currency="EUR", reference="booking:1", payment_method="pm_x"
        )
    with pytest.raises(DomainError, match="card details"):
        guest_payments.authorize_payment(
            payer=make_user(), amount=10, currency="EUR", reference="booking:1", payment_method=""
        )
    assert not Payment.objects.exists()


def test_unreachable_stripe_is_a_clear_error(settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens on the discard port
    with pytest.raises(PaymentFailed, match="not answering"):
        gateway.retrieve_payment_intent("pi_missing")


@pytest.mark.stripe_in_caller_transaction  # a caller breaking the rule must still not charge twice
def test_an_authorisation_rolled_back_by_the_caller_does_not_poison_the_next_one(ledger_checked):
    # A booking transaction that fails after authorising rolls the Payment row back; SQLite may
    # then reuse its id. Keys come from the payment's UUID, so the next attempt is a new one.
    with pytest.raises(RuntimeError), transaction.atomic():
        authorize(1_000)
        raise RuntimeError("the booking could not be saved")
    payment = authorize(2_000)
    assert payment.status == Payment.Status.AUTHORIZED
    assert gateway.retrieve_payment_intent(payment.stripe_payment_intent_id).amount == 2_000


def test_a_refund_retried_after_a_rollback_refunds_once(ledger_checked):
    payment = guest_payments.capture_payment(payment=authorize(5_000))
    with pytest.raises(RuntimeError), transaction.atomic():
        guest_payments.refund_payment(payment=payment, amount=2_000)
        raise RuntimeError("the cancellation could not be saved")
    payment.refresh_from_db()
    assert payment.refunded_amount == 0
    guest_payments.refund_payment(payment=payment, amount=2_000)  # same state, same key: Stripe replays its refund
    intent = gateway.retrieve_payment_intent(payment.stripe_payment_intent_id)
    assert gateway.retrieve_charge(gateway.latest_charge_id(intent)).amount_refunded == 2_000
    assert ledger.balance(REFUNDS_PAID, currency="EUR") == 2_000


def test_an_authorised_payment_can_be_pointed_at_the_booking_made_after_it(ledger_checked):
    payment = authorize(3_000, reference="checkout:abc")
    payment = guest_payments.set_payment_reference(payment=payment, reference="booking:77")
    guest_payments.capture_payment(payment=payment)
    assert ledger.escrow_balance(reference="booking:77", currency="EUR") == 3_000
    with pytest.raises(PaymentStateError, match="no longer"):
        guest_payments.set_payment_reference(payment=payment, reference="booking:78")
    with pytest.raises(DomainError, match="at most 64"):
        guest_payments.set_payment_reference(payment=authorize(100), reference="x" * 65)
