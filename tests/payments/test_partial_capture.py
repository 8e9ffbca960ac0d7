"""Charging less than the card holds (an on-demand job held at the estimate, charged at the exact fare)."""

from __future__ import annotations

import pytest

from core.errors import DomainError
from payments import gateway, ledger
from payments.errors import PaymentStateError
from payments.models import ESCROW, GUEST_FUNDING, REFUNDS_PAID, LedgerEntry, Payment
from payments.services import guest_payments
from tests.conftest import make_user
from tests.payments.fixtures import card
from tests.payments.test_webhooks import deliver

pytestmark = pytest.mark.django_db


def held(amount: int = 10_000, reference: str = "booking:7") -> Payment:
    return guest_payments.authorize_payment(
        payer=make_user(), amount=amount, currency="EUR", reference=reference, payment_method=card()
    )


def charge_of(payment: Payment):
    intent = gateway.retrieve_payment_intent(payment.stripe_payment_intent_id)
    return intent, gateway.retrieve_charge(gateway.latest_charge_id(intent))


def test_a_partial_capture_charges_and_records_only_the_amount_asked(ledger_checked):
    payment = guest_payments.capture_payment(payment=held(10_000), amount=7_300)

    assert (payment.status, payment.amount, payment.captured_amount) == (Payment.Status.CAPTURED, 10_000, 7_300)
    intent, charge = charge_of(payment)
    assert intent.status == "succeeded"
    assert intent.amount_received == 7_300 and intent.amount_capturable == 0
    assert charge.amount_captured == 7_300
    # Stripe reports the uncaptured rest of the hold as refunded: it went back to the card, never charged.
    assert charge.amount_refunded == 2_700
    assert ledger.escrow_balance(reference="booking:7", currency="EUR") == 7_300
    assert ledger.balance(GUEST_FUNDING, currency="EUR") == -7_300
    assert ledger.balance(REFUNDS_PAID, currency="EUR") == 0


def test_capturing_the_full_hold_sends_no_amount_and_a_second_partial_capture_is_a_no_op(ledger_checked):
    payment = guest_payments.capture_payment(payment=held(5_000), amount=5_000)
    assert payment.captured_amount == 5_000
    assert charge_of(payment)[0].amount_received == 5_000
    guest_payments.capture_payment(payment=payment, amount=4_000)
    payment.refresh_from_db()
    assert payment.captured_amount == 5_000
    assert LedgerEntry.objects.filter(account=ESCROW).count() == 1


def test_charging_more_than_the_hold_is_refused_and_the_card_stays_held(ledger_checked):
    payment = held(5_000)
    with pytest.raises(PaymentStateError, match=r"Only €50\.00 is held"):
        guest_payments.capture_payment(payment=payment, amount=5_001)
    with pytest.raises(DomainError, match="positive amount"):
        guest_payments.capture_payment(payment=payment, amount=0)
    payment.refresh_from_db()
    assert (payment.status, payment.captured_amount) == (Payment.Status.AUTHORIZED, 0)
    assert charge_of(payment)[0].status == "requires_capture"
    assert not LedgerEntry.objects.exists()


def test_the_harness_refuses_to_capture_more_than_the_hold_as_stripe_does():
    payment = held(5_000)
    with pytest.raises(DomainError):
        gateway.capture_payment_intent(
            payment.stripe_payment_intent_id, idempotency_key="over", amount_to_capture=6_000
        )
    assert charge_of(payment)[0].status == "requires_capture"


def test_only_what_was_captured_can_be_refunded(ledger_checked):
    payment = guest_payments.capture_payment(payment=held(10_000), amount=6_000)
    with pytest.raises(PaymentStateError, match=r"only €60\.00"):
        guest_payments.refund_payment(payment=payment, amount=6_001)
    # Stripe itself refuses too: the released rest of the hold is not refundable money.
    with pytest.raises(DomainError):
        gateway.create_refund(payment_intent_id=payment.stripe_payment_intent_id, amount=6_001, idempotency_key="x")
    payment = guest_payments.refund_payment(payment=payment, amount=6_000)
    assert payment.refunded_amount == 6_000
    assert charge_of(payment)[1].amount_refunded == 10_000
    assert ledger.escrow_balance(reference="booking:7", currency="EUR") == 0
    assert ledger.balance(REFUNDS_PAID, currency="EUR") == 6_000


def test_stripes_refund_event_for_the_released_rest_records_no_refund(client, ledger_checked):
    payment = guest_payments.capture_payment(payment=held(10_000), amount=8_000)
    deliver(client, "charge.refunded", charge_of(payment)[1].to_dict())
    payment.refresh_from_db()
    assert payment.refunded_amount == 0
    assert ledger.escrow_balance(reference="booking:7", currency="EUR") == 8_000
    # A real refund made in the dashboard afterwards is still recorded, once.
    gateway.create_refund(payment_intent_id=payment.stripe_payment_intent_id, amount=1_500, idempotency_key="dash")
    deliver(client, "charge.refunded", charge_of(payment)[1].to_dict())
    payment.refresh_from_db()
    assert payment.refunded_amount == 1_500
    assert ledger.escrow_balance(reference="booking:7", currency="EUR") == 6_500
