"""Exchange rates: reading the ECB's reference-rate file, keeping each day's rates, converting amounts.

Search compares prices in one reference unit (millionths of a euro, `REFERENCE_SCALE`) and shows an
approximate price in the searcher's currency; the guest is always charged in the listing's own
currency. The rates in use are the latest day stored; with none stored (a fresh, offline install),
the snapshot shipped in core/data. A file that is malformed, lacks one of our currencies, or is more
than a week old is refused with a message, recorded (RateLoad) and nothing else changes: search keeps
the last good rates and staff see a warning (`staff_warning`).
"""

from __future__ import annotations

import functools
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from core.models import ExchangeRate, RateLoad
from core.money import CURRENCIES, currency_exponent

REFERENCE_CURRENCY = "EUR"
# Search's unit: a millionth of a euro, so that a yen (about 0.55 cents) keeps three digits.
REFERENCE_SCALE = 10**6
STALE_AFTER = timedelta(days=7)
SNAPSHOT = Path(__file__).resolve().parent / "data" / "eurofxref-daily.xml"
_ECB = "{http://www.ecb.int/vocabulary/2002-08-01/eurofxref}Cube"
_DOWNLOAD_TIMEOUT_S = 20
_MAX_FILE_BYTES = 1_000_000


class RateFileError(DomainError):
    """A rate file that cannot be used; its message says why, for the staff who loaded it."""


@dataclass(frozen=True)
class Rates:
    """One day's rates: units of each currency a euro buys (EUR itself is 1)."""

    day: date
    per_euro: dict[str, Decimal]
    shipped: bool = False

    def knows(self, currency: str) -> bool:
        return currency.upper() in self.per_euro


def parse_ecb(text: str | bytes) -> Rates:
    """The day and rates of an ECB reference-rate file (eurofxref-daily.xml), or RateFileError."""
    raw = text.encode() if isinstance(text, str) else text
    if b"<!DOCTYPE" in raw[:2048].upper() or b"<!ENTITY" in raw.upper():
        raise RateFileError("The rate file declares a DOCTYPE or entities: not an ECB file.")
    try:
        root = ET.fromstring(raw)  # noqa: S314 (no DOCTYPE, so no entity expansion)
    except ET.ParseError as error:
        raise RateFileError(f"The rate file is not well-formed XML ({error}).") from None
    days = [cube for cube in root.iter(_ECB) if cube.get("time")]
    if len(days) != 1:
        raise RateFileError("The rate file should hold exactly one day of rates (the ECB's daily file).")
    try:
        day = date.fromisoformat(days[0].get("time", ""))
    except ValueError:
        raise RateFileError(f"The rate file's date “{days[0].get('time')}” is not a date.") from None
    per_euro = {REFERENCE_CURRENCY: Decimal(1)}
    for cube in days[0].iter(_ECB):
        code, rate = (cube.get("currency") or "").upper(), cube.get("rate")
        if not code:
            continue
        try:
            value = Decimal(rate or "")
        except InvalidOperation:
            raise RateFileError(f"The rate of {code} (“{rate}”) is not a number.") from None
        if not value.is_finite() or value <= 0:
            raise RateFileError(f"The rate of {code} ({rate}) must be a positive number.")
        per_euro[code] = value
    missing = [code for code in CURRENCIES if code not in per_euro]
    if missing:
        raise RateFileError(f"The rate file has no rate for {', '.join(missing)}: search needs them all.")
    return Rates(day=day, per_euro=per_euro)


def read_source(source: str) -> bytes:
    """The bytes of a rate file from a path or an http(s) URL (never while a transaction is open)."""
    if source.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(source, timeout=_DOWNLOAD_TIMEOUT_S) as response:  # noqa: S310 (scheme checked)
                return response.read(_MAX_FILE_BYTES)
        except OSError as error:
            raise RateFileError(f"Could not download {source}: {error}.") from None
    try:
        return Path(source).read_bytes()[:_MAX_FILE_BYTES]
    except OSError as error:
        raise RateFileError(f"Could not read {source}: {error.strerror or error}.") from None


def check_fresh(rates: Rates, *, today: date | None = None) -> None:
    """RateFileError when the file's day is more than a week before today (or in the future)."""
    today = today or timezone.localdate()
    if rates.day > today + timedelta(days=1):
        raise RateFileError(f"The rate file is dated {rates.day}, after today: check the file.")
    if today - rates.day > STALE_AFTER:
        raise RateFileError(
            f"The rate file is dated {rates.day}, more than a week old: load the ECB's current file. "
            "Search keeps the rates it had."
        )


def store(rates: Rates, *, source: str) -> bool:
    """Keep a day's rates (replacing that day's) and record the load; True when that day is now the latest.

    Call inside the caller's transaction, with the listings' reference prices refreshed in the same one.
    """
    latest = latest_day()
    ExchangeRate.objects.filter(day=rates.day).delete()
    ExchangeRate.objects.bulk_create(
        [ExchangeRate(day=rates.day, currency=code, per_euro=rate) for code, rate in sorted(rates.per_euro.items())]
    )
    RateLoad.objects.create(source=source[:500], day=rates.day, accepted=True, message="Loaded.")
    return latest is None or rates.day >= latest


def record_refusal(*, source: str, error: RateFileError, day: date | None = None) -> None:
    """Keep the refused attempt, so that staff see it (`staff_warning`)."""
    with transaction.atomic():
        RateLoad.objects.create(source=source[:500], day=day, accepted=False, message=error.message)


def latest_day() -> date | None:
    return ExchangeRate.objects.order_by("-day").values_list("day", flat=True).first()


@functools.cache
def shipped_rates() -> Rates:
    """The snapshot that ships with the project (offline installs, tests, before the first load)."""
    rates = parse_ecb(SNAPSHOT.read_bytes())
    return Rates(day=rates.day, per_euro=rates.per_euro, shipped=True)


def current_rates() -> Rates:
    """The rates search uses: the latest day stored, else the shipped snapshot."""
    day = latest_day()
    if day is None:
        return shipped_rates()
    rows = ExchangeRate.objects.filter(day=day).values_list("currency", "per_euro")
    return Rates(day=day, per_euro={code: Decimal(rate) for code, rate in rows})


def _round(value: Decimal) -> int:
    # The one rounding of conversions: to the nearest unit, halves away from zero (ROUND_HALF_UP).
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def reference_factor(currency: str, rates: Rates) -> Decimal:
    """Reference units (millionths of a euro) per minor unit of `currency`."""
    code = currency.upper()
    if code not in rates.per_euro:
        raise DomainError(f"No exchange rate for {code}.", field="currency")
    return Decimal(REFERENCE_SCALE) / (Decimal(10) ** currency_exponent(code) * rates.per_euro[code])


def to_reference(amount: int, currency: str, rates: Rates) -> int:
    """Minor units of `currency` in reference units: 100 EUR cents -> 1,000,000; 180 JPY -> ~997,396."""
    return _round(Decimal(int(amount)) * reference_factor(currency, rates))


def from_reference(amount: int, currency: str, rates: Rates) -> int:
    """Reference units in minor units of `currency`, rounded to its minor unit."""
    return _round(Decimal(int(amount)) / reference_factor(currency, rates))


def convert(amount: int, source: str, target: str, rates: Rates) -> int:
    """Minor units of `source` in minor units of `target`, through the euro, rounded once at the end."""
    if source.upper() == target.upper():
        return int(amount)
    return _round(Decimal(int(amount)) * reference_factor(source, rates) / reference_factor(target, rates))


def stale_note(rates: Rates, *, today: date | None = None) -> str | None:
    """What a searcher is told when the rates behind approximate prices are more than STALE_AFTER old
    (search still uses them, the last good ones, but never silently); None while they are fresh."""
    today = today or timezone.localdate()
    if today - rates.day <= STALE_AFTER:
        return None
    return (
        f"Approximate prices use the exchange rates of {rates.day.isoformat()}, {(today - rates.day).days} days "
        "old: they may be further off than usual. You pay the listing's own price, in its currency."
    )


def staff_warning(*, today: date | None = None) -> str | None:
    """What staff should know about the rates search uses, or None when all is well."""
    today = today or timezone.localdate()
    last = RateLoad.objects.order_by("-attempted_at", "-pk").first()
    day = latest_day()
    if last is not None and not last.accepted:
        using = f"the rates of {day}" if day else f"the shipped snapshot of {shipped_rates().day}"
        return f"The last rate file ({last.source}) was refused: {last.message} Search uses {using}."
    if day is None:
        return (
            f"No exchange rates loaded: search converts with the snapshot shipped with Sharing "
            f"({shipped_rates().day}). Run `manage.py load_rates`."
        )
    if today - day > STALE_AFTER:
        return f"The exchange rates are from {day}, {(today - day).days} days ago: run `manage.py load_rates`."
    return None
