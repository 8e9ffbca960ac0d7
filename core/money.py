"""Money as people read it: integer minor units and a currency code, never a float.

The one formatter of the site (pages, the desk, messages, emails, PDFs) is `format_money`: each
currency is printed with its own ISO 4217 exponent, in the reader's locale (Babel). In English, with a
symbol where no reader can mistake it (€, £, ¥, $) and with its ISO code otherwise: "¥12,000", "€12.50",
"12.50 CHF", "12,000 KRW" (the rule is written above `format_money`); in the other languages, with the
locale's own pattern and symbol from CLDR (123450 EUR reads "1.234,50 €" in German, 1235 JPY "¥1,235" in
Japanese).
`to_minor` is the one way a typed amount becomes minor units (exact, never rounded).
"""

from __future__ import annotations

import copy
import re
from decimal import Decimal

from babel.core import Locale, UnknownLocaleError
from babel.numbers import format_currency, get_territory_currencies, parse_pattern
from django.utils import translation

from core.errors import DomainError

# The currencies a listing may be priced in: those Stripe settles that our hosts' countries use.
CURRENCIES = ("EUR", "USD", "GBP", "CHF", "JPY", "CNY", "KRW", "CAD", "AUD", "SEK", "MXN", "BRL")
DEFAULT_CURRENCY = "EUR"
# What a listing form or the API says of a code outside CURRENCIES ({code}: what was typed, cut short).
UNKNOWN_CURRENCY = "“{code}” is not a currency we handle: choose among {allowed}."
# The same sentence for a Django form's currency choice (Django fills %(value)s with what was sent).
CURRENCY_CHOICE_ERRORS = {"invalid_choice": UNKNOWN_CURRENCY.format(code="%(value)s", allowed=", ".join(CURRENCIES))}

# ISO 4217 exponents that are not 2 (the minor unit is not a hundredth).
_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip


# The least a card may be charged, per charge currency, in minor units: Stripe's "Minimum and maximum
# charge amounts" table (docs.stripe.com/currencies#minimum-and-maximum-charge-amounts): 0.50 in
# EUR, USD, CHF, CAD, AUD and BRL, 0.30 GBP, 50 JPY, 3.00 SEK, 10 MXN. KRW and CNY are not in that
# table; Stripe's rule for them is "0.50 USD or the equivalent in the charge currency", so they take
# that equivalent at the shipped rates (about 740 KRW, 3.60 CNY) rounded up with room for the rate to
# move: 1,000 KRW, 5.00 CNY. Stripe also wants a charge to convert to the minimum of the settlement
# currency; at these figures only 50-90 JPY would fall under 0.50 EUR, and no stay costs that.
MINIMUM_CHARGE: dict[str, int] = {
    "EUR": 50, "USD": 50, "GBP": 30, "CHF": 50, "JPY": 50, "CNY": 500,
    "KRW": 1_000, "CAD": 50, "AUD": 50, "SEK": 300, "MXN": 1_000, "BRL": 50,
}  # fmt: skip


def minimum_charge(currency: str) -> int:
    """The least a card is charged in `currency` (minor units), from MINIMUM_CHARGE."""
    return MINIMUM_CHARGE[currency.upper()]


def currency_exponent(currency: str) -> int:
    """How many decimals the currency's minor unit has (ISO 4217): 2 unless listed above."""
    return _EXPONENTS.get(currency.upper(), 2)


def checked_currency(code: object, *, field: str = "currency") -> str:
    """An allowed currency code (any case) in upper case, or a DomainError naming the allowed ones."""
    text = str(code or "").strip().upper()
    if text not in CURRENCIES:
        shown = str(code)[:12]
        raise DomainError(
            UNKNOWN_CURRENCY.format(code=shown, allowed=", ".join(CURRENCIES)), field=field, code="unknown_currency"
        )
    return text


def reader_locale() -> Locale:
    """The Babel locale of the active language (Django's LocaleMiddleware sets it per request)."""
    try:
        return Locale.parse(translation.to_locale(translation.get_language() or "en"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


# Symbol rule: a symbol only where an English reader cannot mistake it. "€" and "£" are one currency
# each; "¥" is the yen here because the yuan is always printed as "CNY"; "$" is the US dollar because
# the other dollars (CAD, AUD) and the peso (MXN) are always printed with their codes. Those four use
# the reader's locale's own pattern and symbol ("€12.50" in English, "12,50 €" in French, "$US" where
# the locale says so); every other currency is the number then the ISO code in every locale
# ("12.50 CHF", "12,000 KRW", "3.00 SEK"), since "Fr.", "₩", "kr" or "R$" are not read alike everywhere.
SYMBOL_CURRENCIES = frozenset({"EUR", "GBP", "JPY", "USD"})
_DECIMALS = re.compile(r"0\.0+")


def _digits(pattern: str, exponent: int) -> str:
    """The pattern with the currency's own number of decimals (ISO 4217), not the locale's two."""
    return _DECIMALS.sub("0" + ("." + "0" * exponent if exponent else ""), pattern)


def format_money(amount: int, currency: str, *, locale: Locale | str | None = None) -> str:
    """Minor units as the reader reads them, with the currency's own decimals: in English by the symbol rule
    above, in any other language by the locale's own pattern and symbol (`_local_money`).

    In English: 1200000 JPY -> "¥1,200,000", 1250 EUR -> "€12.50", 1250 GBP -> "£12.50", -5 USD -> "-$0.05",
    1250 CHF -> "12.50 CHF", 12000 KRW -> "12,000 KRW"; in French 1250 EUR -> "12,50 €", in Japanese
    1235 JPY -> "¥1,235".
    """
    code = currency.upper()
    exponent = currency_exponent(code)
    value = Decimal(int(amount)).scaleb(-exponent)
    reader = _babel_locale(locale) if locale else reader_locale()
    if reader.language != "en":
        return _local_money(value, code, exponent, reader)
    if code in SYMBOL_CURRENCIES:
        pattern = _digits(reader.currency_formats["standard"].pattern, exponent)
    else:
        pattern = "#,##0" + ("." + "0" * exponent if exponent else "") + " ¤¤"
    # currency_digits=False: the pattern's digits (ISO 4217) decide, not CLDR's cash digits.
    return format_currency(value, code, format=pattern, locale=reader, currency_digits=False)


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
