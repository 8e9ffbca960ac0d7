"""How far ahead, and how far back, a date may be typed: the booking horizon of a listing.

Every date a person types (a calendar block, a booking request, a quote) is checked
here before any arithmetic is done on it, so that a year-9999 date is a clear refusal
and never an OverflowError, and a date in the past or years ahead is refused with a
message rather than accepted ("Request sent to the host" for 2099).

The horizon is counted in the listing's own calendar: with a horizon of 365 days,
today plus 365 local days is the last day anything may reach (a check-out, the end
of an hourly booking, the last blocked day).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext_noop

from core.errors import DomainError

DEFAULT_BOOKING_HORIZON_DAYS = 365
# Hosts may open their calendar from a month to two years ahead: less leaves guests nothing to
# plan with, more makes a cancellation policy's days meaningless and prices stale.
MIN_BOOKING_HORIZON_DAYS = 30
MAX_BOOKING_HORIZON_DAYS = 730


def horizon_message(days: int) -> str:
    return f"Pick dates within the next {days} days."


def today_at(time_zone: str, *, now: datetime | None = None) -> date:
    """Today's date where the listing is."""
    return (now or timezone.now()).astimezone(ZoneInfo(time_zone)).date()


def last_day(*, time_zone: str, horizon_days: int, now: datetime | None = None) -> date:
    """The last local day a booking or a block may reach."""
    return today_at(time_zone, now=now) + timedelta(days=horizon_days)


def _wall_date(value: date | datetime) -> date:
    # The date as typed, without converting zones: converting a year-9999 time may overflow.
    return value.date() if isinstance(value, datetime) else value


def check_typed_dates(
    *, time_zone: str, horizon_days: int, start: date | datetime, end: date | datetime, now: datetime | None = None
) -> None:
    """Refuse typed dates far in the past or beyond the horizon, before anything is computed from them.

    A coarse check on the dates as typed (a day of slack either way for the zone they were typed in);
    `check_period` makes the exact one once the period is resolved.
    """
    today = today_at(time_zone, now=now)
    if _wall_date(start) < today - timedelta(days=1):
        # The words of the exact check the request makes later (bookings.services), so both read alike.
        raise DomainError(
            gettext_noop("That start has already passed. Pick a later date."), field="start", code="past_dates"
        )
    latest = today + timedelta(days=horizon_days + 1)
    if _wall_date(start) > latest or _wall_date(end) > latest:
        raise DomainError(horizon_message(horizon_days), field="end", code="beyond_horizon")


def check_period(*, time_zone: str, horizon_days: int, end: datetime, now: datetime | None = None) -> None:
    """Refuse a resolved (aware) period that ends after the horizon's last day, local midnight."""
    limit_day = last_day(time_zone=time_zone, horizon_days=horizon_days, now=now) + timedelta(days=1)
    limit = datetime.combine(limit_day, time.min, tzinfo=ZoneInfo(time_zone))
    if end > limit:
        raise DomainError(horizon_message(horizon_days), field="end", code="beyond_horizon")


def check_days(*, time_zone: str, horizon_days: int, first: date, last: date, now: datetime | None = None) -> None:
    """Days a host blocks: from today to the horizon's last day."""
    today = today_at(time_zone, now=now)
    if first < today:
        raise DomainError(
            gettext_noop("That day has passed. Pick days from today on."), field="first_day", code="past_dates"
        )
    if last > today + timedelta(days=horizon_days):
        raise DomainError(horizon_message(horizon_days), field="last_day", code="beyond_horizon")


def check_search_dates(*, start: datetime | None, end: datetime | None, now: datetime | None = None) -> None:
    """Dates searched for: from today to the longest horizon any listing may have.

    The place's zone is not known yet when the dates are read, so a day of slack either way.
    """
    today = (now or timezone.now()).date()
    if start is not None and _wall_date(start) < today - timedelta(days=1):
        raise DomainError(
            gettext_noop("Those dates have passed. Pick dates from today on."), field="start", code="past_dates"
        )
    latest = today + timedelta(days=MAX_BOOKING_HORIZON_DAYS + 1)
    for name, value in (("start", start), ("end", end)):
        if value is not None and _wall_date(value) > latest:
            raise DomainError(horizon_message(MAX_BOOKING_HORIZON_DAYS), field=name, code="beyond_horizon")
