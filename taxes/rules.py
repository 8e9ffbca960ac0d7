"""Tax arithmetic: plain data and integers in minor units, no database (bookings.pricing reads it).

Rounding rule (the only one for taxes): a tax that is a percentage of an amount is rounded half up to
the nearest minor unit of the amount's currency, from the exact product. Percentages are held to a
thousandth of a percent (milli-percent, 20 % = 20,000), so 20 % of 1,050 EUR cents = 210 cents,
5.5 % of 1,001 = 55.055 -> 55 cents, 10 % of 1,235 JPY = 123.5 -> 124 yen. Amounts are never negative,
so half up and half away from zero agree. A currency's exponent needs no special case: amounts are
already in its minor units (cents, yen), and the result is a whole number of them.

A tax per person per night is the amount times persons times nights, exactly (no rounding); when staff
set it in another currency than the listing's it is converted once, by `core.rates.convert`'s rounding.

Refund shares: a refund of `refund` out of what the guest paid for one tax's base gives back
`share_back(tax, refund_base, base)`: the tax on what is refunded, by the same half-up rule; a full
refund gives the whole tax back, and what is kept plus what is given back is always the tax.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

MILLI_PERCENT = 100_000  # milli-percent in a whole


def milli_percent(percent: Decimal) -> int:
    """A percentage with at most 3 decimals as an integer number of thousandths of a percent."""
    scaled = Decimal(percent) * 1000
    if scaled != scaled.to_integral_value() or scaled < 0:
        raise ValueError(f"A tax rate is a non-negative percentage with at most 3 decimals, not {percent}.")
    return int(scaled)


def percent_of(amount: int, rate: int) -> int:
    """`rate` milli-percent of `amount` minor units, rounded half up to a minor unit (the rule above)."""
    if amount < 0 or rate < 0:
        raise ValueError("percent_of() takes a non-negative amount and rate")
    return (2 * amount * rate + MILLI_PERCENT) // (2 * MILLI_PERCENT)


def share_back(tax: int, refunded: int, base: int) -> int:
    """The part of `tax` given back when `refunded` of its `base` is refunded: half up, never more than `tax`."""
    if tax < 0 or refunded < 0 or base < 0:
        raise ValueError("share_back() takes non-negative amounts")
    if base == 0 or refunded >= base:
        return tax
    return (2 * tax * refunded + base) // (2 * base)


@dataclass(frozen=True)
class TaxRules:
    """The taxes that apply to one quote, found by `taxes.selectors.rules_for` (all optional)."""

    vat_country: str = ""
    vat_rate: int = 0  # milli-percent of Sharing's guest service fee
    host_vat_country: str = ""
    host_vat_rate: int = 0  # milli-percent of Sharing's host service fee (by the host's country)
    occupancy_place: str = ""  # "FR:Paris"
    occupancy_rate: int = 0  # milli-percent of the nights' price
    occupancy_per_person_night: int = 0  # minor units of the quote's currency

    @property
    def occupancy_label(self) -> str:
        return self.occupancy_place.split(":", 1)[-1]


@dataclass(frozen=True)
class TaxLines:
    vat: int
    occupancy_tax: int
    host_vat: int = 0


def tax_lines(
    rules: TaxRules, *, service_fee: int, nights_amount: int, nights: int, persons: int, host_service_fee: int = 0
) -> TaxLines:
    """VAT on the guest's service fee, VAT on the host's service fee (taken from the host's payout) and the
    occupancy tax on the nights (by percentage or per person per night)."""
    vat = percent_of(service_fee, rules.vat_rate) if rules.vat_country else 0
    host_vat = percent_of(host_service_fee, rules.host_vat_rate) if rules.host_vat_country else 0
    occupancy = 0
    if rules.occupancy_place:
        occupancy = percent_of(nights_amount, rules.occupancy_rate) + rules.occupancy_per_person_night * max(
            persons, 1
        ) * max(nights, 0)
    return TaxLines(vat=vat, occupancy_tax=occupancy, host_vat=host_vat)


def ledger_account(kind: str, place: str) -> str:
    """The ledger account a collected tax goes to: "tax:vat:FR", "tax:host_vat:DE", "tax:occupancy:FR:Paris"."""
    return f"tax:{kind}:{place}"
