"""Tax rates for tests (France's VAT, Paris's tourist tax), valid around the bookings factories' NOW."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from accounts.models import User
from taxes.models import OccupancyTax, VatRate
from tests.conftest import make_user

SINCE = date(2026, 1, 1)


def vat(country: str = "FR", rate: str = "20", *, valid_from: date = SINCE, valid_to: date | None = None) -> VatRate:
    return VatRate.objects.create(country=country, rate=Decimal(rate), valid_from=valid_from, valid_to=valid_to)


def paris_tax(
    *,
    per_person_night: int = 288,
    currency: str = "EUR",
    percent: str = "0",
    city: str = "Paris",
    valid_from: date = SINCE,
    valid_to: date | None = None,
) -> OccupancyTax:
    return OccupancyTax.objects.create(
        country="FR",
        city=city,
        per_person_night=per_person_night,
        currency=currency if per_person_night else "",
        percent=Decimal(percent),
        valid_from=valid_from,
        valid_to=valid_to,
    )


def french_guest(**fields) -> User:
    """A guest who lives in France (VAT on Sharing's fee by France's rate)."""
    return make_user(country="FR", **fields)
