"""Money as people read it: integer minor units and a currency code, never a float.

The one formatter of the site (pages, the desk, messages, emails): each currency is
printed with its own ISO 4217 exponent, so 1234 JPY is "1,234 JPY" and 1234 EUR "12.34 EUR".
"""

from __future__ import annotations

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
