"""Every payment test runs against a real localstripe harness process (see fixtures.py)."""

from __future__ import annotations

import pytest

from tests.payments.fixtures import ledger_checked, localstripe, stripe_api  # noqa: F401


@pytest.fixture(autouse=True)
def _payments_use_localstripe(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("stripe_api")
