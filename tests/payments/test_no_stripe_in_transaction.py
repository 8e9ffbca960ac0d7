"""The suite's check that no Stripe call is made while one of the site's transactions is open bites."""

from __future__ import annotations

import pytest
from django.db import transaction

from payments import gateway

pytestmark = pytest.mark.django_db


def test_a_stripe_call_inside_a_transaction_is_caught(stripe_api, no_stripe_call_in_transaction):
    gateway.client()  # the client alone calls nothing
    with transaction.atomic():
        gateway.list_transfers(transfer_group="nothing")
    assert len(no_stripe_call_in_transaction) == 1
    assert "list_transfers inside a transaction" in no_stripe_call_in_transaction[0]
    no_stripe_call_in_transaction.clear()  # caught: the test itself passes


def test_a_stripe_call_with_no_transaction_of_the_sites_open_is_fine(stripe_api, no_stripe_call_in_transaction):
    gateway.list_transfers(transfer_group="nothing")
    with transaction.atomic():
        pass
    assert no_stripe_call_in_transaction == []


@pytest.mark.django_db(transaction=True)
def test_in_a_transactional_test_any_open_block_counts(stripe_api, no_stripe_call_in_transaction):
    with transaction.atomic():
        gateway.list_transfers(transfer_group="nothing")
    assert len(no_stripe_call_in_transaction) == 1
    no_stripe_call_in_transaction.clear()
