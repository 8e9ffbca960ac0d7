"""The Stripe webhook endpoint: verified, recorded once, tolerant of order, retried on failure."""

from __future__ import annotations

from unittest import mock

import pytest
import requests
from django.core.management import call_command
from django.urls import reverse

from payments import gateway, ledger
from payments.models import LedgerEntry, Payment, StripeEvent
from payments.services import guest_payments
from tests.payments.fixtures import card, signed_event
from tests.payments.helpers import captured_payment

pytestmark = pytest.mark.django_db
URL = "/payments/stripe/webhook/"


def deliver(client, event_type: str, obj: dict, **kwargs):
    body, signature = signed_event(event_type, obj, **kwargs)
    return client.post(URL, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)


def authorised_payment() -> Payment:
    from tests.conftest import make_user

    return guest_payments.authorize_payment(
        payer=make_user(), amount=6_000, currency="EUR", reference="booking:3", payment_method=card()
    )


def test_the_url_is_the_documented_one():
    assert reverse("payments:stripe_webhook") == URL


def test_bad_signature_is_refused_with_a_message(client):
    body, _ = signed_event("payment_intent.succeeded", {"id": "pi_x"})
    _, wrong = signed_event("payment_intent.succeeded", {"id": "pi_x"}, secret="whsec_someone_else")
    response = client.post(URL, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=wrong)
    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid Stripe signature."}
    assert not StripeEvent.objects.exists()


def test_missing_signature_is_refused(client):
    body, _ = signed_event("payment_intent.succeeded", {"id": "pi_x"})
    response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_tampered_body_is_refused(client):
    body, signature = signed_event("charge.refunded", {"id": "ch_x", "amount_refunded": 1})
    response = client.post(
        URL,
        body.replace(b'"amount_refunded": 1', b'"amount_refunded": 9'),
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature,
    )
    assert response.status_code == 400


def test_only_post_is_allowed(client):
    assert client.get(URL).status_code == 405


def test_unknown_event_type_is_acknowledged_and_ignored(client):
    response = deliver(client, "customer.tax_id.created", {"id": "txi_1"})
    assert response.status_code == 200
    assert StripeEvent.objects.get().status == StripeEvent.Status.IGNORED


def test_capture_reported_by_webhook_is_recorded(client, ledger_checked):
    payment = authorised_payment()
    # Captured elsewhere (e.g. the process died after Stripe answered): Stripe's event brings the site in line.
    gateway.capture_payment_intent(payment.stripe_payment_intent_id, idempotency_key="outside-capture")
    intent = gateway.retrieve_payment_intent(payment.stripe_payment_intent_id)
    assert deliver(client, "payment_intent.succeeded", intent.to_dict()).status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CAPTURED
    assert ledger.escrow_balance(reference="booking:3", currency="EUR") == 6_000


def test_replayed_event_is_processed_once(client, ledger_checked):
    payment = authorised_payment()
    gateway.capture_payment_intent(payment.stripe_payment_intent_id, idempotency_key="outside-capture")
    intent = gateway.retrieve_payment_intent(payment.stripe_payment_intent_id).to_dict()
    first = deliver(client, "payment_intent.succeeded", intent, event_id="evt_replayed")
    second = deliver(client, "payment_intent.succeeded", intent, event_id="evt_replayed")
    assert first.status_code == second.status_code == 200
    assert second.json() == {"status": "already processed"}
    event = StripeEvent.objects.get()
    assert event.attempts == 1
    assert LedgerEntry.objects.filter(account="escrow").count() == 1


def test_out_of_order_events_leave_the_latest_state(client, ledger_checked):
    payment = authorised_payment()
    stale = gateway.retrieve_payment_intent(payment.stripe_payment_intent_id).to_dict()  # requires_capture
    guest_payments.capture_payment(payment=payment)
    fresh = gateway.retrieve_payment_intent(payment.stripe_payment_intent_id).to_dict()  # succeeded
    # Stripe delivers "succeeded" first and the older "amount_capturable_updated" afterwards.
    deliver(client, "payment_intent.succeeded", fresh)
    deliver(client, "payment_intent.amount_capturable_updated", stale)
    # Even an event whose payload claims "canceled" cannot undo a capture: the handler re-reads Stripe.
    deliver(client, "payment_intent.canceled", {**stale, "status": "canceled"})
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CAPTURED
    assert payment.captured_amount == 6_000
    assert StripeEvent.objects.filter(status=StripeEvent.Status.PROCESSED).count() == 3


def test_cancellation_event_marks_an_authorisation_released(client, ledger_checked):
    payment = authorised_payment()
    gateway.cancel_payment_intent(payment.stripe_payment_intent_id, idempotency_key="outside-cancel")
    intent = gateway.retrieve_payment_intent(payment.stripe_payment_intent_id)
    deliver(client, "payment_intent.canceled", intent.to_dict())
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELED


def test_refund_made_in_the_dashboard_is_recorded_once(client, ledger_checked):
    payment = captured_payment(9_000, reference="booking:4")
    gateway.create_refund(payment_intent_id=payment.stripe_payment_intent_id, amount=2_500, idempotency_key="dash")
    charge_id = gateway.latest_charge_id(gateway.retrieve_payment_intent(payment.stripe_payment_intent_id))
    charge = gateway.retrieve_charge(charge_id).to_dict()
    deliver(client, "charge.refunded", charge)
    deliver(client, "charge.refunded", charge)  # a second, distinct event with the same state
    payment.refresh_from_db()
    assert payment.refunded_amount == 2_500
    assert ledger.escrow_balance(reference="booking:4", currency="EUR") == 6_500


def test_refund_made_by_the_site_is_not_counted_again(client, ledger_checked):
    payment = guest_payments.refund_payment(payment=captured_payment(9_000), amount=1_000)
    charge_id = gateway.latest_charge_id(gateway.retrieve_payment_intent(payment.stripe_payment_intent_id))
    deliver(client, "charge.refunded", gateway.retrieve_charge(charge_id).to_dict())
    payment.refresh_from_db()
    assert payment.refunded_amount == 1_000


def test_chargeback_freezes_the_payout(client, localstripe, ledger_checked):
    payment = captured_payment(7_000)
    charge_id = gateway.latest_charge_id(gateway.retrieve_payment_intent(payment.stripe_payment_intent_id))
    dispute = requests.post(f"{localstripe}/_config/charges/{charge_id}/dispute", timeout=5).json()
    deliver(client, "charge.dispute.created", dispute)
    payment.refresh_from_db()
    assert payment.frozen
    assert payment.stripe_dispute_id == dispute["id"]
    assert "Chargeback" in payment.frozen_reason


def test_processing_error_keeps_the_event_for_retry(client, ledger_checked):
    # An event about a payment whose PaymentIntent Stripe does not know: the re-fetch fails.
    payment = authorised_payment()
    Payment.objects.filter(pk=payment.pk).update(stripe_payment_intent_id="pi_unknown_to_stripe")
    response = deliver(client, "payment_intent.succeeded", {"id": "pi_unknown_to_stripe"}, event_id="evt_fails")
    assert response.status_code == 200
    event = StripeEvent.objects.get(event_id="evt_fails")
    assert event.status == StripeEvent.Status.FAILED
    assert "PaymentFailed" in event.last_error

    # Once the cause is fixed, the retry command processes it.
    Payment.objects.filter(pk=payment.pk).update(stripe_payment_intent_id=payment.stripe_payment_intent_id)
    event.payload["data"]["object"]["id"] = payment.stripe_payment_intent_id
    event.save(update_fields=["payload"])
    assert event.next_attempt_at is not None  # backing off: the next run leaves it alone until then
    with mock.patch("django.utils.timezone.now", return_value=event.next_attempt_at):
        call_command("retry_stripe_events")
    event.refresh_from_db()
    assert event.status == StripeEvent.Status.PROCESSED
    assert event.attempts == 2


def test_delivery_of_a_failed_event_again_retries_it(client, ledger_checked):
    payment = authorised_payment()
    Payment.objects.filter(pk=payment.pk).update(stripe_payment_intent_id="pi_unknown_to_stripe")
    deliver(client, "payment_intent.succeeded", {"id": "pi_unknown_to_stripe"}, event_id="evt_again")
    response = deliver(client, "payment_intent.succeeded", {"id": "pi_unknown_to_stripe"}, event_id="evt_again")
    assert response.json() == {"status": "failed"}
    assert StripeEvent.objects.get(event_id="evt_again").attempts == 2


def test_events_about_unknown_payments_are_acknowledged(client):
    response = deliver(client, "payment_intent.succeeded", {"id": "pi_not_ours"})
    assert response.status_code == 200
    assert StripeEvent.objects.get().status == StripeEvent.Status.PROCESSED


def test_3d_secure_finished_in_the_browser_is_learnt_from_the_webhook(client, localstripe, ledger_checked):
    from tests.conftest import make_user
    from tests.payments.fixtures import THREE_D_SECURE, complete_3d_secure

    payment = guest_payments.authorize_payment(
        payer=make_user(), amount=3_000, currency="EUR", reference="booking:5", payment_method=card(THREE_D_SECURE)
    )
    complete_3d_secure(localstripe, payment.stripe_payment_intent_id, payment.client_secret)
    intent = gateway.retrieve_payment_intent(payment.stripe_payment_intent_id)
    deliver(client, "payment_intent.amount_capturable_updated", intent.to_dict())
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AUTHORIZED


def test_failed_authentication_reported_by_webhook_marks_the_payment_failed(client, localstripe, ledger_checked):
    from tests.conftest import make_user
    from tests.payments.fixtures import THREE_D_SECURE, complete_3d_secure

    payment = guest_payments.authorize_payment(
        payer=make_user(), amount=3_000, currency="EUR", reference="booking:5", payment_method=card(THREE_D_SECURE)
    )
    complete_3d_secure(localstripe, payment.stripe_payment_intent_id, payment.client_secret, success=False)
    intent = gateway.retrieve_payment_intent(payment.stripe_payment_intent_id)
    deliver(client, "payment_intent.payment_failed", intent.to_dict())
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert not LedgerEntry.objects.exists()
