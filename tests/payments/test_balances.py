"""The harness keeps Stripe's balances, and payouts are tied to the guest's charge so they go out anyway.

Each test uses a currency of its own: the harness process (and its clock) is shared by the
tests of one worker, and moving the clock makes every pending fund available.
"""

from __future__ import annotations

import pytest
import requests

from payments import gateway
from payments.errors import PaymentFailed
from payments.models import Payout
from payments.services import guest_payments, host_payouts
from tests.conftest import make_user
from tests.payments.fixtures import card
from tests.payments.helpers import host_with_payout_account

pytestmark = pytest.mark.django_db

TWO_DAYS_AND_AN_HOUR = 2 * 86400 + 3600


def captured(amount: int, currency: str, *, number: str = "4242424242424242"):
    payment = guest_payments.authorize_payment(
        payer=make_user(), amount=amount, currency=currency, reference="booking:1", payment_method=card(number)
    )
    return guest_payments.capture_payment(payment=payment)


def balance(currency: str, account: str | None = None) -> tuple[int, int]:
    """(available, pending) of the platform, or of a connected account, in one currency."""
    options = {"stripe_account": account} if account else {}
    remote = gateway.client().v1.balance.retrieve(options=options).to_dict()

    def amount(part: str) -> int:
        return sum(row["amount"] for row in remote[part] if row["currency"] == currency.lower())

    return amount("available"), amount("pending")


def advance_clock(base: str, seconds: int) -> None:
    requests.post(f"{base}/_config/clock", data={"advance_seconds": seconds}, timeout=5).raise_for_status()


def test_captured_funds_are_pending_until_the_settlement_delay_passes(localstripe):
    captured(5_000, "NOK")
    assert balance("NOK") == (0, 5_000)
    advance_clock(localstripe, TWO_DAYS_AND_AN_HOUR)
    assert balance("NOK") == (5_000, 0)


def test_payout_goes_out_while_the_platform_has_nothing_available(localstripe, ledger_checked):
    host = host_with_payout_account(localstripe)
    payment = captured(11_200, "CHF")
    assert balance("CHF") == (0, 11_200)

    payout = host_payouts.release_payout(payment=payment, host=host, host_amount=9_700)

    assert payout.status == Payout.Status.PAID
    transfer = gateway.retrieve_transfer(payout.stripe_transfer_id)
    assert transfer.source_transaction == payment.stripe_charge_id
    account = host.payout_account.stripe_account_id
    # The host's funds wait for the charge's, as on Stripe.
    assert balance("CHF", account) == (0, 9_700)
    assert balance("CHF") == (0, 1_500)


def test_the_harness_refuses_the_same_payout_without_its_charge(localstripe):
    host = host_with_payout_account(localstripe)
    captured(11_200, "DKK")
    with pytest.raises(PaymentFailed) as refused:
        gateway.create_transfer(
            amount=9_700,
            currency="DKK",
            destination=host.payout_account.stripe_account_id,
            idempotency_key="test-balance-insufficient-dkk",
        )
    assert "insufficient available funds" in refused.value.message


def test_a_transfer_cannot_take_more_than_is_left_of_its_charge(localstripe):
    host = host_with_payout_account(localstripe)
    payment = captured(5_000, "PLN")
    guest_payments.refund_payment(payment=payment, amount=2_000)
    with pytest.raises(PaymentFailed):
        gateway.create_transfer(
            amount=3_001,
            currency="PLN",
            destination=host.payout_account.stripe_account_id,
            source_transaction=payment.stripe_charge_id,
            idempotency_key="test-source-remaining-pln",
        )


def test_after_settlement_a_transfer_draws_on_the_available_balance(localstripe):
    host = host_with_payout_account(localstripe)
    captured(8_000, "CZK")
    advance_clock(localstripe, TWO_DAYS_AND_AN_HOUR)
    transfer = gateway.create_transfer(
        amount=7_000,
        currency="CZK",
        destination=host.payout_account.stripe_account_id,
        idempotency_key="test-available-czk",
    )
    assert transfer.amount == 7_000
    assert balance("CZK") == (1_000, 0)
    assert balance("CZK", host.payout_account.stripe_account_id) == (7_000, 0)


def test_a_dispute_withdraws_the_amount_and_fee_and_a_won_one_reinstates_the_amount(localstripe):
    payment = captured(10_000, "HUF", number="4000000000000077")  # available at once
    assert balance("HUF") == (10_000, 0)
    opened = requests.post(f"{localstripe}/_config/charges/{payment.stripe_charge_id}/dispute", timeout=5).json()
    assert balance("HUF") == (-1_500, 0)
    requests.post(f"{localstripe}/_config/disputes/{opened['id']}/close", data={"outcome": "won"}, timeout=5)
    assert balance("HUF") == (8_500, 0)
    assert gateway.retrieve_dispute(opened["id"]).status == "won"
