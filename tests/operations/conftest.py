"""Operations tests that run bookings' tasks talk to this worker's localstripe harness."""

from tests.payments.fixtures import ledger_checked, localstripe, stripe_api  # noqa: F401
