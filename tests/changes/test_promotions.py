"""A booking paid partly with a promo code or credit can change: the code's terms and the credit carry over.

Cheaper: each tender gets its share back (the card, Sharing's promotion to its budget, the credit to the
balance, a host code's budget). Dearer: the code's terms give more, never over its budget, on the same
redemption. A dearer change of a charged booking partly paid by Sharing's promotion or credit is refused (409).
Every test runs through the Stripe harness and ends with `ledger_check` (tests/changes/conftest.py).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookings.models import Booking, BookingChange, PaymentSchedule
from bookings.money import booking_reference
from bookings.pricing import share
from bookings.services.answers import accept_booking
from bookings.services.change_money import PROMOTION_DEARER
from bookings.services.changes import accept_change, ask_change, propose_change
from core.errors import Conflict
from payments.models import Payment
from promotions.models import PromoCode, Redemption
from promotions.selectors import credit_balance
from promotions.services import grant_credit
from tests.bookings.test_payment_schedule import CHECK_IN, clock
from tests.changes.helpers import MARCH, NOW
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.payments.fixtures import card
from tests.promotions.factories import book_room, make_code
from tests.promotions.test_paid_later import book_far_ahead

pytestmark = pytest.mark.django_db


def with_credit(amount: int) -> object:
    guest = make_user()
    grant_credit(user_id=guest.pk, currency="EUR", amount=amount, reference=f"gift:{guest.pk}", now=NOW)
    return guest


def confirmed(**fields) -> Booking:
    """5 to 8 March 2027 (3 nights at the listing's price), paid at once, with a code and/or credit."""
    booking = book_room(check_in=MARCH(5), check_out=MARCH(8), **fields)
    if booking.status == "requested":
        booking = accept_booking(host=booking.listing.owner, booking_id=booking.pk, now=NOW)
    return booking


def spent(code: PromoCode) -> int:
    code.refresh_from_db()
    return code.spent


def payments_of(booking: Booking) -> list[Payment]:
    return list(Payment.objects.filter(reference=booking_reference(booking.pk)).order_by("pk"))


def shorter(booking: Booking) -> Booking:
    ask_change(guest=booking.guest, booking_id=booking.pk, start=MARCH(5), end=MARCH(7), guests=1, now=NOW)
    accept_change(user=booking.listing.owner, booking_id=booking.pk, now=NOW)
    booking.refresh_from_db()
    return booking


def test_a_host_code_prices_a_shorter_stay_by_its_terms_and_its_budget_gets_the_difference_back():
    listing = make_listing()
    code = make_code(by=listing.owner, funded_by="host", percent=10)
    booking = confirmed(listing=listing, promo_code=code.code)
    old_promotion, old_charged = booking.host_promotion, booking.charged
    assert old_promotion == share(booking.subtotal - booking.discount, 1000, 10_000) > 0

    booking = shorter(booking)

    assert booking.promo_code == code.code and booking.units == 2
    assert booking.host_promotion == share(booking.subtotal - booking.discount, 1000, 10_000) < old_promotion
    assert spent(code) == booking.host_promotion
    kept = Redemption.objects.get(reference=booking_reference(booking.pk))
    assert kept.amount - kept.returned == booking.host_promotion
    [payment] = payments_of(booking)
    assert payment.refunded_amount == old_charged - booking.charged
    change = BookingChange.objects.get(booking=booking)
    assert (change.old_charged, change.host_promotion, change.charged) == (
        old_charged,
        booking.host_promotion,
        booking.charged,
    )


def test_a_dearer_change_takes_more_of_a_host_codes_budget_on_the_same_redemption():
    listing = make_listing()
    code = make_code(by=listing.owner, funded_by="host", percent=10, per_person_limit=1)
    booking = confirmed(listing=listing, promo_code=code.code)
    old_promotion = booking.host_promotion

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
    booking.refresh_from_db()

    assert booking.units == 5 and booking.host_promotion > old_promotion
    assert spent(code) == booking.host_promotion
    # One use of the code, however the booking changes: the per-person limit (1) is not tripped.
    [redemption] = Redemption.objects.filter(code=code, guest=booking.guest, status=Redemption.Status.ACTIVE)
    assert redemption.amount == booking.host_promotion
    first, second = payments_of(booking)
    assert second.captured_amount == booking.charged and first.refunded_amount == first.captured_amount


def test_a_dearer_change_never_spends_more_than_the_codes_budget():
    listing = make_listing()
    code = make_code(by=listing.owner, funded_by="host", percent=50, budget=15_000, currency="EUR")
    booking = confirmed(listing=listing, promo_code=code.code)
    left = code.budget - spent(code)
    assert 0 < left < booking.host_promotion  # five nights at 50 % would need more than is left

    change = ask_change(
        guest=booking.guest,
        booking_id=booking.pk,
        start=MARCH(5),
        end=MARCH(10),
        guests=1,
        payment_method=card(),
        now=NOW,
    )
    assert change.host_promotion == booking.host_promotion + left
    accept_change(user=booking.listing.owner, booking_id=booking.pk, now=NOW)
    booking.refresh_from_db()

    assert booking.host_promotion == change.host_promotion
    assert spent(code) == code.budget


def test_a_budget_spent_by_others_after_the_ask_refuses_the_dearer_change_and_nothing_moves():
    listing = make_listing()
    code = make_code(by=listing.owner, funded_by="host", percent=50, budget=15_000, currency="EUR")
    booking = confirmed(listing=listing, promo_code=code.code)
    ask_change(
        guest=booking.guest,
        booking_id=booking.pk,
        start=MARCH(5),
        end=MARCH(10),
        guests=1,
        payment_method=card(),
        now=NOW,
    )
    PromoCode.objects.filter(pk=code.pk).update(spent=code.budget)  # another guest used the rest meanwhile

    with pytest.raises(Conflict) as refused:
        accept_change(user=booking.listing.owner, booking_id=booking.pk, now=NOW)

    assert refused.value.code == "exhausted"
    booking.refresh_from_db()
    assert booking.units == 3 and spent(code) == code.budget
    assert BookingChange.objects.get(booking=booking).status == BookingChange.Status.OPEN


def test_a_shorter_stay_gives_back_its_share_of_sharings_promotion_and_of_the_credit():
    guest = with_credit(3_000)
    code = make_code(percent=10)
    booking = confirmed(guest=guest, promo_code=code.code, use_credit=True)
    old = Booking.objects.get(pk=booking.pk)
    assert old.platform_promotion > 0 and old.credit == 3_000

    booking = shorter(booking)

    # The code's terms on the new price; the credit less its share of the price difference.
    assert booking.platform_promotion == share(booking.subtotal - booking.discount, 1000, 10_000)
    assert booking.credit == old.credit - share(old.total - booking.total, old.credit, old.total)
    assert spent(code) == booking.platform_promotion
    assert credit_balance(user=guest, currency="EUR") == old.credit - booking.credit
    [payment] = payments_of(booking)
    assert payment.refunded_amount == old.charged - booking.charged
    assert payment.escrow_amount == booking.total


@pytest.mark.parametrize("paid_with", ["promotion", "credit"])
def test_a_dearer_change_of_a_charged_booking_partly_paid_by_sharing_is_refused_before_the_card(paid_with):
    guest = with_credit(3_000)
    fields = {"promo_code": make_code(percent=10).code} if paid_with == "promotion" else {"use_credit": True}
    booking = confirmed(guest=guest, **fields)
    before = payments_of(booking)

    with pytest.raises(Conflict) as refused:
        ask_change(
            guest=guest,
            booking_id=booking.pk,
            start=MARCH(5),
            end=MARCH(10),
            guests=1,
            payment_method=card(),
            now=NOW,
        )

    assert (refused.value.code, refused.value.message) == ("promotion_dearer", PROMOTION_DEARER)
    assert payments_of(booking) == before and not BookingChange.objects.filter(booking=booking).exists()
    with pytest.raises(Conflict, match="promo code or credit"):
        propose_change(host=booking.listing.owner, booking_id=booking.pk, start=MARCH(5), end=MARCH(10), guests=1)


def test_a_far_ahead_stay_not_charged_yet_changes_with_its_credit_and_code(settings):
    settings.PAYMENT_SCHEDULE_AFTER_DAYS, settings.PAYMENT_CHARGE_DAYS_BEFORE = 30, 14
    guest = with_credit(3_000)
    code = make_code(percent=10)
    booking = book_far_ahead(guest=guest, promo_code=code.code, use_credit=True)
    old = Booking.objects.get(pk=booking.pk)
    with clock(NOW):
        ask_change(
            guest=guest, booking_id=booking.pk, start=CHECK_IN, end=CHECK_IN + timedelta(days=2), guests=1, now=NOW
        )
        accept_change(user=booking.listing.owner, booking_id=booking.pk, now=NOW)
    booking.refresh_from_db()

    assert booking.credit < old.credit and booking.platform_promotion < old.platform_promotion
    [saved] = payments_of(booking)
    assert (saved.amount, saved.captured_amount) == (booking.charged, 0)
    assert spent(code) == booking.platform_promotion
    assert credit_balance(user=guest, currency="EUR") == old.credit - booking.credit
    assert PaymentSchedule.objects.get(booking=booking).state == PaymentSchedule.State.SCHEDULED

    # A dearer change before the charge: nothing was paid in, so the code gives more and the card is repriced.
    with clock(NOW):
        ask_change(
            guest=guest, booking_id=booking.pk, start=CHECK_IN, end=CHECK_IN + timedelta(days=6), guests=1, now=NOW
        )
        accept_change(user=booking.listing.owner, booking_id=booking.pk, now=NOW)
    booking.refresh_from_db()
    saved.refresh_from_db()
    assert booking.units == 6 and saved.amount == booking.charged
    assert spent(code) == booking.platform_promotion > old.platform_promotion
