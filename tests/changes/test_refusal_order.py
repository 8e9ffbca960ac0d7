"""A change that must be refused is refused before any tax lookup or money work: no tax rules read, no card held.

The tax lookup and the money port are replaced by tripwires; each refusal must still be the person's sentence.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta
from unittest import mock

import pytest

from bookings.models import BookingChange
from bookings.services.cancellations import cancel_by_guest
from bookings.services.changes import accept_change, ask_change, propose_change
from core.errors import DomainError
from tests.changes.helpers import MARCH, NOW, booked
from tests.payments.fixtures import card

pytestmark = pytest.mark.django_db


class Tripwire(AssertionError):
    pass


@contextmanager
def tripwires():
    """Taxes and money blow up if touched; gives the money mock so a test can see it was not called."""
    money = mock.Mock()
    money.return_value.authorise.side_effect = Tripwire("a card was held")
    with (
        mock.patch("bookings.services.changes.taxed", side_effect=Tripwire("the tax rules were read")),
        mock.patch("bookings.services.taxation.rules_for", side_effect=Tripwire("the tax rules were read")),
        mock.patch("bookings.services.changes.money", money),
    ):
        yield money


def longer(booking, start: date | None = None, end: date | None = None, guests: int = 1) -> dict:
    return {"booking_id": booking.pk, "start": start or MARCH(5), "end": end or MARCH(10), "guests": guests}


def cases(booking):
    horizon = NOW.date() + timedelta(days=booking.listing.booking_horizon_days + 30)
    return {
        "past_dates": longer(booking, start=date(2027, 1, 2), end=date(2027, 1, 9)),
        "beyond_horizon": longer(booking, start=horizon, end=horizon + timedelta(days=6)),
        "over_capacity": longer(booking, guests=booking.listing.capacity + 1),
        "dates_taken": longer(booking, start=MARCH(9), end=MARCH(14)),
    }


def test_every_refusal_of_an_ask_comes_before_taxes_and_the_card():
    booking = booked()
    booked(listing=booking.listing, check_in=MARCH(10), check_out=MARCH(12))
    payment_method = card()
    for code, asked in cases(booking).items():
        with tripwires() as money:
            with pytest.raises(DomainError) as refused:
                ask_change(guest=booking.guest, payment_method=payment_method, now=NOW, **asked)
            assert refused.value.code == code, (code, refused.value.message)
            with pytest.raises(DomainError) as refused:
                propose_change(host=booking.listing.owner, now=NOW, **asked)
            assert refused.value.code == code
        assert not money.return_value.authorise.called
    assert not BookingChange.objects.exists()


def test_a_booking_in_the_wrong_state_is_refused_before_taxes_and_the_card():
    booking = booked()
    cancel_by_guest(guest=booking.guest, booking_id=booking.pk, now=NOW)
    payment_method = card()
    with tripwires(), pytest.raises(DomainError) as refused:
        ask_change(guest=booking.guest, payment_method=payment_method, now=NOW, **longer(booking))
    assert refused.value.code == "wrong_state"


def test_accepting_a_change_into_dates_taken_since_is_refused_before_the_guests_card_is_held():
    booking = booked()
    propose_change(host=booking.listing.owner, now=NOW, **longer(booking))
    booked(listing=booking.listing, check_in=MARCH(9), check_out=MARCH(11))  # taken since it was proposed
    payment_method = card()
    with tripwires() as money, pytest.raises(DomainError) as refused:
        accept_change(user=booking.guest, booking_id=booking.pk, payment_method=payment_method, now=NOW)
    assert refused.value.code == "dates_taken"
    assert not money.return_value.authorise.called
    assert BookingChange.objects.get().status == BookingChange.Status.OPEN
