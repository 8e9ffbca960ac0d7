"""Money as people read it: integer minor units and a currency code, never a float.

The one formatter of the site (pages, the desk, messages, emails, PDFs) is `format_money`: each
currency is printed with its own ISO 4217 exponent, in the reader's locale (Babel): in English with the
currency's code (1234 JPY reads "1,234 JPY"), in the other languages with the locale's own pattern and
symbol from CLDR (123450 EUR reads "1.234,50 €" in German, 1235 JPY "¥1,235" in Japanese).
`to_minor` is the one way a typed amount becomes minor units (exact, never rounded).
"""

from __future__ import annotations

import copy
from decimal import Decimal

from babel.core import Locale, UnknownLocaleError
from babel.numbers import format_currency, get_territory_currencies, parse_pattern
from django.utils import translation

from core.errors import DomainError

# The currencies a listing may be priced in: those Stripe settles that our hosts' countries use.
CURRENCIES = ("EUR", "USD", "GBP", "CHF", "JPY", "CNY", "KRW", "CAD", "AUD", "SEK", "MXN", "BRL")
DEFAULT_CURRENCY = "EUR"

# ISO 4217 exponents that are not 2 (the minor unit is not a hundredth).
_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip


def currency_exponent(currency: str) -> int:
    """How many decimals the currency's minor unit has (ISO 4217): 2 unless listed above."""
    return _EXPONENTS.get(currency.upper(), 2)


def checked_currency(code: object, *, field: str = "currency") -> str:
    """An allowed currency code (any case) in upper case, or a DomainError naming the allowed ones."""
    text = str(code or "").strip().upper()
    if text not in CURRENCIES:
        shown = str(code)[:12]
        raise DomainError(f"“{shown}” is not a currency we handle: choose among {', '.join(CURRENCIES)}.", field=field)
    return text


def reader_locale() -> Locale:
    """The Babel locale of the active language (Django's LocaleMiddleware sets it per request)."""
    try:
        return Locale.parse(translation.to_locale(translation.get_language() or "en"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def format_money(amount: int, currency: str, *, locale: Locale | str | None = None) -> str:
    """Minor units as the reader reads them: 1234 EUR -> "12.34 EUR" (en), "12,34 €" (fr); 1234 JPY -> "¥1,234" (ja)."""
    code = currency.upper()
    exponent = currency_exponent(code)
    value = Decimal(int(amount)).scaleb(-exponent)
    reader = _babel_locale(locale) if locale else reader_locale()
    if reader.language != "en":
        return _local_money(value, code, exponent, reader)
    # Digits by the code's own exponent, then the ISO code (never a symbol: "$" is several currencies);
    # currency_digits=False: the pattern's digits (ISO 4217) decide, not CLDR's cash digits.
    pattern = "#,##0" + ("." + "0" * exponent if exponent else "") + " ¤¤"
    return format_currency(value, code, format=pattern, locale=locale or reader_locale(), currency_digits=False)


def _babel_locale(locale: Locale | str) -> Locale:
    try:
        return locale if isinstance(locale, Locale) else Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def _local_money(value: Decimal, code: str, exponent: int, reader: Locale) -> str:
    """The locale's own currency pattern and symbol (CLDR: "1.234,50 €" in de), with the ISO 4217 digits.

    CLDR disambiguates symbols per locale ("CA$", "JP¥" in Chinese); Japanese prints the yen sign
    half-width ("¥1,235"), as Japanese shops and receipts do, rather than CLDR's full-width "￥".
    """
    pattern = copy.copy(parse_pattern(reader.currency_formats["standard"].pattern))
    pattern.frac_prec = (exponent, exponent)
    shown = pattern.apply(value, reader, currency=code, currency_digits=False)
    return shown.replace("￥", "¥") if reader.language == "ja" else shown


def to_minor(amount: Decimal, currency: str) -> int:
    """An amount typed in the currency's units to minor units: 12.5 EUR -> 1250, 1234 JPY -> 1234.

    Exact, never rounded: more decimals than the currency has (12.345 EUR, 10.5 JPY) is a
    ValueError whose message is written for the person who typed it.
    """
    exponent = currency_exponent(currency)
    minor = Decimal(amount).scaleb(exponent)
    if minor != minor.to_integral_value():
        code = currency.upper()
        if exponent == 0:
            raise ValueError(f"{code} has no smaller unit: type a whole number of {code}.")
        raise ValueError(f"{code} has {exponent} decimals: type at most {exponent} digits after the point.")
    return int(minor)


# The name the disputes and payments code already use.
minor_units = to_minor


def to_major(amount: int, currency: str) -> Decimal:
    """Minor units back to the currency's units, exactly: 1250 EUR -> 12.50, 1234 JPY -> 1234."""
    exponent = currency_exponent(currency)
    return Decimal(int(amount)).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent))


def currency_for_country(country_code: str) -> str:
    """The currency a listing in this country is priced in by default: the country's own if we handle it."""
    codes = get_territory_currencies(country_code.upper())  # [] for a territory Babel does not know
    return next((code for code in codes if code in CURRENCIES), DEFAULT_CURRENCY)
