"""What the dispatch service families share: when a job runs, and the live events of the dispatch page.

A job asked for "now" starts DISPATCH_PICKUP_MINUTES after the request (the provider's way
there, rounded up to the next whole minute); a later one at the pickup time the requester
chose. Live events go to a person's open dispatch sockets on the "dispatch" topic of
`realtime.live`, after commit (offers, withdrawals, assignments) or at once (positions).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from realtime import live

# The realtime.live topic of the dispatch socket (dispatch.consumers joins it).
LIVE_TOPIC = "dispatch"


def earliest_pickup(now: datetime) -> datetime:
    """When a job asked for now starts: the next whole minute after now + DISPATCH_PICKUP_MINUTES (the way there)."""
    return (now + timedelta(minutes=settings.DISPATCH_PICKUP_MINUTES, seconds=60)).replace(second=0, microsecond=0)


def job_period(now: datetime, hours: int, pickup_at: datetime | None = None) -> tuple[datetime, datetime]:
    """When a job runs, for `hours`: from the chosen pickup time, or for "now" from `earliest_pickup(now)`."""
    start = earliest_pickup(now) if pickup_at is None else pickup_at
    return start, start + timedelta(hours=hours)


def tell_on_commit(events: list[tuple[int, dict[str, Any]]]) -> None:
    """Send `(user id, event)` pairs to those people's open dispatch pages once the transaction commits."""
    live.send_live_on_commit(LIVE_TOPIC, events)


def tell_now(user_id: int, event: dict[str, Any]) -> None:
    """Send one event to a person's open dispatch pages at once (nothing stored, no database)."""
    live.send_live(LIVE_TOPIC, [(user_id, event)])
