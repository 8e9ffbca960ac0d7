"""Booking changes move real money: every database test talks to this worker's localstripe harness and checks
the ledger after it has run."""

from __future__ import annotations

import pytest

from tests.payments.fixtures import ledger_checked, localstripe, stripe_api  # noqa: F401


@pytest.fixture(autouse=True)
def _changes_pay_through_localstripe(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("stripe_api")
    request.getfixturevalue("ledger_checked")
