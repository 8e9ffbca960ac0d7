"""Chargeback webhooks are verified like every event: signature, payload shape, one recording per event id."""

from __future__ import annotations

import json

import pytest
import requests

from payments import gateway
from payments.models import LedgerTransaction, Payment, StripeEvent
from tests.payments.fixtures import signed_event
from tests.payments.helpers import captured_payment

pytestmark = pytest.mark.django_db
URL = "/payments/stripe/webhook/"


def opened_dispute(base: str, payment: Payment) -> dict:
    charge_id = gateway.latest_charge_id(gateway.retrieve_payment_intent(payment.stripe_payment_intent_id))
    return requests.post(f"{base}/_config/charges/{charge_id}/dispute", timeout=5).json()


def post(client, body: bytes, signature: str):
    return client.post(URL, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)


def test_a_dispute_event_with_a_bad_signature_is_refused_and_records_nothing(client, localstripe, ledger_checked):
    payment = captured_payment(7_000)
    dispute = opened_dispute(localstripe, payment)
    body, _ = signed_event("charge.dispute.funds_withdrawn", dispute)
    _, forged = signed_event("charge.dispute.funds_withdrawn", dispute, secret="whsec_forger")
    response = post(client, body, forged)
    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid Stripe signature."}
    assert not StripeEvent.objects.exists()
    payment.refresh_from_db()
    assert payment.chargeback_status == Payment.Chargeback.NONE


def test_a_signed_dispute_event_naming_no_object_is_a_400(client, ledger_checked):
    body, signature = signed_event("charge.dispute.closed", {"status": "lost"})
    response = post(client, body, signature)
    assert response.status_code == 400
    assert response.json() == {"detail": "The event names no object."}
    assert not StripeEvent.objects.exists()


def test_a_body_that_is_not_json_is_a_400(client):
    _, signature = signed_event("charge.dispute.closed", {"id": "dp_x"})
    assert post(client, b"{not json", signature).status_code == 400


def test_the_same_withdrawal_event_delivered_twice_is_recorded_once(client, localstripe, ledger_checked):
    payment = captured_payment(7_000)
    dispute = opened_dispute(localstripe, payment)
    body, signature = signed_event("charge.dispute.funds_withdrawn", dispute, event_id="evt_withdrawn_once")
    assert post(client, body, signature).json() == {"status": "processed"}
    count = LedgerTransaction.objects.count()
    assert post(client, body, signature).json() == {"status": "already processed"}
    assert LedgerTransaction.objects.count() == count
    payment.refresh_from_db()
    assert payment.chargeback_status == Payment.Chargeback.OPEN
    assert payment.chargeback_amount == 7_000
    assert json.loads(body)["id"] == StripeEvent.objects.get().event_id
