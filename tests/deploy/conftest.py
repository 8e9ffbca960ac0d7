"""The stack tests book through a real server: they need this worker's localstripe harness."""

from tests.payments.fixtures import localstripe, stripe_api  # noqa: F401
