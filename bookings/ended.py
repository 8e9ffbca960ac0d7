"""The booking-ended port: tells the apps above bookings, after commit, that a booking which took place has ended.

Bookings never import those apps (dependencies point bookings <- reviews). Reviews opens a
booking's review window the moment it ends, so it names its function in the
`BOOKING_ENDED_HOOKS` setting (dotted paths, loaded with `import_string`), the way
`BOOKING_MONEY` names the money port.

When: a booking is completed (at its end, or when a dispute is cleared after its end), or
cancelled while in progress. Every such status change goes through
`bookings.services.steps._move`, which calls `booking_ended`.

How: each hook is called `hook(booking_id=..., now=...)` (`now`: the transition's time)
once the transaction commits, so a rollback tells nobody; and robustly, so a failing hook
is logged and the booking's change stands (the hook's own catch-up sweep, reviews'
`advance_reviews`, repairs what it missed). A hook must be idempotent: a booking completed,
then disputed and cleared, is told twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string


class BookingEndedHook(Protocol):
    def __call__(self, *, booking_id: int, now: datetime) -> object: ...


@cache
def _load(path: str) -> BookingEndedHook:
    return import_string(path)


def _teller(path: str, booking_id: int, now: datetime) -> Callable[[], None]:
    # A named function, not a partial: Django logs a robust callback's failure by its __qualname__.
    def tell_booking_ended() -> None:
        # Loaded here, after the commit: a misnamed hook is logged, it never fails the booking's change.
        _load(path)(booking_id=booking_id, now=now)

    return tell_booking_ended


def booking_ended(*, booking_id: int, now: datetime) -> None:
    """Tell every hook in settings.BOOKING_ENDED_HOOKS, once the current transaction commits."""
    for path in settings.BOOKING_ENDED_HOOKS:
        transaction.on_commit(_teller(path, booking_id, now), robust=True)
