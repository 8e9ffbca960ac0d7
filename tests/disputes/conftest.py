"""Dispute tests move real money through this worker's localstripe harness and check the ledger after each."""

from __future__ import annotations

import pytest

from tests.payments.fixtures import ledger_checked, localstripe, stripe_api  # noqa: F401


@pytest.fixture(autouse=True)
def _disputes_pay_through_localstripe(request: pytest.FixtureRequest) -> None:
    request.getfixturevalue("stripe_api")
    request.getfixturevalue("ledger_checked")
