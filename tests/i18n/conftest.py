"""Translation tests book for real (the localstripe harness) and read the emails an SMTP stand-in receives."""

from __future__ import annotations

import pytest

from tests.payments.fixtures import ledger_checked, localstripe, stripe_api  # noqa: F401
from tests.support.smtp import Mailbox, smtp  # noqa: F401


@pytest.fixture(autouse=True)
def _pay_through_localstripe(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("stripe_api")
    request.getfixturevalue("ledger_checked")
