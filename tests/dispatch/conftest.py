"""Dispatch moves real money (card holds, bookings): every database test talks to localstripe and checks the ledger."""

from __future__ import annotations

import pytest

from tests.payments.fixtures import ledger_checked, localstripe, stripe_api  # noqa: F401


@pytest.fixture(autouse=True)
def _dispatch_pays_through_localstripe(request: pytest.FixtureRequest, settings) -> None:
    settings.DISPATCH_WAVE_SIZE = 3
    settings.DISPATCH_WAVE_INTERVAL_SECONDS = 10
    settings.DISPATCH_TIMEOUT_SECONDS = 180
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("stripe_api")
    request.getfixturevalue("ledger_checked")
