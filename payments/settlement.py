"""Which currencies a Stripe connected account in each country can receive: the settlement currencies table.

Source: Stripe's docs, "Receive payouts", section "Supported settlement currencies" per account
country (https://docs.stripe.com/payouts#supported-accounts-and-settlement-currencies), and
"Cross-border payouts" (https://docs.stripe.com/connect/cross-border-payouts) for what a platform
may send across borders. Rows are kept for the countries of the currencies Sharing prices in
(core.money.CURRENCIES), each with its full list (the harness also settles other currencies).
Stripe opens no accounts in South Korea or mainland China: no host there can be paid, and no
country here settles KRW or CNY. Plain data with no Django import, so the Stripe harness
(devtools) refuses transfers by the same table.
"""

from __future__ import annotations

# Stripe's European accounts settle in EUR and, with a bank account in it, these other currencies.
_EUROPE = frozenset({"BGN", "CHF", "CZK", "DKK", "EUR", "GBP", "HUF", "NOK", "PLN", "RON", "SEK", "USD"})
_EURO_COUNTRIES = ("AT", "BE", "DE", "ES", "FI", "FR", "GR", "IE", "IT", "LU", "NL", "PT")

SETTLEMENT_CURRENCIES: dict[str, frozenset[str]] = {
    **{country: _EUROPE for country in _EURO_COUNTRIES},
    "GB": _EUROPE,
    "CH": _EUROPE,
    "SE": _EUROPE,
    "US": frozenset({"USD"}),
    "CA": frozenset({"CAD", "USD"}),
    "AU": frozenset({"AUD"}),
    "JP": frozenset({"JPY"}),
    "MX": frozenset({"MXN", "USD"}),
    "BR": frozenset({"BRL"}),
}

# An account's default currency (what Stripe sets at creation): the first one it settles in locally.
DEFAULT_CURRENCY: dict[str, str] = {
    **{country: "EUR" for country in _EURO_COUNTRIES},
    "GB": "GBP",
    "CH": "CHF",
    "SE": "SEK",
    "US": "USD",
    "CA": "CAD",
    "AU": "AUD",
    "JP": "JPY",
    "MX": "MXN",
    "BR": "BRL",
}


def can_receive(country: str, currency: str) -> bool:
    """Whether a connected account in `country` (ISO 3166 alpha-2) can receive `currency` (ISO 4217)."""
    return currency.upper() in SETTLEMENT_CURRENCIES.get(country.upper(), frozenset())
