"""Which tax rates hold on a day, for a guest and a listing (read by the quote)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from django.db.models import Q, QuerySet

from core.rates import convert, current_rates
from taxes.models import OccupancyTax, VatRate, place_of
from taxes.rules import TaxRules, milli_percent

_T = TypeVar("_T")


def _once(seen: dict[tuple, Any], key: tuple, read: Callable[[], _T]) -> _T:
    # A rate read once per operation: quoting ten providers in one city asks for the same rates ten times.
    if key not in seen:
        seen[key] = read()
    return seen[key]


def _valid_on(day: date) -> Q:
    return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))


def vat_rate_on(*, country: str, day: date) -> VatRate | None:
    if not country:
        return None
    return VatRate.objects.filter(_valid_on(day), country=country.upper()).first()


def occupancy_tax_on(*, country: str, city: str, kind: str, day: date) -> OccupancyTax | None:
    if not country or not city.strip():
        return None
    rule = OccupancyTax.objects.filter(_valid_on(day), country=country.upper(), city__iexact=city.strip()).first()
    if rule is None or kind not in (rule.kinds or []):
        return None
    return rule


def rules_for(
    *,
    guest_country: str,
    listing_country: str,
    host_country: str = "",
    city: str,
    kind: str,
    currency: str,
    booked_on: date,
    stay_starts_on: date,
    seen: dict[tuple, Any] | None = None,
) -> TaxRules:
    """VAT on the guest's fee by the guest's country (B2C: where the customer lives; the listing's country
    when the guest has not said) and VAT on the host's fee by the host's country (the listing's when the
    host has not said), both on the booking day; the city's occupancy tax on the stay's first day.

    `seen`: a dict kept by a caller that prices several listings in one operation, so that each rate
    is read once (one query per country and city, not per listing)."""
    # Without a caller's dict, one for this call: the guest's and the host's VAT are often the same country's.
    seen = {} if seen is None else seen
    vat_country = (guest_country or listing_country).upper()
    vat = _once(seen, ("vat", vat_country, booked_on), lambda: vat_rate_on(country=vat_country, day=booked_on))
    host_vat_country = (host_country or listing_country).upper()
    host_vat = _once(
        seen, ("vat", host_vat_country, booked_on), lambda: vat_rate_on(country=host_vat_country, day=booked_on)
    )
    occupancy = _once(
        seen,
        ("occupancy", listing_country.upper(), city.strip().lower(), kind, stay_starts_on),
        lambda: occupancy_tax_on(country=listing_country, city=city, kind=kind, day=stay_starts_on),
    )
    per_person = 0
    if occupancy is not None and occupancy.per_person_night:
        per_person = convert(occupancy.per_person_night, occupancy.currency, currency, current_rates())
    return TaxRules(
        vat_country=vat_country if vat is not None else "",
        vat_rate=milli_percent(vat.rate) if vat is not None else 0,
        host_vat_country=host_vat_country if host_vat is not None else "",
        host_vat_rate=milli_percent(host_vat.rate) if host_vat is not None else 0,
        occupancy_place=place_of(occupancy.country, occupancy.city) if occupancy is not None else "",
        occupancy_rate=milli_percent(occupancy.percent) if occupancy is not None else 0,
        occupancy_per_person_night=per_person,
    )


def overlapping(
    model: type[VatRate] | type[OccupancyTax],
    *,
    key: dict[str, str],
    valid_from: date,
    valid_to: date | None,
    exclude_pk: int | None = None,
) -> QuerySet:
    """Rates of the same key (country, or country and city) whose validity meets [valid_from, valid_to]."""
    rows = model.objects.filter(**key).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
    if valid_to is not None:
        rows = rows.filter(valid_from__lte=valid_to)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    return rows
