"""The guest's credit comes back once, whatever a change gave back before the booking ended.

A cheaper change of a far-ahead stay not charged yet gives back the credit it no longer uses at once; if the
stay is then cancelled for free (or lapses unpaid), only the credit still on the booking may come back:
releasing what the booking first took would give the change's share twice.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookings.models import BookingChange, BookingStatus
from bookings.services.cancellations import cancel_by_guest
from bookings.services.changes import NO_OPEN_CHANGE, accept_change, ask_change, decline_change, withdraw_change
from core.errors import Conflict
from promotions.models import CreditMovement
from promotions.selectors import credit_balance
from promotions.services import grant_credit, release, return_refund_share, spend_credit
from tests.bookings.test_payment_schedule import CHECK_IN, clock
from tests.changes.helpers import NOW
from tests.conftest import make_user
from tests.promotions.test_paid_later import book_far_ahead, refuse_charge

pytestmark = pytest.mark.django_db
CREDIT = 3_000


@pytest.fixture(autouse=True)
def _production_schedule(settings) -> None:
    settings.PAYMENT_SCHEDULE_AFTER_DAYS, settings.PAYMENT_CHARGE_DAYS_BEFORE = 30, 14
    settings.PAYMENT_RETRY_HOURS = 48


def guest_with_credit():
    guest = make_user()
    grant_credit(user_id=guest.pk, currency="EUR", amount=CREDIT, reference=f"gift:{guest.pk}", now=NOW)
    return guest


def test_releasing_a_booking_gives_back_only_the_credit_no_refund_gave_back_before():
    guest = guest_with_credit()
    spend_credit(guest=guest, currency="EUR", amount=CREDIT, reference="booking:999999", now=NOW)
    return_refund_share(reference="booking:999999", promotion=0, credit=1_000, operation="change-1", now=NOW)
    assert credit_balance(user=guest, currency="EUR") == 1_000

    release(reference="booking:999999", now=NOW)
    release(reference="booking:999999", now=NOW)

    assert credit_balance(user=guest, currency="EUR") == CREDIT


def cheaper_change(booking) -> None:
    with clock(NOW):
        ask_change(
            guest=booking.guest,
            booking_id=booking.pk,
            start=CHECK_IN,
            end=CHECK_IN + timedelta(days=1),
            guests=1,
            now=NOW,
        )
        accept_change(user=booking.listing.owner, booking_id=booking.pk, now=NOW)
    booking.refresh_from_db()


def test_a_free_cancellation_after_a_cheaper_change_gives_the_credit_back_once():
    guest = guest_with_credit()
    booking = book_far_ahead(guest=guest, use_credit=True)
    cheaper_change(booking)
    assert 0 < booking.credit < CREDIT
    assert credit_balance(user=guest, currency="EUR") == CREDIT - booking.credit

    with clock(NOW):
        cancel_by_guest(guest=guest, booking_id=booking.pk, now=NOW)

    assert credit_balance(user=guest, currency="EUR") == CREDIT


def test_a_change_open_when_the_stay_lapses_unpaid_closes_and_the_credit_comes_back_once():
    from bookings.services.schedule import lapse_unpaid_booking

    guest = guest_with_credit()
    booking = book_far_ahead(guest=guest, use_credit=True, card_number="4000000000000341")
    cheaper_change(booking)
    with clock(NOW):
        ask_change(
            guest=guest, booking_id=booking.pk, start=CHECK_IN, end=CHECK_IN + timedelta(days=2), guests=1, now=NOW
        )
    schedule = refuse_charge(booking)
    with clock(schedule.pay_by):
        lapse_unpaid_booking(booking_id=booking.pk, now=schedule.pay_by)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED_BY_GUEST
    assert credit_balance(user=guest, currency="EUR") == CREDIT

    # The change closed with the booking: answering it now changes nothing, and gives nothing back again.
    assert not BookingChange.objects.filter(booking=booking, status=BookingChange.Status.OPEN).exists()
    later = schedule.pay_by + timedelta(minutes=1)
    for act, user in ((withdraw_change, guest), (decline_change, booking.listing.owner)):
        with pytest.raises(Conflict, match=NO_OPEN_CHANGE):
            act(user=user, booking_id=booking.pk, now=later)
    assert credit_balance(user=guest, currency="EUR") == CREDIT
    released = CreditMovement.objects.filter(reason=CreditMovement.Reason.RELEASED, account__user=guest)
    assert released.count() == 1
