"""Money properties with promo codes and credit, in a currency without decimals (JPY) and one with two (EUR).

Pure: for any quote, code, credit and cancellation, the quote adds up, the card plus Sharing's promotion
plus the credit pay exactly the total, and every refund goes back by the proportional rule to exactly
where it came from. End to end (fewer examples: each one books, pays and settles through the Stripe
harness): what the card was charged, what Sharing's promotion and the credit paid in, what was refunded
and what the host and Sharing kept sum up per currency, and `ledger_check` finds nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bookings import pricing
from bookings.models import Booking, BookingStatus
from bookings.services.cancellations import cancel_by_guest, cancel_by_host
from bookings.services.clock import complete_booking, release_payout, start_booking
from bookings.tenders import refund_tenders
from listings.models import CancellationPolicy, ListingKind
from payments.ledger import check_ledger
from payments.models import Payment
from promotions.services import grant_credit
from promotions.terms import Funder, PromotionTerms
from tests.bookings.factories import NOW
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.promotions.factories import book_room, make_code

CURRENCIES = st.sampled_from(["JPY", "EUR"])
POLICIES = st.sampled_from(list(CancellationPolicy.values))


@st.composite
def promotions(draw):
    if not draw(st.booleans()):
        return None
    funded_by = draw(st.sampled_from(list(Funder.values)))
    if draw(st.booleans()):
        return PromotionTerms(code="P", funded_by=funded_by, percent_bps=draw(st.integers(1, 10_000)))
    return PromotionTerms(code="P", funded_by=funded_by, amount_off=draw(st.integers(1, 5_000_000)))


@given(
    currency=CURRENCIES,
    kind=st.sampled_from(list(ListingKind.values)),
    units=st.integers(1, 60),
    unit_price=st.integers(1, 500_000),
    fee=st.integers(0, 50_000),
    weekly=st.integers(0, 5000),
    terms=promotions(),
    credit=st.integers(0, 200_000),
    policy=POLICIES,
    cancel_hours=st.integers(-24 * 20, 24 * 60),
)
@settings(max_examples=400, deadline=None)
def test_the_card_promotion_and_credit_pay_the_total_and_every_refund_goes_back_where_it_came_from(
    currency, kind, units, unit_price, fee, weekly, terms, credit, policy, cancel_hours
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
        weekly_bps=weekly,
    )
    assume(base.total > pricing.minimum_charge(currency))
    quote = pricing.apply_promotion(base, terms=terms, credit_available=credit, guest_fee_bps=1200, host_fee_bps=300)

    assert quote.charged >= pricing.minimum_charge(currency)
    assert quote.charged + quote.platform_promotion + quote.credit == quote.total
    assert quote.total == quote.units_amount + quote.fee + quote.guest_service_fee
    assert quote.host_payout + quote.host_service_fee == quote.units_amount + quote.fee
    assert min(quote.host_promotion, quote.platform_promotion, quote.credit, quote.host_payout) >= 0
    assert quote.total <= base.total and quote.host_payout <= base.host_payout
    if terms is None or terms.funded_by == Funder.PLATFORM:
        assert quote.host_payout == base.host_payout  # Sharing's promotion never touches the host's payout

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
    assert settlement.refund + settlement.host_payout + settlement.platform_fee == quote.total
    tenders = refund_tenders(quote, settlement.refund)
    assert tenders.card + tenders.promotion + tenders.credit == settlement.refund
    assert 0 <= tenders.card <= quote.charged
    assert 0 <= tenders.promotion <= quote.platform_promotion
    assert 0 <= tenders.credit <= quote.credit
    # What Sharing keeps after paying the promotion and the credit it did not get back.
    kept_subsidy = quote.platform_promotion + quote.credit - tenders.promotion - tenders.credit
    assert (quote.charged - tenders.card) + kept_subsidy == settlement.host_payout + settlement.platform_fee


OUTCOMES = st.sampled_from(["completed", "guest_cancels_before", "guest_cancels_during", "host_cancels"])


@pytest.mark.django_db
@given(
    currency=CURRENCIES,
    unit_price=st.integers(2_000, 40_000),
    funded_by=st.sampled_from([*Funder.values, ""]),
    percent=st.integers(1, 90),
    credit=st.integers(0, 30_000),
    policy=POLICIES,
    outcome=OUTCOMES,
    days_before=st.sampled_from([20, 6, 3, 0]),
)
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_charges_promotions_credit_refunds_and_payouts_sum_per_currency_and_the_ledger_is_clean(
    currency, unit_price, funded_by, percent, credit, policy, outcome, days_before
):
    listing = make_listing(
        currency=currency, unit_price=unit_price, fee_amount=0, cancellation_policy=policy, instant_book=True
    )
    guest = make_user()
    code = ""
    if funded_by:
        code = make_code(
            by=listing.owner if funded_by == Funder.HOST else None, funded_by=funded_by, percent=percent
        ).code
    if credit:
        grant_credit(user_id=guest.pk, currency=currency, amount=credit, reference=f"gift:{guest.pk}", now=NOW)

    booking = book_room(listing=listing, guest=guest, promo_code=code, use_credit=bool(credit))
    assert booking.status == BookingStatus.CONFIRMED
    if outcome == "completed":
        start_booking(booking_id=booking.pk, now=booking.start)
        complete_booking(booking_id=booking.pk, now=booking.end)
        release_payout(booking_id=booking.pk, now=booking.end)
    elif outcome == "guest_cancels_before":
        cancel_by_guest(guest=guest, booking_id=booking.pk, now=booking.start - timedelta(days=days_before, hours=1))
    elif outcome == "guest_cancels_during":
        # After the payout went out (24 h after the start): the claw-back path.
        start_booking(booking_id=booking.pk, now=booking.start)
        release_payout(booking_id=booking.pk, now=booking.start + timedelta(hours=24))
        cancel_by_guest(guest=guest, booking_id=booking.pk, now=booking.start + timedelta(hours=30))
    else:
        cancel_by_host(host=listing.owner, booking_id=booking.pk, now=booking.start - timedelta(days=1))
    booking = Booking.objects.get(pk=booking.pk)
    if booking.payout_released_at is None and booking.payout_amount > 0 and booking.payout_release_at is not None:
        release_payout(booking_id=booking.pk, now=booking.payout_release_at)

    payment = Payment.objects.get(reference=f"booking:{booking.pk}")
    assert payment.currency == currency
    assert payment.captured_amount == booking.charged
    assert payment.subsidy_amount == booking.platform_promotion + booking.credit
    assert payment.escrow_amount == 0  # everything went somewhere
    refunded = payment.refunded_amount + payment.subsidy_returned
    assert refunded == (booking.refund_amount or 0)
    if booking.refund_amount is not None:
        assert payment.host_payout_amount == booking.host_payout_after_cancellation
        assert payment.platform_fee_amount == booking.platform_keeps
    else:
        assert payment.host_payout_amount == booking.host_payout
        assert payment.platform_fee_amount == booking.guest_service_fee + booking.host_service_fee
    paid_in = payment.captured_amount + payment.subsidy_amount
    assert paid_in == booking.total == refunded + payment.host_payout_amount + payment.platform_fee_amount
    assert check_ledger() == []
