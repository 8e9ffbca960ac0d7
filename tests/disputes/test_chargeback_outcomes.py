"""A chargeback to the end: the bank withdraws, rules (won or lost), and the ledger, payout and dispute follow."""

from __future__ import annotations

from io import StringIO

import pytest
import requests
from django.core.management import call_command

from disputes.models import Dispute
from payments import gateway, ledger
from payments.errors import PaymentStateError
from payments.models import (
    CHARGEBACK_COVER,
    CHARGEBACKS_HELD,
    CHARGEBACKS_LOST,
    DISPUTE_FEES,
    ESCROW,
    PAYOUTS_PAID,
    LedgerTransaction,
    Payment,
    Payout,
)
from payments.services import guest_payments
from tests.disputes.helpers import paid_booking, payment_of, released_booking
from tests.payments.fixtures import signed_event

pytestmark = pytest.mark.django_db
URL = "/payments/stripe/webhook/"
FEE = 1500  # the harness's dispute fee (devtools/stripe_balances.py)


def deliver_events(client, dispute_id: str, delivered: set[str]) -> None:
    """Post to the webhook every event about the dispute that the harness emitted and we have not posted yet."""
    # Every page: the harness lives for the whole session, so a busy run has far more than 100 events.
    for event in gateway.client().v1.events.list(params={"limit": 100}).auto_paging_iter():
        obj = event.data.object
        if event.id in delivered or not event.type.startswith("charge.dispute.") or obj.id != dispute_id:
            continue
        delivered.add(event.id)
        body, signature = signed_event(event.type, obj.to_dict(), event_id=event.id)
        response = client.post(URL, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)
        assert response.status_code == 200, response.content


def open_chargeback(client, base: str, payment: Payment, *, reason: str) -> tuple[str, set[str]]:
    charge_id = gateway.latest_charge_id(gateway.retrieve_payment_intent(payment.stripe_payment_intent_id))
    dispute = requests.post(f"{base}/_config/charges/{charge_id}/dispute", data={"reason": reason}, timeout=5).json()
    delivered: set[str] = set()
    deliver_events(client, dispute["id"], delivered)
    call_command("open_chargeback_disputes", stdout=StringIO())
    return dispute["id"], delivered


def close_chargeback(client, base: str, dispute: tuple[str, set[str]], outcome: str) -> None:
    response = requests.post(f"{base}/_config/disputes/{dispute[0]}/close", data={"outcome": outcome}, timeout=5)
    response.raise_for_status()
    deliver_events(client, *dispute)


def balances(reference: str, currency: str) -> dict[str, int]:
    accounts = (ESCROW, CHARGEBACK_COVER, CHARGEBACKS_HELD, CHARGEBACKS_LOST, DISPUTE_FEES, PAYOUTS_PAID)
    return {a: ledger.balance(a, currency=currency, reference=reference) for a in accounts}


def test_a_won_chargeback_reinstates_the_funds_and_the_dispute_shows_it(client, stripe_api):
    booking = paid_booking()
    payment = payment_of(booking)
    dispute = open_chargeback(client, stripe_api, payment, reason="fraudulent")

    payment.refresh_from_db()
    amount = payment.captured_amount
    assert payment.chargeback_status == Payment.Chargeback.OPEN
    assert (payment.chargeback_amount, payment.chargeback_fee) == (amount, FEE)
    held = balances(payment.reference, payment.currency)
    assert held[CHARGEBACKS_HELD] == amount and held[DISPUTE_FEES] == FEE
    assert held[CHARGEBACK_COVER] == -(amount + FEE)
    assert not ledger.check_ledger()

    close_chargeback(client, stripe_api, dispute, "won")
    payment.refresh_from_db()
    assert payment.chargeback_status == Payment.Chargeback.WON
    after = balances(payment.reference, payment.currency)
    assert after[CHARGEBACKS_HELD] == 0 and after[CHARGEBACKS_LOST] == 0
    assert after[CHARGEBACK_COVER] == -FEE  # only the fee stays Sharing's cost
    assert after[ESCROW] == amount  # the guest's money is still held for the booking, untouched
    assert not ledger.check_ledger()

    internal = Dispute.objects.get(stripe_dispute_id=dispute[0])
    page = client_for(client, booking.listing.owner).get(internal.get_absolute_url())
    assert page.status_code == 200
    assert "Chargeback won: the bank gave the money back" in page.content.decode()


def test_a_lost_chargeback_about_the_stay_claws_the_sent_payout_back(client, stripe_api):
    booking = released_booking()
    payment = payment_of(booking)
    payout = payment.payouts.get()
    assert payout.status == Payout.Status.PAID
    amount = payment.captured_amount
    paid_to_host = payment.host_payout_amount
    dispute = open_chargeback(client, stripe_api, payment, reason="product_not_received")
    close_chargeback(client, stripe_api, dispute, "lost")

    payment.refresh_from_db()
    assert payment.chargeback_status == Payment.Chargeback.LOST
    assert payment.chargeback_recovered == amount
    payout.refresh_from_db()
    assert payout.reversed_amount == paid_to_host  # a Stripe transfer reversal took it back
    transfer = gateway.client().v1.transfers.retrieve(payout.stripe_transfer_id)
    assert transfer.amount_reversed == paid_to_host
    after = balances(payment.reference, payment.currency)
    assert after[CHARGEBACKS_LOST] == amount and after[CHARGEBACKS_HELD] == 0
    assert after[CHARGEBACK_COVER] == -FEE  # repaid but for the fee, Sharing's cost by the rule
    assert after[ESCROW] == 0
    assert not ledger.check_ledger()

    internal = Dispute.objects.get(stripe_dispute_id=dispute[0])
    text = client_for(client, booking.guest).get(internal.get_absolute_url()).content.decode()
    assert "Chargeback lost: the card holder keeps the money" in text


def test_a_lost_fraud_chargeback_leaves_the_host_payout_alone(client, stripe_api):
    booking = released_booking()
    payment = payment_of(booking)
    payout = payment.payouts.get()
    dispute = open_chargeback(client, stripe_api, payment, reason="fraudulent")
    close_chargeback(client, stripe_api, dispute, "lost")

    payment.refresh_from_db()
    payout.refresh_from_db()
    assert payment.chargeback_status == Payment.Chargeback.LOST
    assert payout.reversed_amount == 0
    # Sharing recovers only what the booking still held (nothing here: the payout and its fee were released).
    after = balances(payment.reference, payment.currency)
    assert after[CHARGEBACK_COVER] == -(payment.chargeback_amount + FEE) + payment.chargeback_recovered
    assert not ledger.check_ledger()


def test_a_refund_under_chargeback_is_refused_before_stripe_with_a_message_for_support(client, stripe_api):
    payment = payment_of(paid_booking())
    dispute = open_chargeback(client, stripe_api, payment, reason="fraudulent")
    before = len(gateway.list_refunds(payment.stripe_payment_intent_id))
    with pytest.raises(PaymentStateError, match="Support: answer the dispute in Stripe's dashboard"):
        guest_payments.refund_payment(payment=Payment.objects.get(pk=payment.pk), amount=1_000)
    assert len(gateway.list_refunds(payment.stripe_payment_intent_id)) == before
    payment.refresh_from_db()
    assert payment.refunded_amount == 0

    close_chargeback(client, stripe_api, dispute, "lost")
    with pytest.raises(PaymentStateError, match="nothing left to refund"):
        guest_payments.refund_payment(payment=Payment.objects.get(pk=payment.pk), amount=1_000)
    assert not ledger.check_ledger()


def test_the_harness_refuses_a_refund_of_a_disputed_charge_like_stripe(client, stripe_api):
    payment = payment_of(paid_booking())
    open_chargeback(client, stripe_api, payment, reason="fraudulent")
    with pytest.raises(Exception, match="charged back"):
        gateway.create_refund(payment_intent_id=payment.stripe_payment_intent_id, amount=500, idempotency_key="x-1")


def test_dispute_events_replayed_or_reordered_are_recorded_once(client, stripe_api):
    payment = payment_of(paid_booking())
    dispute = open_chargeback(client, stripe_api, payment, reason="general")
    close_chargeback(client, stripe_api, dispute, "won")
    stripe_dispute = gateway.retrieve_dispute(dispute[0]).to_dict()
    count = LedgerTransaction.objects.count()
    # A stale "created" arriving last, and every type again under new ids: nothing more is recorded.
    for event_type in ("charge.dispute.closed", "charge.dispute.funds_withdrawn", "charge.dispute.created"):
        body, signature = signed_event(event_type, {**stripe_dispute, "status": "needs_response"})
        assert (
            client.post(URL, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature).status_code == 200
        )
    assert LedgerTransaction.objects.count() == count
    payment.refresh_from_db()
    assert payment.chargeback_status == Payment.Chargeback.WON
    assert not ledger.check_ledger()


def client_for(client, user):
    client.force_login(user)
    return client


def test_a_recovery_interrupted_after_the_webhook_is_finished_by_the_re_driver(client, stripe_api, monkeypatch):
    booking = released_booking()
    payment = payment_of(booking)
    dispute = open_chargeback(client, stripe_api, payment, reason="product_unacceptable")

    def stripe_down(**kwargs):
        raise RuntimeError("Stripe did not answer")

    with monkeypatch.context() as patched:
        patched.setattr("payments.chargebacks.clawback.claw_back", stripe_down)
        close_chargeback(client, stripe_api, dispute, "lost")
    payment.refresh_from_db()
    assert payment.chargeback_status == Payment.Chargeback.LOST
    assert payment.chargeback_recovered == 0  # the after-commit recovery failed: nothing half-done
    assert not ledger.check_ledger()

    out = StringIO()
    call_command("retry_stripe_events", stdout=out)
    assert "lost chargebacks re-driven=1" in out.getvalue()
    payment.refresh_from_db()
    assert payment.chargeback_recovered == payment.chargeback_amount
    assert payment.payouts.get().reversed_amount > 0
    call_command("retry_stripe_events", stdout=StringIO())  # again: nothing more is taken
    assert Payment.objects.get(pk=payment.pk).chargeback_recovered == payment.chargeback_amount
