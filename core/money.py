"""Money as people read it: integer minor units and a currency code, never a float.

The one formatter of the site (pages, the desk, messages, emails): each currency is
printed with its own ISO 4217 exponent, so 1234 JPY is "1,234 JPY" and 1234 EUR "12.34 EUR".
"""

from __future__ import annotations

from decimal import Decimal

# ISO 4217 exponents that are not 2 (the minor unit is not a hundredth).
_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip


def currency_exponent(currency: str) -> int:
    """How many decimals the currency's minor unit has (ISO 4217): 2 unless listed above."""
    return _EXPONENTS.get(currency.upper(), 2)


def format_money(amount: int, currency: str) -> str:
    """1234, "EUR" -> "12.34 EUR"; -5, "EUR" -> "-0.05 EUR"; 1234, "JPY" -> "1,234 JPY"."""
    exponent = currency_exponent(currency)
    sign = "-" if amount < 0 else ""
    whole, fraction = divmod(abs(int(amount)), 10**exponent)
    text = f"{whole:,}" if exponent == 0 else f"{whole:,}.{fraction:0{exponent}d}"
    return f"{sign}{text} {currency.upper()}"


def minor_units(amount: Decimal, currency: str) -> int:
    """An amount typed in the currency's units to minor units: 12.5 EUR -> 1250, 1234 JPY -> 1234.

    Exact, never rounded: more decimals than the currency has (12.345 EUR, 10.5 JPY) is a
    ValueError whose message is written for the person who typed it.
    """
    exponent = currency_exponent(currency)
    minor = amount.scaleb(exponent)
    if minor != minor.to_integral_value():
        code = currency.upper()
        if exponent == 0:
            raise ValueError(f"{code} has no smaller unit: type a whole number of {code}.")
        raise ValueError(f"{code} has {exponent} decimals: type at most {exponent} digits after the point.")
    return int(minor)
