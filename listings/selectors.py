"""Reads of the listings app."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from listings.models import BusyPeriod


def overlapping_busy_periods(*, listing_id: int, start: datetime, end: datetime) -> QuerySet[BusyPeriod]:
    """Busy periods of the listing that intersect [start, end) (touching ends do not overlap)."""
    return BusyPeriod.objects.filter(listing_id=listing_id, start__lt=end, end__gt=start)
