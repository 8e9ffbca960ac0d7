"""Date rules of a booking that every entry point shares: the listing's booking horizon.

`bookings.services` calls these while it checks a request (under the listing lock), and
`bookings.selectors.price_period` before it computes anything from typed dates, so the
live quote, the API quote and the request refuse the same periods with the same words.
"""

from __future__ import annotations

from datetime import date, datetime

from listings import horizon
from listings.models import Listing


def check_typed_dates(*, listing: Listing, start: date | datetime, end: date | datetime, now: datetime) -> None:
    """Typed dates far in the past or beyond the listing's horizon are refused before any arithmetic on them."""
    horizon.check_typed_dates(
        time_zone=listing.time_zone, horizon_days=listing.booking_horizon_days, start=start, end=end, now=now
    )


def check_within_horizon(*, listing: Listing, end: datetime, now: datetime) -> None:
    """A resolved period must end by the listing's horizon (its last bookable local day)."""
    horizon.check_period(time_zone=listing.time_zone, horizon_days=listing.booking_horizon_days, end=end, now=now)
