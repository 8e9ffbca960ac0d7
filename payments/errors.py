"""Payment refusals, written for the person who sees them."""

from __future__ import annotations

from core.errors import Conflict, DomainError


class PaymentFailed(DomainError):
    """Stripe refused the operation (card declined, authentication failed, unreachable...)."""

    status_code = 402


class PaymentServiceUnavailable(PaymentFailed):
    """Stripe did not answer or answered with its own error: nothing changed, the same call may work later."""

    retryable = True


class PaymentStateError(Conflict):
    """The payment is not in a state that allows this operation (already captured, frozen...)."""


class LedgerImbalance(DomainError):
    """A posting that does not sum to zero per currency: always a bug in the caller."""

    status_code = 500
