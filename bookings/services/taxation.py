"""Taxes in a booking's price: the rates staff set (the taxes app) applied to a quote, last.

Called wherever a price is shown or charged (the live quote, the request, the booking transaction,
an on-demand job's estimate and offers), so the card is authorised for the taxed amount and the
booking freezes the same tax lines. The arithmetic and its rounding live in `bookings.pricing`
(`apply_taxes`) and `taxes.rules`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from accounts.models import User
from bookings import pricing
from bookings.pricing_taxes import apply_taxes
from bookings.selectors import PricedPeriod
from listings.models import Listing
from taxes.selectors import rules_for


def taxed_quote(
    quote: pricing.Quote,
    *,
    guest: User,
    listing: Listing,
    start: datetime,
    persons: int,
    now: datetime,
    seen: dict[tuple, Any] | None = None,
) -> pricing.Quote:
    """The quote with VAT on Sharing's fees (the guest's fee by the guest's country, the host's fee by the
    host's country, out of the host's payout) and the city's occupancy tax (rooms).

    `seen`: one dict for every quote of one operation (taxes.selectors.rules_for), so that pricing many
    listings reads each rate once."""
    rules = rules_for(
        guest_country=guest.country,
        listing_country=listing.country_code,
        host_country=listing.owner.country,
        city=listing.city,
        kind=listing.kind,
        currency=quote.currency,
        booked_on=now.date(),
        stay_starts_on=start.astimezone(ZoneInfo(listing.time_zone)).date(),
        seen=seen,
    )
    return apply_taxes(quote, rules=rules, kind=listing.kind, persons=persons)


def taxed(*, guest: User, listing: Listing, priced: PricedPeriod, persons: int, now: datetime) -> PricedPeriod:
    return replace(
        priced,
        quote=taxed_quote(priced.quote, guest=guest, listing=listing, start=priced.start, persons=persons, now=now),
    )
