"""A change settles exactly the difference: refunded when cheaper, charged when dearer, repriced when not paid yet.

Everything goes through the localstripe harness and the money outbox; `ledger_checked` runs after each test.
"""

from __future__ import annotations

import pytest

from bookings.models import Booking, BookingChange, PaymentSchedule
from bookings.money import booking_reference
from bookings.services.changes import (
    BANK_WANTS_CHECK,
    NEEDS_CARD,
    accept_change,
    ask_change,
    decline_change,
    propose_change,
)
from core.errors import CardRefused, DomainError
from listings.models import BusyPeriod
from payments.models import Payment
from tests.changes.helpers import MARCH, NOW, booked
from tests.payments.fixtures import DECLINED, THREE_D_SECURE, card

pytestmark = pytest.mark.django_db


def payments_of(booking: Booking) -> list[Payment]:
    return list(Payment.objects.filter(reference=booking_reference(booking.pk)).order_by("pk"))


def test_a_shorter_stay_refunds_exactly_the_difference_to_the_card():
    booking = booked()
    old_total = booking.total
    change = ask_change(guest=booking.guest, booking_id=booking.pk, start=MARCH(5), end=MARCH(7), guests=1, now=NOW)
    assert change.difference < 0
    accept_change(user=booking.listing.owner, booking_id=booking.pk, now=NOW)

    booking.refresh_from_db()
    assert (booking.units, booking.total) == (2, change.total)
    assert booking.start == change.start and booking.end == change.end
    period = BusyPeriod.objects.get(pk=booking.busy_period_id)
    assert (period.start, period.end) == (change.start, change.end)
    [payment] = payments_of(booking)
    assert payment.refunded_amount == old_total - booking.total
    assert payment.escrow_amount == booking.total


def test_a_longer_stay_charges_the_new_total_and_refunds_the_first_payment():
    booking = booked()
    old_total = booking.total
    change = ask_change(
        guest=booking.guest,
        booking_id=booking.pk,
        start=MARCH(5),
        end=MARCH(10),
        guests=1,
        payment_method=card(),
        now=NOW,
    )
    assert change.difference > 0 and change.payment_id is not None
    accept_change(user=booking.listing.owner, booking_id=booking.pk, now=NOW)

    booking.refresh_from_db()
    assert booking.units == 5
    first, second = payments_of(booking)
    assert (first.captured_amount, first.refunded_amount) == (old_total, old_total)
    assert second.status == Payment.Status.CAPTURED and second.captured_amount == booking.total
    # What the guest paid in all is the new total: exactly the difference more.
    paid = sum(p.captured_amount - p.refunded_amount for p in (first, second))
    assert paid == old_total + change.difference == booking.total


def test_a_refused_card_refuses_the_change_and_nothing_is_written():
    booking = booked()
    before = (booking.start, booking.end, booking.total)
    with pytest.raises(DomainError, match="declined") as refused:
        ask_change(
            guest=booking.guest,
            booking_id=booking.pk,
            start=MARCH(5),
            end=MARCH(10),
            guests=1,
            payment_method=card(DECLINED),
            now=NOW,
        )
    assert refused.value.status_code == 402
    booking.refresh_from_db()
    assert (booking.start, booking.end, booking.total) == before
    assert not BookingChange.objects.exists()


def test_a_card_whose_bank_wants_a_check_is_let_go_and_the_guest_is_told_to_use_another():
    booking = booked()
    with pytest.raises(CardRefused, match=BANK_WANTS_CHECK):
        ask_change(
            guest=booking.guest,
            booking_id=booking.pk,
            start=MARCH(5),
            end=MARCH(10),
            guests=1,
            payment_method=card(THREE_D_SECURE),
            now=NOW,
        )
    assert not BookingChange.objects.exists()
    held = Payment.objects.exclude(reference=booking_reference(booking.pk)).get()
    assert held.status == Payment.Status.CANCELED


def test_a_dearer_change_without_a_card_asks_for_one():
    booking = booked()
    with pytest.raises(CardRefused, match=NEEDS_CARD):
        ask_change(guest=booking.guest, booking_id=booking.pk, start=MARCH(5), end=MARCH(10), guests=1, now=NOW)


def test_the_host_proposes_a_dearer_change_and_the_guest_pays_it_when_accepting():
    booking = booked()
    change = propose_change(
        host=booking.listing.owner, booking_id=booking.pk, start=MARCH(4), end=MARCH(8), guests=1, now=NOW
    )
    assert change.payment_id is None
    with pytest.raises(CardRefused, match=NEEDS_CARD):
        accept_change(user=booking.guest, booking_id=booking.pk, now=NOW)
    accept_change(user=booking.guest, booking_id=booking.pk, payment_method=card(), now=NOW)
    booking.refresh_from_db()
    assert booking.units == 4
    assert sum(p.captured_amount - p.refunded_amount for p in payments_of(booking)) == booking.total


def test_declining_a_dearer_change_releases_the_card_held_for_it():
    booking = booked()
    change = ask_change(
        guest=booking.guest,
        booking_id=booking.pk,
        start=MARCH(5),
        end=MARCH(10),
        guests=1,
        payment_method=card(),
        now=NOW,
    )
    decline_change(user=booking.listing.owner, booking_id=booking.pk, now=NOW)
    assert Payment.objects.get(pk=change.payment_id).status == Payment.Status.CANCELED
    booking.refresh_from_db()
    assert booking.units == 3
    [payment] = payments_of(booking)
    assert payment.refunded_amount == 0


def test_a_far_ahead_booking_not_charged_yet_gets_its_scheduled_charge_repriced(settings):
    from datetime import timedelta

    from bookings.services.schedule import charge_scheduled_payment
    from tests.bookings.test_payment_schedule import CHECK_IN, book_far_ahead, clock

    settings.PAYMENT_SCHEDULE_AFTER_DAYS = 30
    settings.PAYMENT_CHARGE_DAYS_BEFORE = 14
    booking = book_far_ahead("")
    schedule = PaymentSchedule.objects.get(booking=booking)
    with clock(NOW):
        ask_change(
            guest=booking.guest,
            booking_id=booking.pk,
            start=CHECK_IN,
            end=CHECK_IN + timedelta(days=5),
            guests=1,
            now=NOW,
        )
        accept_change(user=booking.listing.owner, booking_id=booking.pk, now=NOW)
    booking.refresh_from_db()
    [saved] = payments_of(booking)
    assert saved.amount == booking.total and saved.captured_amount == 0
    with clock(schedule.charge_at):
        charge_scheduled_payment(booking_id=booking.pk, now=schedule.charge_at)
    saved.refresh_from_db()
    assert saved.captured_amount == booking.total


def test_a_far_ahead_booking_moved_earlier_is_charged_that_much_earlier(settings):
    from datetime import timedelta

    from tests.bookings.test_payment_schedule import CHECK_IN, book_far_ahead, clock

    settings.PAYMENT_SCHEDULE_AFTER_DAYS = 30
    settings.PAYMENT_CHARGE_DAYS_BEFORE = 14
    booking = book_far_ahead("")
    before = PaymentSchedule.objects.get(booking=booking).charge_at
    earlier = CHECK_IN - timedelta(days=10)
    with clock(NOW):
        ask_change(
            guest=booking.guest,
            booking_id=booking.pk,
            start=earlier,
            end=earlier + timedelta(days=3),
            guests=1,
            now=NOW,
        )
        accept_change(user=booking.listing.owner, booking_id=booking.pk, now=NOW)
    booking.refresh_from_db()
    schedule = PaymentSchedule.objects.get(booking=booking)
    assert schedule.charge_at == before - timedelta(days=10)
    assert schedule.charge_at == booking.start - timedelta(days=14)


def test_after_a_dearer_change_the_host_cancelling_refunds_the_new_total_from_the_new_payment():
    from bookings.services.cancellations import cancel_by_host

    booking = booked()
    ask_change(
        guest=booking.guest,
        booking_id=booking.pk,
        start=MARCH(5),
        end=MARCH(10),
        guests=1,
        payment_method=card(),
        now=NOW,
    )
    accept_change(user=booking.listing.owner, booking_id=booking.pk, now=NOW)
    cancel_by_host(host=booking.listing.owner, booking_id=booking.pk, now=NOW)
    booking.refresh_from_db()
    first, second = payments_of(booking)
    assert first.refunded_amount == first.captured_amount
    assert second.refunded_amount == second.captured_amount == booking.total
    assert first.escrow_amount == second.escrow_amount == 0


def test_after_a_cheaper_change_the_host_is_paid_the_new_payout():
    from bookings.services.clock import release_payout, start_booking

    booking = booked()
    ask_change(guest=booking.guest, booking_id=booking.pk, start=MARCH(5), end=MARCH(7), guests=1, now=NOW)
    accept_change(user=booking.listing.owner, booking_id=booking.pk, now=NOW)
    booking.refresh_from_db()
    start_booking(booking_id=booking.pk, now=booking.start)
    release_payout(booking_id=booking.pk, now=booking.payout_release_at)
    [payment] = payments_of(booking)
    payment.refresh_from_db()
    assert payment.host_payout_amount == booking.host_payout
    assert payment.escrow_amount == 0
