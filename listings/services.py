"""Writes of the listings app: the availability calendar.

Every function is one transaction. Whatever changes a listing's calendar locks
the listing row first, so two writers of the same calendar queue on PostgreSQL
(SELECT ... FOR UPDATE) as they do on SQLite (IMMEDIATE transactions).
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from listings.models import BusyPeriod, BusySource, Listing
from listings.selectors import overlapping_busy_periods
from sharing.errors import Conflict, DomainError

DATES_TAKEN_MESSAGE = "Those dates were just taken. Pick other dates."


def _check_period(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise DomainError("Dates must include a time zone.", field="start")
    if end <= start:
        raise DomainError("The end must be after the start.", field="end")


def hold_slot(
    *, listing: Listing, start: datetime, end: datetime, source: str = BusySource.BOOKING, note: str = ""
) -> BusyPeriod:
    """Mark [start, end) busy on the listing's calendar, or raise Conflict if any part of it is.

    Callers that change other rows in the same decision (a booking's status)
    call this inside their own transaction, so both commit or neither does.
    """
    _check_period(start, end)
    with transaction.atomic():
        Listing.objects.select_for_update().only("pk").get(pk=listing.pk)
        if overlapping_busy_periods(listing_id=listing.pk, start=start, end=end).exists():
            raise Conflict(DATES_TAKEN_MESSAGE, field="start", code="dates_taken")
        try:
            # A savepoint, so that on PostgreSQL the exclusion constraint's refusal
            # leaves the caller's transaction usable for its own error handling.
            with transaction.atomic():
                return BusyPeriod.objects.create(listing=listing, start=start, end=end, source=source, note=note)
        except IntegrityError as error:
            if "busy_period_no_overlap" in str(error):
                raise Conflict(DATES_TAKEN_MESSAGE, field="start", code="dates_taken") from error
            raise


def release_slot(*, busy_period: BusyPeriod) -> None:
    """Free a period again (a booking cancelled, a block removed)."""
    with transaction.atomic():
        Listing.objects.select_for_update().only("pk").get(pk=busy_period.listing_id)
        BusyPeriod.objects.filter(pk=busy_period.pk).delete()
