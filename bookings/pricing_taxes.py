"""Taxes in a quote: pure functions over integers in minor units (the rates come from the taxes app).

Kept beside `bookings.pricing` (which holds the refund rule for taxes, `tax_refund_shares`); the rounding
rule is `taxes.rules`'s.
"""

from __future__ import annotations

from dataclasses import replace

from bookings.pricing import Quote
from listings.models import ListingKind
from taxes.rules import TaxRules, tax_lines


def apply_taxes(quote: Quote, *, rules: TaxRules, kind: str, persons: int) -> Quote:
    """The quote with its tax lines added to the total (after promotions, which never discount a tax):
    VAT on Sharing's guest service fee, VAT on its host service fee (out of the host's payout, not in the
    total), and for rooms the city's occupancy tax on the nights' price (after discounts) or per person per
    night. Rounding: `taxes.rules` (half up to a minor unit)."""
    if kind != ListingKind.ROOM:
        rules = replace(rules, occupancy_place="", occupancy_rate=0, occupancy_per_person_night=0)
    lines = tax_lines(
        rules,
        service_fee=quote.guest_service_fee,
        nights_amount=quote.units_amount,
        nights=quote.units,
        persons=persons,
        host_service_fee=quote.host_service_fee,
    )
    return replace(
        quote,
        vat=lines.vat,
        vat_country=rules.vat_country if lines.vat else "",
        vat_rate=rules.vat_rate if lines.vat else 0,
        occupancy_tax=lines.occupancy_tax,
        occupancy_place=rules.occupancy_place if lines.occupancy_tax else "",
        total=quote.before_taxes + lines.vat + lines.occupancy_tax,
        # VAT on the host's fee is inside what the guest pays: it comes out of the host's payout, not the total.
        host_vat=lines.host_vat,
        host_vat_country=rules.host_vat_country if lines.host_vat else "",
        host_vat_rate=rules.host_vat_rate if lines.host_vat else 0,
        host_payout=quote.host_payout + quote.host_vat - lines.host_vat,
    )
