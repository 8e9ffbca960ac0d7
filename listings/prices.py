"""Prices across currencies: the reference price search orders by, loading rates, the searcher's currency.

Every listing carries its unit price in search's reference unit (core.rates), set on save; when a
newer day of rates loads, every listing's is rewritten in the same transaction as the rates, so search
never mixes two days. Results show the listing's own price and an approximate one in the searcher's
currency; the guest is always charged in the listing's currency.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import BigIntegerField, F, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Round
from django.utils.translation.trans_real import parse_accept_lang_header

from core.money import CURRENCIES, DEFAULT_CURRENCY, checked_currency, currency_for_country
from core.rates import (
    RateFileError,
    Rates,
    check_fresh,
    convert,
    current_rates,
    parse_ecb,
    read_source,
    record_refusal,
    reference_factor,
    store,
)
from listings.models import DriverCoverage, Listing


def refresh_reference_prices(rates: Rates) -> int:
    """Rewrite every listing's (and driver coverage row's) reference price at these rates; how many listings.

    One UPDATE per currency, in the database (a million listings in seconds, none read into Python);
    the rounding is the database's ROUND, halves away from zero like core.rates.
    """
    changed = 0
    for currency in sorted({*CURRENCIES, *Listing.objects.values_list("currency", flat=True).distinct()}):
        if not rates.knows(currency):
            continue
        factor = Value(reference_factor(currency, rates))
        changed += Listing.objects.filter(currency=currency).update(
            reference_price=Cast(Round(F("unit_price") * factor), BigIntegerField())
        )
    # Each driver's coverage rows carry a copy of its reference price (the coverage index orders by it).
    DriverCoverage.objects.update(
        reference_price=Subquery(Listing.objects.filter(pk=OuterRef("listing_id")).values("reference_price")[:1])
    )
    return changed


@dataclass(frozen=True)
class RatesLoaded:
    rates: Rates
    latest: bool
    listings_repriced: int


def load_rates(*, source: str, accept_old: bool = False) -> RatesLoaded:
    """Load an ECB reference-rate file (path or URL): keep its rates and, when it is the latest day, reprice search.

    A malformed, incomplete or (unless accept_old) week-old file is refused with RateFileError, recorded
    for staff, and changes nothing else. The download happens before any transaction opens.
    """
    day = None
    try:
        rates = parse_ecb(read_source(source))
        day = rates.day
        if not accept_old:
            check_fresh(rates)
    except RateFileError as error:
        record_refusal(source=source, error=error, day=day)
        raise
    with transaction.atomic():
        latest = store(rates, source=source)
        repriced = refresh_reference_prices(rates) if latest else 0
    return RatesLoaded(rates=rates, latest=latest, listings_repriced=repriced)


def searcher_currency(*, requested: str | None, accept_language: str = "") -> str:
    """The currency a searcher reads prices in: the one asked for, else their browser's region's, else EUR.

    An unknown code asked for is a DomainError (field "currency"), never silently replaced.
    """
    if requested:
        return checked_currency(requested)
    for tag, _quality in parse_accept_lang_header(accept_language or "")[:3]:
        parts = tag.replace("_", "-").split("-")
        region = next((part for part in parts[1:] if len(part) == 2 and part.isalpha()), None)
        if region:
            return currency_for_country(region)
    return DEFAULT_CURRENCY


def approximate_prices(listings: Iterable[Listing], currency: str, rates: Rates | None = None) -> Rates | None:
    """Give each listing `approx_unit_price` in `currency` (None when it is already priced in it); the rates
    used, or None when none were needed (so the caller can flag stale ones: core.rates.stale_note).
    """
    listings = list(listings)
    prices, used = approximate_unit_prices([(item.currency, item.unit_price) for item in listings], currency, rates)
    for listing, price in zip(listings, prices, strict=True):
        listing.approx_unit_price = price
    return used


def approximate_unit_prices(
    priced: list[tuple[str, int]], currency: str, rates: Rates | None = None
) -> tuple[list[int | None], Rates | None]:
    """Each (currency, unit price) in `currency` (None when already in it, or in a currency without a rate),
    and the rates used, or None when none were needed.

    The rates are read only when a price is in another currency: most searches find listings priced in
    the searcher's own currency, and reading the rates is a database round trip.
    """
    if all(own == currency for own, _ in priced):
        return [None] * len(priced), None
    rates = rates or current_rates()
    return [
        None if own == currency or not rates.knows(own) else convert(price, own, currency, rates)
        for own, price in priced
    ], rates
