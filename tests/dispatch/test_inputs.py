"""What requesters and providers send is parsed once at the edge; a need or a position built in code is checked too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from core.errors import DomainError
from dispatch.inputs import Need, Position, parse_when


def test_a_form_posts_strings_and_the_need_is_typed():
    need = Need.parse(kind="car", latitude="48.85", longitude="2.35", hours="3", when="2027-01-10T14:30:00+01:00")
    assert need == Need(
        kind="car", position=Position(48.85, 2.35), hours=3, pickup_at=datetime(2027, 1, 10, 13, 30, tzinfo=UTC)
    )
    assert Need.parse(kind="driver", latitude=1, longitude=2, hours=2).pickup_at is None


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"kind": "room"}, "kind", "Ask for a driver or a car."),
        ({"hours": 13}, "hours", "Ask for 1 to 12 hours."),
        ({"hours": True}, "hours", "Ask for 1 to 12 hours."),
        ({"hours": "²"}, "hours", "Ask for 1 to 12 hours."),
        ({"latitude": ""}, "latitude", "Give your position as a latitude and a longitude."),
        ({"longitude": "181"}, "longitude", "The longitude must be between -180 and 180."),
        ({"when": "soon"}, "when", 'Give the pickup time as "now" or a date and time such as'),
    ],
)
def test_a_bad_form_value_is_refused_with_its_field_and_message(fields, field, message):
    raw = {"kind": "driver", "latitude": "48.85", "longitude": "2.35", "hours": "2", "when": "now", **fields}
    with pytest.raises(DomainError) as refused:
        Need.parse(**raw)
    assert (refused.value.field, refused.value.status_code) == (field, 400)
    assert refused.value.message.startswith(message)


def test_a_need_built_in_code_is_checked_like_one_from_a_form():
    here = Position(48.85, 2.35)
    with pytest.raises(DomainError, match="Ask for a driver or a car"):
        Need(kind="room", position=here, hours=2)
    with pytest.raises(DomainError, match="time zone offset"):
        Need(kind="driver", position=here, hours=2, pickup_at=datetime(2027, 1, 10, 14, 30))
    with pytest.raises(DomainError, match="between -90 and 90"):
        Position(float("nan"), 2.35)
    later = datetime(2027, 1, 10, 14, 30, tzinfo=timezone(timedelta(hours=1)))
    assert Need(kind="driver", position=here, hours=2, pickup_at=later).pickup_at == later.astimezone(UTC)


def test_now_is_no_pickup_time():
    assert parse_when("now") is None and parse_when(" NOW ") is None and parse_when("") is None
    assert parse_when(None) is None
