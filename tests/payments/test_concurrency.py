"""The same money operation from several requests at once (double clicks, a task and a webhook): it happens once.

Each thread has its own database connection; the payment row lock (and on SQLite the
IMMEDIATE transaction) serialises them, and the idempotency key would make Stripe
replay its answer even if two got through.
"""

from __future__ import annotations

import pytest

from payments import gateway, ledger
from payments.models import ESCROW, LedgerEntry, Payout
from payments.services import guest_payments, host_payouts
from tests.conftest import make_user
from tests.payments.fixtures import card
from tests.payments.helpers import captured_payment, host_with_payout_account
from tests.support.threads import run_concurrently as race

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 8


def run_concurrently(call, times: int = THREADS) -> tuple[list, list]:
    """The same call from `times` threads at once."""
    return race([call] * times)


def test_concurrent_captures_charge_once(ledger_checked):
    payment = guest_payments.authorize_payment(
        payer=make_user(), amount=12_345, currency="EUR", reference="booking:1", payment_method=card()
    )
    results, errors = run_concurrently(lambda: guest_payments.capture_payment(payment=payment))
    assert errors == []
    assert {p.captured_amount for p in results} == {12_345}
    assert LedgerEntry.objects.filter(account=ESCROW).count() == 1
    assert ledger.escrow_balance(reference="booking:1", currency="EUR") == 12_345
    assert gateway.retrieve_payment_intent(payment.stripe_payment_intent_id).amount_received == 12_345


def test_concurrent_payout_releases_pay_once(localstripe, ledger_checked):
    host = host_with_payout_account(localstripe)
    payment = captured_payment(10_000)
    results, errors = run_concurrently(
        lambda: host_payouts.release_payout(payment=payment, host=host, host_amount=8_800)
    )
    assert errors == []
    assert Payout.objects.count() == 1
    assert {p.pk for p in results} == {Payout.objects.get().pk}
    transfers = gateway.client().v1.transfers.list(params={"destination": host.payout_account.stripe_account_id})
    assert [t.amount for t in transfers.data] == [8_800]
