"""What the harness adds to localstripe behaves like Stripe: Connect accounts, transfers, idempotency keys."""

from __future__ import annotations

import pytest
import requests

from payments import gateway
from payments.errors import PaymentFailed
from tests.payments.fixtures import card, fund_platform, onboard


def auth() -> tuple[str, str]:
    from django.conf import settings

    return (settings.STRIPE_SECRET_KEY, "")


def new_account() -> str:
    return gateway.create_connected_account(
        email="host@example.com", country="FR", idempotency_key=gateway.idempotency_key("test", "acct", "create")
    ).id


def test_new_express_account_cannot_receive_until_onboarded(localstripe):
    account_id = new_account()
    account = gateway.retrieve_account(account_id)
    assert account.type == "express"
    assert (account.charges_enabled, account.payouts_enabled, account.details_submitted) == (False, False, False)
    with pytest.raises(PaymentFailed, match="capabilities"):
        gateway.create_transfer(amount=100, currency="EUR", destination=account_id, idempotency_key="t-before")
    onboard(localstripe, account_id)
    account = gateway.retrieve_account(account_id)
    assert (account.charges_enabled, account.payouts_enabled, account.details_submitted) == (True, True, True)


def test_account_link_page_onboards_and_returns_to_our_site(localstripe):
    account_id = new_account()
    link = gateway.create_account_link(
        account_id=account_id, refresh_url="http://testserver/refresh", return_url="http://testserver/back"
    )
    assert link.url.startswith(f"{localstripe}/_config/onboarding/{account_id}?")
    assert "Complete onboarding" in requests.get(link.url, timeout=5).text
    response = requests.post(link.url, allow_redirects=False, timeout=5)
    assert response.headers["Location"] == "http://testserver/back"
    assert gateway.retrieve_account(account_id).payouts_enabled


def test_account_link_needs_http_urls():
    with pytest.raises(PaymentFailed, match="return_url"):
        gateway.create_account_link(
            account_id=new_account(), refresh_url="http://x/r", return_url="javascript:alert(1)"
        )


def test_same_key_same_path_replays_without_a_second_side_effect(localstripe):
    fund_platform(2_000)
    account_id = new_account()
    onboard(localstripe, account_id)
    body = {"amount": "700", "currency": "eur", "destination": account_id, "transfer_group": "booking:9"}
    headers = {"Idempotency-Key": "same-key"}
    first = requests.post(f"{localstripe}/v1/transfers", data=body, headers=headers, auth=auth(), timeout=5)
    second = requests.post(f"{localstripe}/v1/transfers", data=body, headers=headers, auth=auth(), timeout=5)
    assert first.json() == second.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    transfers = requests.get(
        f"{localstripe}/v1/transfers", params={"destination": account_id}, auth=auth(), timeout=5
    ).json()["data"]
    assert [t["id"] for t in transfers] == [first.json()["id"]]

    other = requests.post(
        f"{localstripe}/v1/transfers", data={**body, "amount": "800"}, headers=headers, auth=auth(), timeout=5
    )
    assert other.status_code == 400
    assert other.json()["error"]["type"] == "idempotency_error"


def test_errors_are_replayed_too(localstripe):
    headers = {"Idempotency-Key": "bad-transfer"}
    body = {"amount": "700", "currency": "eur", "destination": "acct_missing"}
    first = requests.post(f"{localstripe}/v1/transfers", data=body, headers=headers, auth=auth(), timeout=5)
    second = requests.post(f"{localstripe}/v1/transfers", data=body, headers=headers, auth=auth(), timeout=5)
    assert first.status_code == second.status_code == 404


def test_transfer_reversals_are_bounded_by_the_transfer(localstripe):
    fund_platform(2_000)
    account_id = new_account()
    onboard(localstripe, account_id)
    transfer = gateway.create_transfer(
        amount=1_000, currency="EUR", destination=account_id, idempotency_key="t1", metadata={"payout": "1"}
    )
    gateway.reverse_transfer(transfer_id=transfer.id, amount=600, idempotency_key="r1")
    with pytest.raises(PaymentFailed, match="exceeds the remaining unreversed amount of 400"):
        gateway.reverse_transfer(transfer_id=transfer.id, amount=401, idempotency_key="r2")
    gateway.reverse_transfer(transfer_id=transfer.id, amount=400, idempotency_key="r3")
    transfer = gateway.retrieve_transfer(transfer.id)
    assert transfer.amount_reversed == 1_000
    assert transfer.reversed is True
    assert len(transfer.reversals.data) == 2


def test_webhooks_can_be_registered(localstripe):
    response = requests.post(
        f"{localstripe}/_config/webhooks/sharing",
        data={
            "url": "http://127.0.0.1:1/payments/stripe/webhook/",
            "secret": "whsec_x",
            "events[]": ["account.updated"],
        },
        timeout=5,
    )
    assert response.status_code == 200
    refused = requests.post(f"{localstripe}/_config/webhooks/bad", data={"url": "ftp://x", "secret": "s"}, timeout=5)
    assert refused.status_code == 400


def events_about(localstripe: str, event_type: str, object_id: str) -> list[dict]:
    events = requests.get(
        f"{localstripe}/v1/events", params={"type": event_type, "limit": 10_000}, auth=auth(), timeout=5
    ).json()["data"]
    return [event for event in events if event["data"]["object"]["id"] == object_id]


def test_the_harness_emits_the_events_localstripe_lacks(localstripe):
    fund_platform(2_000)
    account_id = new_account()
    onboard(localstripe, account_id)
    assert len(events_about(localstripe, "account.updated", account_id)) == 1
    transfer = gateway.create_transfer(amount=500, currency="EUR", destination=account_id, idempotency_key="ev-t")
    assert len(events_about(localstripe, "transfer.created", transfer.id)) == 1

    intent = gateway.create_payment_intent(amount=900, currency="EUR", payment_method=card(), idempotency_key="ev-pi")
    assert len(events_about(localstripe, "payment_intent.amount_capturable_updated", intent.id)) == 1
    gateway.capture_payment_intent(intent.id, idempotency_key="ev-capture")
    gateway.create_refund(payment_intent_id=intent.id, amount=100, idempotency_key="ev-refund")
    charge_id = gateway.latest_charge_id(gateway.retrieve_payment_intent(intent.id))
    refunded = events_about(localstripe, "charge.refunded", charge_id)
    assert [event["data"]["object"]["amount_refunded"] for event in refunded] == [100]

    other = gateway.create_payment_intent(amount=900, currency="EUR", payment_method=card(), idempotency_key="ev-pi2")
    gateway.cancel_payment_intent(other.id, idempotency_key="ev-cancel")
    assert len(events_about(localstripe, "payment_intent.canceled", other.id)) == 1


def test_a_card_not_saved_to_a_customer_is_refused_for_a_second_payment_intent():
    # As on Stripe: the only way to charge one card twice is to attach it to a Customer first.
    method = card()
    gateway.create_payment_intent(amount=900, currency="EUR", payment_method=method, idempotency_key="first-use")
    with pytest.raises(PaymentFailed, match="It may not be used again"):
        gateway.create_payment_intent(amount=500, currency="EUR", payment_method=method, idempotency_key="second-use")
    customer = gateway.client().v1.customers.create(params={"email": "guest@example.com"})
    saved = card()
    gateway.client().v1.payment_methods.attach(saved, params={"customer": customer.id})
    for key in ("saved-1", "saved-2"):
        intent = gateway.create_payment_intent(
            amount=500, currency="EUR", payment_method=saved, customer=customer.id, idempotency_key=key
        )
        assert intent.status == "requires_capture"
