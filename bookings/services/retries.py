"""Failures of time-driven transitions, counted instead of hidden: backoff, then a staff queue.

A sweep (`clock.advance_due_bookings`) or a task (`bookings.tasks`) that cannot run a due
transition records it here. The sweep skips it until its backoff has passed, counts it
as failed, and after settings.SWEEP_MAX_ATTEMPTS stops trying: the row waits in the
admin for staff. Refusals that only mean "someone else got there first" or "not yet"
are not failures (`BENIGN_CODES`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from bookings.models import StuckTransition

# A Conflict with one of these codes means the transition (or reminder) is not, or no longer, due:
# nothing failed.
BENIGN_CODES = frozenset({"not_due", "not_needed", "wrong_state", "disputed"})


def backoff(attempts: int) -> timedelta:
    """Wait before try `attempts + 1`: 1, 2, 4 ... minutes, capped at 6 hours."""
    return timedelta(minutes=min(360, 2 ** max(0, attempts - 1)))


def waiting(*, step: str, now: datetime) -> set[int]:
    """Objects of `step` not to try now: backing off, or given up (staff's)."""
    rows = StuckTransition.objects.filter(step=step, resolved_at__isnull=True)
    return {row.object_id for row in rows if row.gave_up or row.next_attempt_at > now}


def record_failure(*, step: str, object_id: int, error: BaseException, now: datetime) -> StuckTransition:
    """Count one failure of `step` on `object_id`; returns the row (gave_up once out of tries)."""
    message = getattr(error, "message", "") or f"{type(error).__name__}: {error}"
    with transaction.atomic():
        row, _ = StuckTransition.objects.select_for_update().get_or_create(
            step=step,
            object_id=object_id,
            defaults={"next_attempt_at": now, "first_failed_at": now, "last_failed_at": now},
        )
        if row.resolved_at is not None:
            row.attempts, row.gave_up, row.resolved_at, row.first_failed_at = 0, False, None, now
        row.attempts += 1
        row.last_error = str(message)[:300]
        row.last_failed_at = now
        row.next_attempt_at = now + backoff(row.attempts)
        row.gave_up = row.attempts >= settings.SWEEP_MAX_ATTEMPTS
        row.save()
        return row


def record_success(*, step: str, object_id: int, now: datetime) -> None:
    StuckTransition.objects.filter(step=step, object_id=object_id, resolved_at__isnull=True).update(resolved_at=now)
