"""Delivery tests talk to a real SMTP server on loopback (aiosmtpd): tests.support.smtp."""

from __future__ import annotations

from tests.payments.fixtures import ledger_checked, localstripe, stripe_api  # noqa: F401
from tests.support.smtp import Mailbox, smtp  # noqa: F401
