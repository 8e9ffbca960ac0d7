"""Taxes move real money: every database test talks to this worker's localstripe harness and checks the ledger."""

from __future__ import annotations

import pytest

from tests.payments.fixtures import ledger_checked, localstripe, stripe_api  # noqa: F401


@pytest.fixture(autouse=True)
def _bookings_pay_through_localstripe(request: pytest.FixtureRequest) -> None:
    # Pure arithmetic tests touch neither the database nor Stripe, and stay fast.
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("stripe_api")
    request.getfixturevalue("ledger_checked")
