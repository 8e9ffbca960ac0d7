"""The harness's saved cards behave like Stripe's: SetupIntents attach the card, off-session charges fail like
Stripe's test cards (README "Payments", the harness's list)."""

from __future__ import annotations

import uuid

import pytest
import requests

from payments import gateway
from payments.errors import PaymentFailed
from tests.payments.fixtures import VISA, card

ALWAYS_3DS = "4000002760003184"
SET_UP_ONCE = "4000002500003155"
DECLINED_LATER = "4000000000000341"


def key(action: str) -> str:
    return gateway.idempotency_key("test", uuid.uuid4().hex, action)


def saved(number: str, base: str, *, complete_3d_secure: bool = True) -> tuple[str, str, object]:
    """(customer, payment method, setup intent) for a card saved with a SetupIntent, 3-D Secure done if asked."""
    customer = gateway.create_customer(idempotency_key=key("customer")).id
    method = card(number)
    setup = gateway.create_setup_intent(customer=customer, payment_method=method, idempotency_key=key("setup"))
    if setup.status == "requires_action" and complete_3d_secure:
        response = requests.post(
            f"{base}/v1/setup_intents/{setup.id}/confirm",
            data={"client_secret": setup.client_secret, "key": "pk_test_sharing"},
            timeout=5,
        )
        response.raise_for_status()
        setup = gateway.retrieve_setup_intent(setup.id)
    return customer, method, setup


def charge_off_session(customer: str, method: str, amount: int = 5_000):
    return gateway.create_payment_intent(
        amount=amount,
        currency="EUR",
        payment_method=method,
        customer=customer,
        off_session=True,
        idempotency_key=key("charge"),
    )


def test_a_confirmed_setup_intent_attaches_the_card_to_its_customer(localstripe):
    customer, method, setup = saved(VISA, localstripe)

    assert setup.status == "succeeded"
    assert gateway.client().v1.payment_methods.retrieve(method).customer == customer
    intent = charge_off_session(customer, method)
    assert (intent.status, intent.amount_received) == ("succeeded", 5_000)


def test_a_card_whose_bank_asks_is_saved_only_after_3d_secure(localstripe):
    _customer, method, setup = saved(ALWAYS_3DS, localstripe, complete_3d_secure=False)

    assert setup.status == "requires_action" and setup.client_secret.startswith("seti_")
    assert gateway.client().v1.payment_methods.retrieve(method).customer is None


def test_4000002760003184_asks_for_authentication_on_every_off_session_charge(localstripe):
    customer, method, setup = saved(ALWAYS_3DS, localstripe)
    assert setup.status == "succeeded"

    with pytest.raises(PaymentFailed) as refused:
        charge_off_session(customer, method)
    assert refused.value.code == "authentication_required"


def test_4000002500003155_is_charged_off_session_once_set_up(localstripe):
    customer, method, setup = saved(SET_UP_ONCE, localstripe)
    assert setup.status == "succeeded"

    assert charge_off_session(customer, method).status == "succeeded"


def test_4000000000000341_attaches_then_every_charge_is_declined(localstripe):
    customer, method, setup = saved(DECLINED_LATER, localstripe)
    assert setup.status == "succeeded"

    with pytest.raises(PaymentFailed) as refused:
        charge_off_session(customer, method)
    assert refused.value.code == "card_declined"


def test_a_refused_off_session_charge_is_replayed_with_its_key(localstripe):
    customer, method, _ = saved(ALWAYS_3DS, localstripe)
    same = key("charge")

    for _ in range(2):
        with pytest.raises(PaymentFailed) as refused:
            gateway.create_payment_intent(
                amount=5_000,
                currency="EUR",
                payment_method=method,
                customer=customer,
                off_session=True,
                idempotency_key=same,
            )
        assert refused.value.code == "authentication_required"
