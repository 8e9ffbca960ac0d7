"""A booking that adopts a hold the guest's card already has (an on-demand request's estimate) instead of a new one."""

from __future__ import annotations

import pytest

from bookings.models import Booking, BookingStatus
from bookings.money import booking_reference, money
from bookings.services.answers import accept_booking
from bookings.services.checkout import request_booking
from core.errors import Conflict, DomainError
from payments import gateway, ledger
from payments.models import Payment
from tests.bookings.factories import CHECK_IN, CHECK_OUT, NOW
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.payments.fixtures import card

pytestmark = pytest.mark.django_db

ROOM_TOTAL = 29120  # three nights of the factory's room, fees included (tests/bookings/test_money.py)


def hold(guest, amount: int, currency: str = "EUR") -> int:
    """What an on-demand request does first: hold an amount on the card, for something that is not a booking yet."""
    authorisation = money().authorise(
        payer=guest, amount=amount, currency=currency, reference="dispatch:test", payment_method=card()
    )
    assert authorisation.authorised
    return authorisation.payment_id


def book_with(guest, payment_id: int, *, listing=None) -> Booking:
    return request_booking(
        guest=guest,
        listing_id=(listing or make_listing(instant_book=True)).pk,
        start=CHECK_IN,
        end=CHECK_OUT,
        guests=1,
        authorisation=payment_id,
        now=NOW,
    )


def untouched(payment_id: int) -> None:
    payment = Payment.objects.get(pk=payment_id)
    assert (payment.status, payment.reference, payment.captured_amount) == (
        Payment.Status.AUTHORIZED,
        "dispatch:test",
        0,
    )
    assert gateway.retrieve_payment_intent(payment.stripe_payment_intent_id).status == "requires_capture"


def test_instant_book_adopts_a_larger_hold_and_charges_only_the_total(ledger_checked):
    guest = make_user()
    payment_id = hold(guest, 40_000)

    booking = book_with(guest, payment_id)

    assert (booking.status, booking.total) == (BookingStatus.CONFIRMED, ROOM_TOTAL)
    payment = Payment.objects.get(pk=payment_id)
    assert payment.reference == booking_reference(booking.pk)
    assert (payment.amount, payment.captured_amount) == (40_000, ROOM_TOTAL)
    assert Payment.objects.filter(payer=guest).count() == 1
    assert gateway.retrieve_payment_intent(payment.stripe_payment_intent_id).amount_received == ROOM_TOTAL
    assert ledger.escrow_balance(reference=booking_reference(booking.pk), currency="EUR") == ROOM_TOTAL


def test_a_request_adopts_the_hold_and_the_host_accepting_charges_the_total(ledger_checked):
    guest = make_user()
    payment_id = hold(guest, 30_000)
    booking = book_with(guest, payment_id, listing=make_listing(instant_book=False))
    assert Payment.objects.get(pk=payment_id).status == Payment.Status.AUTHORIZED

    accept_booking(host=booking.listing.owner, booking_id=booking.pk, now=NOW)

    assert Payment.objects.get(pk=payment_id).captured_amount == ROOM_TOTAL


def test_a_hold_smaller_than_the_total_is_refused_and_left_alone(ledger_checked):
    guest = make_user()
    payment_id = hold(guest, ROOM_TOTAL - 1)
    with pytest.raises(DomainError, match="more than what is held"):
        book_with(guest, payment_id)
    assert not Booking.objects.exists()
    untouched(payment_id)


def test_a_hold_in_another_currency_is_refused(ledger_checked):
    guest = make_user()
    payment_id = hold(guest, 90_000, currency="USD")
    with pytest.raises(DomainError, match="The fare is in EUR, but the card is held in USD"):
        book_with(guest, payment_id)
    assert not Booking.objects.exists()


def test_someone_elses_hold_cannot_be_adopted(ledger_checked):
    owner, thief = make_user(), make_user()
    payment_id = hold(owner, 40_000)
    with pytest.raises(DomainError, match="no longer held"):
        book_with(thief, payment_id)
    assert not Booking.objects.exists()
    untouched(payment_id)


def test_a_released_hold_cannot_be_adopted(ledger_checked):
    guest = make_user()
    payment_id = hold(guest, 40_000)
    money().abandon(payment_id=payment_id)
    with pytest.raises(DomainError, match="no longer held"):
        book_with(guest, payment_id)
    assert not Booking.objects.exists()


def test_a_booking_that_cannot_be_made_leaves_the_hold_to_whoever_made_it(ledger_checked):
    guest = make_user()
    listing = make_listing(instant_book=True)
    first = make_user()
    book_with(first, hold(first, 40_000), listing=listing)  # the dates are taken now
    payment_id = hold(guest, 40_000)
    with pytest.raises(Conflict):
        book_with(guest, payment_id, listing=listing)
    # Not released: the on-demand request can still be booked with another provider.
    untouched(payment_id)
