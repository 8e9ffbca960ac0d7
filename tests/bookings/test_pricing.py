"""Quotes and refunds: the tables from the issue's rules, and the money property under any cancellation time."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bookings import pricing, pricing_words
from bookings.pricing import Quote, Settlement, apply_bps, guest_cancellation, make_quote, share
from listings.models import CancellationPolicy, ListingKind

START = datetime(2027, 3, 5, 14, 0, tzinfo=UTC)  # 15:00 in Paris
BOOKED = datetime(2027, 1, 1, 12, 0, tzinfo=UTC)


def room_quote(nights: int = 3, *, unit_price: int = 10000, fee: int = 2000, weekly: int = 0, monthly: int = 0):
    return make_quote(
        kind=ListingKind.ROOM,
        currency="EUR",
        units=nights,
        unit_price=unit_price,
        fee=fee,
        guest_fee_bps=1200,
        host_fee_bps=300,
        weekly_bps=weekly,
        monthly_bps=monthly,
    )


# --- Rounding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "bps", "expected"),
    [
        (1050, 1200, 126),  # 126.0
        (50, 300, 2),  # 1.5 rounds half up
        (49, 300, 1),  # 1.47
        (1, 5000, 1),  # 0.5 rounds up
        (0, 1200, 0),
        (99999, 10000, 99999),
    ],
)
def test_basis_points_round_half_up_to_the_minor_unit(amount, bps, expected):
    assert apply_bps(amount, bps) == expected


def test_share_refuses_negative_amounts():
    with pytest.raises(ValueError):
        share(-1, 1, 2)


# --- Quotes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nights", "weekly", "monthly", "subtotal", "discount"),
    [
        (3, 1000, 2000, 30000, 0),  # no discount under 7 nights
        (7, 1000, 2000, 70000, 7000),  # weekly from 7
        (27, 1000, 2000, 270000, 27000),
        (28, 1000, 2000, 280000, 56000),  # monthly from 28
        (28, 1500, 0, 280000, 42000),  # no monthly set: the weekly still applies
        (10, 0, 0, 100000, 0),
    ],
)
def test_room_quote_applies_the_weekly_and_monthly_discounts(nights, weekly, monthly, subtotal, discount):
    quote = room_quote(nights, weekly=weekly, monthly=monthly)
    assert (quote.subtotal, quote.discount) == (subtotal, discount)


def test_room_quote_adds_fees_and_splits_host_payout():
    quote = room_quote(3)
    # 3 x 100.00 + 20.00 cleaning = 320.00; guest fee 12 % = 38.40; host fee 3 % = 9.60
    assert quote == Quote(
        currency="EUR",
        units=3,
        unit_price=10000,
        subtotal=30000,
        discount=0,
        fee=2000,
        guest_service_fee=3840,
        total=35840,
        host_service_fee=960,
        host_payout=31040,
    )


@pytest.mark.parametrize(
    ("hours", "subtotal"),
    [
        (1, 1500),  # one hour at 15.00
        (3, 4500),
        (4, 6000),  # four hours = the day price
        (5, 6000),  # never more than a day's price for a partial day
        (23, 6000),
        (24, 6000),  # one whole day
        (25, 7500),  # a day and an hour
        (30, 12000),  # a day and six hours, capped at a second day
        (72, 18000),
    ],
)
def test_car_quote_charges_whole_days_then_capped_hours(hours, subtotal):
    quote = make_quote(
        kind=ListingKind.CAR,
        currency="EUR",
        units=hours,
        unit_price=1500,
        fee=0,
        guest_fee_bps=1200,
        host_fee_bps=300,
        day_price=6000,
    )
    assert quote.subtotal == subtotal
    assert quote.total == subtotal + apply_bps(subtotal, 1200)


@pytest.mark.parametrize(("half_hours", "hour_price", "subtotal"), [(2, 2000, 2000), (3, 2000, 3000), (3, 2001, 3002)])
def test_driver_quote_is_by_the_half_hour(half_hours, hour_price, subtotal):
    quote = make_quote(
        kind=ListingKind.DRIVER,
        currency="EUR",
        units=half_hours,
        unit_price=hour_price,
        fee=0,
        guest_fee_bps=1200,
        host_fee_bps=300,
    )
    assert quote.subtotal == subtotal


def test_room_period_uses_the_listing_local_check_in_and_check_out_times():
    start, end = pricing.room_period(
        time_zone="Europe/Paris",
        check_in=date(2027, 3, 5),
        check_out=date(2027, 3, 8),
        check_in_time=time(15, 0),
        check_out_time=time(11, 0),
    )
    assert start == datetime(2027, 3, 5, 14, 0, tzinfo=UTC)
    assert end == datetime(2027, 3, 8, 10, 0, tzinfo=UTC)
    assert pricing.nights_between(time_zone="Europe/Paris", start=start, end=end) == 3


def test_nights_count_local_days_across_a_daylight_saving_change():
    start, end = pricing.room_period(
        time_zone="Europe/Paris",
        check_in=date(2027, 3, 27),
        check_out=date(2027, 3, 29),  # clocks go forward on the 28th
        check_in_time=time(15, 0),
        check_out_time=time(11, 0),
    )
    assert pricing.billed_units(kind=ListingKind.ROOM, time_zone="Europe/Paris", start=start, end=end) == 2


@pytest.mark.parametrize(("kind", "minutes"), [(ListingKind.CAR, 90), (ListingKind.DRIVER, 45)])
def test_periods_off_the_kind_step_are_refused(kind, minutes):
    with pytest.raises(pricing.DomainError):
        pricing.billed_units(kind=kind, time_zone="UTC", start=START, end=START + timedelta(minutes=minutes))


# --- Refunds ----------------------------------------------------------------------------------


def cancel(quote, policy, *, before=None, after=None, booked_at=BOOKED, kind=ListingKind.ROOM):
    at = START - before if before is not None else START + after
    return guest_cancellation(
        quote=quote,
        policy=policy,
        kind=kind,
        time_zone="Europe/Paris",
        start=START,
        booked_at=booked_at,
        cancelled_at=at,
        host_fee_bps=300,
    )


H = timedelta(hours=1)
D = timedelta(days=1)
# 3 nights at 100.00 + 20.00 cleaning: total 358.40, guest fee 38.40
Q3 = room_quote(3)


@pytest.mark.parametrize(
    ("policy", "when", "refund"),
    [
        # flexible
        (CancellationPolicy.FLEXIBLE, {"before": 24 * H}, 35840),
        (CancellationPolicy.FLEXIBLE, {"before": 30 * D}, 35840),
        (CancellationPolicy.FLEXIBLE, {"before": 23 * H}, 35840 - 3840 - 10000),  # first night + fee kept
        (CancellationPolicy.FLEXIBLE, {"before": timedelta(0)}, 35840 - 3840 - 10000),
        (CancellationPolicy.FLEXIBLE, {"after": 2 * H}, 10000),  # night 1 begun, night 2 kept, night 3 back
        (CancellationPolicy.FLEXIBLE, {"after": D + H}, 0),  # nights 1-2 begun, night 3 is the next one
        # moderate
        (CancellationPolicy.MODERATE, {"before": 5 * D}, 35840),
        (CancellationPolicy.MODERATE, {"before": 5 * D - H}, 15000),  # 50 % of 300.00
        (CancellationPolicy.MODERATE, {"before": H}, 15000),
        (CancellationPolicy.MODERATE, {"after": H}, 15000),
        # strict (booked long before: the 48 h grace does not apply)
        (CancellationPolicy.STRICT, {"before": 30 * D}, 15000),
        (CancellationPolicy.STRICT, {"before": 7 * D}, 15000),
        (CancellationPolicy.STRICT, {"before": 7 * D - H}, 0),
        (CancellationPolicy.STRICT, {"after": H}, 0),
    ],
)
def test_guest_refund_table(policy, when, refund):
    settlement = cancel(Q3, policy, **when)
    assert settlement.refund == refund
    assert settlement.refund + settlement.host_payout + settlement.platform_fee == Q3.total


def test_strict_gives_everything_back_within_48_hours_of_booking_if_14_days_ahead():
    booked = START - 20 * D
    assert cancel(Q3, CancellationPolicy.STRICT, before=20 * D - 47 * H, booked_at=booked).refund == Q3.total
    assert cancel(Q3, CancellationPolicy.STRICT, before=20 * D - 49 * H, booked_at=booked).refund == 15000
    # within 48 h of booking but less than 14 days ahead: only the 7-day rule
    late_booking = START - 10 * D
    assert cancel(Q3, CancellationPolicy.STRICT, before=10 * D - H, booked_at=late_booking).refund == 15000


def test_late_flexible_cancellation_pays_the_host_the_first_night_less_the_host_fee():
    settlement = cancel(Q3, CancellationPolicy.FLEXIBLE, before=2 * H)
    assert settlement == Settlement(refund=22000, host_payout=10000 - 300, platform_fee=3840 + 300)


def test_strict_late_cancellation_pays_the_host_the_normal_payout():
    settlement = cancel(Q3, CancellationPolicy.STRICT, before=H)
    assert settlement.host_payout == Q3.host_payout
    assert settlement.platform_fee == Q3.guest_service_fee + Q3.host_service_fee


def test_flexible_after_start_counts_hours_for_cars():
    quote = make_quote(
        kind=ListingKind.CAR, currency="EUR", units=5, unit_price=1000, fee=0, guest_fee_bps=1200, host_fee_bps=300
    )
    # 5 hours at 10.00 (day price 240.00 not reached); cancelled 90 minutes in: hours 1-2 begun, hour 3 kept
    settlement = cancel(quote, CancellationPolicy.FLEXIBLE, after=timedelta(minutes=90), kind=ListingKind.CAR)
    assert settlement.refund == 2000


def test_full_refund_gives_everything_back():
    assert pricing.full_refund(Q3) == Settlement(refund=Q3.total, host_payout=0, platform_fee=0)


def test_policy_text_names_the_unit():
    assert "first night" in pricing_words.policy_in_plain_words(CancellationPolicy.FLEXIBLE, "night")


# --- The property -----------------------------------------------------------------------------

kinds = st.sampled_from([ListingKind.ROOM, ListingKind.CAR, ListingKind.DRIVER])


@settings(max_examples=100, deadline=None)
@given(
    kind=kinds,
    units=st.integers(min_value=1, max_value=60),
    unit_price=st.integers(min_value=1, max_value=500_000),
    fee=st.integers(min_value=0, max_value=100_000),
    day_price=st.integers(min_value=1, max_value=2_000_000),
    weekly=st.integers(min_value=0, max_value=10_000),
    monthly=st.integers(min_value=0, max_value=10_000),
    guest_bps=st.integers(min_value=0, max_value=3000),
    host_bps=st.integers(min_value=0, max_value=3000),
    policy=st.sampled_from(CancellationPolicy.values),
    booked_before_start=st.integers(min_value=0, max_value=90 * 24 * 60),
    cancel_offset=st.integers(min_value=-90 * 24 * 60, max_value=60 * 24 * 60),
)
def test_refund_host_payout_and_platform_fee_always_add_up_to_what_the_guest_paid(
    kind,
    units,
    unit_price,
    fee,
    day_price,
    weekly,
    monthly,
    guest_bps,
    host_bps,
    policy,
    booked_before_start,
    cancel_offset,
):
    quote = make_quote(
        kind=kind,
        currency="EUR",
        units=units,
        unit_price=unit_price,
        fee=fee,
        guest_fee_bps=guest_bps,
        host_fee_bps=host_bps,
        day_price=day_price,
        weekly_bps=weekly,
        monthly_bps=monthly,
    )
    booked_at = START - timedelta(minutes=booked_before_start)
    cancelled_at = max(booked_at, START + timedelta(minutes=cancel_offset))
    settlement = guest_cancellation(
        quote=quote,
        policy=policy,
        kind=kind,
        time_zone="Europe/Paris",
        start=START,
        booked_at=booked_at,
        cancelled_at=cancelled_at,
        host_fee_bps=host_bps,
    )
    assert settlement.refund + settlement.host_payout + settlement.platform_fee == quote.total
    assert min(settlement.refund, settlement.host_payout, settlement.platform_fee) >= 0
    assert quote.total == quote.subtotal - quote.discount + quote.fee + quote.guest_service_fee
    assert quote.host_payout + quote.host_service_fee == quote.subtotal - quote.discount + quote.fee
