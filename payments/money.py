"""Formatting integer minor units for people; no float is involved anywhere."""

from __future__ import annotations

# Currencies whose minor unit is not a hundredth (ISO 4217 exponents).
_EXPONENTS = {"JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "JOD": 3, "TND": 3}


def format_money(amount: int, currency: str) -> str:
    """1234, "EUR" -> "12.34 EUR"; -5, "EUR" -> "-0.05 EUR"."""
    exponent = _EXPONENTS.get(currency.upper(), 2)
    sign = "-" if amount < 0 else ""
    whole, fraction = divmod(abs(int(amount)), 10**exponent)
    text = f"{whole:,}" if exponent == 0 else f"{whole:,}.{fraction:0{exponent}d}"
    return f"{sign}{text} {currency.upper()}"
