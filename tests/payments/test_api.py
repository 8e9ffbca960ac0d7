"""The payments API: hosts see their payout account, payers only their own payments."""

from __future__ import annotations

import pytest

from payments.services import guest_payments
from tests.conftest import make_user
from tests.payments.fixtures import THREE_D_SECURE, card, complete_3d_secure

pytestmark = pytest.mark.django_db


def test_api_needs_login(client):
    assert client.get("/api/v1/payments/payout-account").status_code == 401


def test_host_starts_onboarding_and_sees_the_account(client, localstripe):
    host = make_user()
    client.force_login(host)
    # No country known yet: the API says what is missing (the app sets it on the profile, PATCH /people/me).
    refused = client.post("/api/v1/payments/payout-account/onboarding")
    assert refused.status_code == 400
    assert refused.json()["field"] == "country"
    host.country = "FR"
    host.save(update_fields=["country"])
    assert client.get("/api/v1/payments/payout-account").json() == {
        "has_account": False,
        "can_receive_payouts": False,
        "payouts": [],
    }
    response = client.post("/api/v1/payments/payout-account/onboarding")
    assert response.status_code == 200
    assert response.json()["url"].startswith(f"{localstripe}/_config/onboarding/acct_")
    assert client.get("/api/v1/payments/payout-account").json()["has_account"] is True


def test_payer_finishes_3d_secure_through_the_api(client, localstripe, ledger_checked):
    payer = make_user()
    payment = guest_payments.authorize_payment(
        payer=payer, amount=2_000, currency="EUR", reference="booking:1", payment_method=card(THREE_D_SECURE)
    )
    client.force_login(payer)
    detail = client.get(f"/api/v1/payments/{payment.pk}").json()
    assert detail["status"] == "requires_action"
    complete_3d_secure(localstripe, payment.stripe_payment_intent_id, detail["client_secret"])
    refreshed = client.post(f"/api/v1/payments/{payment.pk}/refresh").json()
    assert refreshed["status"] == "authorized"
    assert refreshed["client_secret"] == ""


def test_someone_elses_payment_is_not_found(client, ledger_checked):
    payment = guest_payments.authorize_payment(
        payer=make_user(), amount=2_000, currency="EUR", reference="booking:1", payment_method=card()
    )
    client.force_login(make_user())
    response = client.get(f"/api/v1/payments/{payment.pk}")
    assert response.status_code == 404
    assert response.json()["detail"] == "No such payment."
    assert client.post(f"/api/v1/payments/{payment.pk}/refresh").status_code == 404
