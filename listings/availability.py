"""The listing page's availability calendar: whole months, each day free, busy or out of reach, in the
listing's time zone, with the week starting on the reader's locale's first day.

Rooms are booked by the night, so a room's day is busy when the night that starts on it (check-in time to
the next day's check-out time) overlaps a booking or a block: the morning a guest leaves is free for the
next guest's arrival. Cars and drivers are booked by the hour, so any busy hour makes their day busy.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import formats, timezone

from listings.horizon import last_day
from listings.models import BusyPeriod, Listing, ListingKind


@dataclass(frozen=True)
class CalendarDay:
    day: date
    # "free": may be picked; "busy": booked or blocked; "closed": past, too soon (advance notice) or
    # beyond the booking horizon.
    state: str


@dataclass(frozen=True)
class CalendarMonth:
    first: date
    weekdays: list[date]  # one date per column, to print the weekday names in the column order
    weeks: list[list[CalendarDay | None]]  # None: a cell outside the month


def locale_first_weekday() -> int:
    """The active language's first day of the week, as Python counts (Monday 0); Django counts Sunday 0."""
    return (int(formats.get_format("FIRST_DAY_OF_WEEK")) - 1) % 7


def _day_span(listing: Listing, day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The part of `day` that a booking of it would take: a room's night, or the whole day."""
    room = getattr(listing, "room", None) if listing.kind == ListingKind.ROOM else None
    if room is not None:
        return (
            datetime.combine(day, room.check_in_time, tzinfo=zone),
            datetime.combine(day + timedelta(days=1), room.check_out_time, tzinfo=zone),
        )
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, start + timedelta(days=1)


def availability_months(
    *, listing: Listing, months: int = 2, first_weekday: int = 0, now: datetime | None = None
) -> list[CalendarMonth]:
    """This month and the next `months - 1`, day by day (one query for the busy periods)."""
    now = now or timezone.now()
    zone = ZoneInfo(listing.time_zone)
    today = now.astimezone(zone).date()
    earliest = now + timedelta(hours=listing.advance_notice_hours)
    latest = last_day(time_zone=listing.time_zone, horizon_days=listing.booking_horizon_days, now=now)
    first = today.replace(day=1)
    starts = [first]
    for _ in range(months - 1):
        starts.append((starts[-1] + timedelta(days=32)).replace(day=1))
    span_end = (starts[-1] + timedelta(days=32)).replace(day=1) + timedelta(days=2)
    periods = list(
        BusyPeriod.objects.filter(
            listing=listing,
            start__lt=datetime.combine(span_end, time.min, tzinfo=zone),
            end__gt=datetime.combine(first, time.min, tzinfo=zone),
        ).values_list("start", "end")
    )
    weeks_of = calendar.Calendar(firstweekday=first_weekday)
    result = []
    for month_start in starts:
        weeks: list[list[CalendarDay | None]] = []
        for week in weeks_of.monthdatescalendar(month_start.year, month_start.month):
            row: list[CalendarDay | None] = []
            for day in week:
                if day.month != month_start.month:
                    row.append(None)
                    continue
                begins, ends = _day_span(listing, day, zone)
                is_room = listing.kind == ListingKind.ROOM
                # A room's last night must end by the horizon's last day; an hourly day may reach it.
                beyond = day >= latest if is_room else day > latest
                if ends <= earliest or beyond or (is_room and begins < earliest):
                    state = "closed"
                elif any(start < ends and end > begins for start, end in periods):
                    state = "busy"
                else:
                    state = "free"
                row.append(CalendarDay(day, state))
            weeks.append(row)
        weekdays = weeks_of.monthdatescalendar(month_start.year, month_start.month)[0]
        result.append(CalendarMonth(first=month_start, weekdays=weekdays, weeks=weeks))
    return result
