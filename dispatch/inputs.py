"""What requesters and providers send, parsed and checked once at the edge (pages, the API, the socket).

Services take these typed values and parse nothing. A `Position` or a `Need` that exists is
valid: the constructor refuses anything else with a DomainError (400) carrying the message a
person sees and the field at fault, and `Position.parse` / `Need.parse` turn a form's or a
query's raw values into one. The rules that depend on the clock (how soon or how far ahead a
pickup may be) are the services' (`dispatch.services.requests.pickup_time`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils.translation import gettext_noop

from core.errors import DomainError
from dispatch.models import DISPATCH_KINDS

MAX_HOURS = 12


@dataclass(frozen=True)
class Position:
    """A point on the map in degrees: where a requester wants to be picked up, where a provider is."""

    latitude: float
    longitude: float

    def __post_init__(self) -> None:
        try:
            # Kept as floats whatever number type came in (an int from JSON, a string from a form).
            lat, lng = float(self.latitude), float(self.longitude)
        except (TypeError, ValueError):
            raise DomainError(
                gettext_noop("Give your position as a latitude and a longitude."), field="latitude"
            ) from None
        if math.isnan(lat) or not -90 <= lat <= 90:
            raise DomainError(gettext_noop("The latitude must be between -90 and 90."), field="latitude")
        if math.isnan(lng) or not -180 <= lng <= 180:
            raise DomainError(gettext_noop("The longitude must be between -180 and 180."), field="longitude")
        object.__setattr__(self, "latitude", lat)
        object.__setattr__(self, "longitude", lng)

    @classmethod
    def parse(cls, latitude: object, longitude: object) -> Position:
        """A position from raw values (a form's strings, a JSON number)."""
        return cls(latitude, longitude)  # type: ignore[arg-type]


def _kind(kind: object) -> str:
    if kind not in [k.value for k in DISPATCH_KINDS]:
        raise DomainError(gettext_noop("Ask for a driver or a car."), field="kind")
    return str(kind)


def _hours(hours: object) -> int:
    if not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= MAX_HOURS:
        raise DomainError(gettext_noop("Ask for 1 to %(most)s hours."), params={"most": MAX_HOURS}, field="hours")
    return hours


def _pickup_in_utc(when: datetime) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise DomainError(
            gettext_noop("Give the pickup time with its time zone offset, e.g. 2027-01-10T14:30:00+01:00 or ...Z."),
            field="when",
        )
    try:
        return when.astimezone(UTC)
    except OverflowError:
        raise DomainError(gettext_noop("That pickup time is out of range."), field="when") from None


def parse_when(when: object) -> datetime | None:
    """The requester's "when": None for "now" (or nothing), else the pickup time they chose, in UTC.

    Accepted: "now", an aware datetime, or an ISO 8601 string with its offset
    ("2027-01-10T14:30:00+01:00" or "...Z"). Whether that time can be served is for
    `pickup_time` to say, at the time of the request.
    """
    if when is None or (isinstance(when, str) and when.strip().lower() in ("", "now")):
        return None
    if isinstance(when, str):
        try:
            when = datetime.fromisoformat(when.strip())
        except ValueError:
            raise DomainError(
                gettext_noop('Give the pickup time as "now" or a date and time such as 2027-01-10T14:30:00+01:00.'),
                field="when",
            ) from None
    if not isinstance(when, datetime):
        raise DomainError(gettext_noop('Give the pickup time as "now" or a date and time.'), field="when")
    return _pickup_in_utc(when)


@dataclass(frozen=True)
class Need:
    """What a requester asks for: a driver or a car, at `position`, for `hours`, now (`pickup_at` None) or later."""

    kind: str
    position: Position
    hours: int
    pickup_at: datetime | None = None

    def __post_init__(self) -> None:
        _kind(self.kind)
        _hours(self.hours)
        if self.pickup_at is not None:
            object.__setattr__(self, "pickup_at", _pickup_in_utc(self.pickup_at))

    @classmethod
    def parse(cls, *, kind: object, latitude: object, longitude: object, hours: object, when: object = "now") -> Need:
        """A need from raw values, refused in the order a person reads the form: kind, hours, position, time."""
        if isinstance(hours, str) and hours.isascii() and hours.isdigit():
            hours = int(hours)
        return cls(
            kind=_kind(kind),
            hours=_hours(hours),
            position=Position.parse(latitude, longitude),
            pickup_at=parse_when(when),
        )
