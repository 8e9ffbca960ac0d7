"""The booking page's receipt: the price line by line, and the money's steps with dates (bookings.receipts)."""

from __future__ import annotations

from datetime import UTC, datetime

from bookings.models import Booking, BookingStatus
from bookings.receipts import host_lines, money_steps, price_lines, units_line
from listings.models import Listing, ListingKind

ASKED = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
ACCEPTED = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
CANCELLED = datetime(2027, 3, 3, 8, 0, tzinfo=UTC)
PAYOUT_DUE = datetime(2027, 3, 6, 15, 0, tzinfo=UTC)


def two_nights(**changes) -> Booking:
    """2 nights at 85 EUR + 20 EUR cleaning: the guest pays 212.80 EUR, the host gets 184.30 EUR."""
    values = dict(
        listing=Listing(kind=ListingKind.ROOM),
        status=BookingStatus.CONFIRMED,
        currency="EUR",
        units=2,
        unit_price=8500,
        subtotal=17000,
        discount=0,
        fee=2000,
        guest_service_fee=2280,
        total=21280,
        host_service_fee=570,
        host_payout=18430,
        created_at=ASKED,
        confirmed_at=ACCEPTED,
        payout_release_at=PAYOUT_DUE,
    )
    values.update(changes)
    return Booking(**values)


def rows(lines) -> list[tuple[str, int]]:
    return [(line.label, line.amount) for line in lines]


def test_the_receipt_multiplies_nights_by_the_price_and_adds_the_fees_to_the_total():
    assert rows(price_lines(two_nights())) == [
        ("2 nights \u00d7 €85.00", 17000),
        ("Cleaning fee", 2000),
        ("Sharing's service fee", 2280),
        ("Total", 21280),
    ]


def test_a_refund_is_taken_off_the_total_on_the_receipt():
    booking = two_nights(status=BookingStatus.CANCELLED_BY_GUEST, refund_amount=12000, ended_at=CANCELLED)
    assert rows(price_lines(booking))[-2:] == [("Refunded to the guest", -12000), ("Paid in the end", 9280)]


def test_hours_capped_at_the_day_price_are_not_shown_as_a_wrong_product():
    car = two_nights(listing=Listing(kind=ListingKind.CAR), units=26, unit_price=1500, subtotal=9000, fee=0)
    assert price_lines(car)[0].label == "26 hours, capped at the day price"
    assert units_line(kind=ListingKind.CAR, units=3, unit_price=1500, subtotal=4500, currency="JPY") == (
        "3 hours \u00d7 ¥1,500"
    )


def test_the_host_sees_the_price_less_sharings_host_fee():
    assert rows(host_lines(two_nights())) == [
        ("The booking's price, with the fee", 19000),
        ("Sharing's host fee", -570),
        ("Your payout", 18430),
    ]


def test_the_money_steps_say_when_it_was_charged_refunded_and_when_the_payout_is_due():
    booking = two_nights(
        status=BookingStatus.CANCELLED_BY_GUEST,
        refund_amount=12000,
        host_payout_after_cancellation=5000,
        ended_at=CANCELLED,
    )
    steps = [(step.when, step.what, step.amount, step.done) for step in money_steps(booking)]
    assert steps == [
        (ASKED, "Card authorised (not charged yet)", 21280, True),
        (ACCEPTED, "Charged to the guest's card, held by Sharing", 21280, True),
        (CANCELLED, "Refunded to the guest's card", 12000, True),
        (PAYOUT_DUE, "To be paid out to the host", 5000, False),
    ]


def test_a_declined_request_says_nothing_was_charged():
    booking = two_nights(status=BookingStatus.DECLINED, confirmed_at=None, payout_release_at=None, ended_at=CANCELLED)
    assert [step.what for step in money_steps(booking)] == [
        "Card authorised (not charged yet)",
        "Authorisation released: nothing was charged",
    ]
    assert [line.label for line in price_lines(booking)][-1] == "Total"


def test_a_paid_out_booking_shows_the_payout_done_with_its_date():
    paid = datetime(2027, 3, 6, 16, 0, tzinfo=UTC)
    steps = money_steps(two_nights(status=BookingStatus.COMPLETED, payout_released_at=paid))
    assert (steps[-1].when, steps[-1].what, steps[-1].amount, steps[-1].done) == (
        paid,
        "Paid out to the host",
        18430,
        True,
    )


def test_an_instant_booking_is_charged_at_once_without_an_authorised_step():
    steps = money_steps(two_nights(confirmed_at=ASKED))
    charged, payout = "Charged to the guest's card, held by Sharing", "To be paid out to the host"
    assert [step.what for step in steps] == [charged, payout]
