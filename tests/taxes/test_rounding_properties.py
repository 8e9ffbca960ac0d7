"""Tax arithmetic as properties (hypothesis), in a currency without decimals (JPY) and one with two (EUR).

Rounding: a percentage tax is the exact product rounded half up to one minor unit. Refunds: for any
cancellation, refund + host payout + Sharing's fee + taxes kept (VAT on the host fee included) = the
total, what is given back of each tax is between nothing and all of it, and the card, Sharing's promotion
and the credit still pay exactly the total.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bookings import pricing
from bookings.pricing_taxes import apply_taxes
from bookings.tenders import refund_tenders
from listings.models import CancellationPolicy, ListingKind
from taxes.rules import TaxRules, milli_percent, percent_of, share_back

RATES = st.integers(0, 100_000)  # milli-percent: 0 % to 100 %


@given(amount=st.integers(0, 10**12), rate=RATES)
def test_a_percentage_tax_is_the_exact_product_rounded_half_up_to_a_minor_unit(amount, rate):
    exact = Decimal(amount) * Decimal(rate) / Decimal(100_000)
    assert percent_of(amount, rate) == int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert 0 <= percent_of(amount, rate) <= amount


@given(percent=st.decimals(min_value=0, max_value=100, places=3))
def test_a_rate_with_up_to_three_decimals_is_held_exactly(percent):
    assert Decimal(milli_percent(percent)) / 1000 == percent


@given(tax=st.integers(0, 10**9), base=st.integers(0, 10**9), refunded=st.integers(0, 10**9))
def test_a_refunds_share_of_a_tax_is_never_more_than_the_tax_and_all_of_it_for_a_full_refund(tax, base, refunded):
    back = share_back(tax, refunded, base)
    assert 0 <= back <= tax
    if refunded >= base:
        assert back == tax
    if refunded == 0 and base > 0:
        assert back == 0


@given(
    currency=st.sampled_from(["JPY", "EUR"]),
    kind=st.sampled_from(list(ListingKind.values)),
    units=st.integers(1, 40),
    unit_price=st.integers(1, 300_000),
    fee=st.integers(0, 30_000),
    persons=st.integers(1, 6),
    vat_rate=RATES,
    host_vat_rate=RATES,
    occupancy_rate=RATES,
    per_person=st.integers(0, 1_000),
    credit=st.integers(0, 100_000),
    policy=st.sampled_from(list(CancellationPolicy.values)),
    cancel_hours=st.integers(-24 * 20, 24 * 45),
)
@settings(max_examples=400, deadline=None)
def test_taxes_refunds_and_payouts_always_sum_to_what_the_guest_paid(
    currency,
    kind,
    units,
    unit_price,
    fee,
    persons,
    vat_rate,
    host_vat_rate,
    occupancy_rate,
    per_person,
    credit,
    policy,
    cancel_hours,
):
    base = pricing.make_quote(
        kind=kind,
        currency=currency,
        units=units,
        unit_price=unit_price,
        fee=fee,
        guest_fee_bps=1200,
        host_fee_bps=300,
        day_price=24 * unit_price,
    )
    assume(base.total > pricing.minimum_charge(currency))
    promoted = pricing.apply_promotion(base, terms=None, credit_available=credit, guest_fee_bps=1200, host_fee_bps=300)
    rules = TaxRules(
        vat_country="FR",
        vat_rate=vat_rate,
        host_vat_country="DE",
        host_vat_rate=host_vat_rate,
        occupancy_place="FR:Paris",
        occupancy_rate=occupancy_rate,
        occupancy_per_person_night=per_person,
    )
    quote = apply_taxes(promoted, rules=rules, kind=kind, persons=persons)

    assert quote.total == quote.units_amount + quote.fee + quote.guest_service_fee + quote.vat + quote.occupancy_tax
    assert quote.vat == percent_of(quote.guest_service_fee, vat_rate)
    # VAT on the host fee comes out of the host's payout (never the total); the guest's taxes never touch it.
    assert quote.host_vat == percent_of(quote.host_service_fee, host_vat_rate)
    assert quote.host_payout == promoted.host_payout - quote.host_vat >= 0
    assert quote.charged + quote.platform_promotion + quote.credit == quote.total
    if kind != ListingKind.ROOM:
        assert quote.occupancy_tax == 0

    start = datetime(2027, 3, 5, 15, 0, tzinfo=UTC)
    settlement = pricing.guest_cancellation(
        quote=quote,
        policy=policy,
        kind=kind,
        time_zone="Europe/Paris",
        start=start,
        booked_at=start - timedelta(days=30),
        cancelled_at=start + timedelta(hours=cancel_hours),
        host_fee_bps=300,
    )
    kept_taxes = settlement.vat + settlement.occupancy_tax + settlement.host_vat
    assert settlement.host_payout >= 0 and 0 <= settlement.host_vat <= quote.host_vat
    assert settlement.refund + settlement.host_payout + settlement.platform_fee + kept_taxes == quote.total
    assert 0 <= settlement.vat <= quote.vat and 0 <= settlement.occupancy_tax <= quote.occupancy_tax
    if settlement.refund == quote.total:
        assert kept_taxes == 0  # a full refund gives every tax back
    else:
        assert settlement.vat == quote.vat  # Sharing's fee is kept, so is the VAT on it
    tenders = refund_tenders(quote, settlement.refund)
    assert tenders.card + tenders.promotion + tenders.credit == settlement.refund
    assert 0 <= tenders.card <= quote.charged
