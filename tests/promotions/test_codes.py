"""Promo codes in the quote and at checkout: the discount, who pays it, and each refusal with its reason."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookings.models import Booking, BookingStatus
from bookings.services.checkout import quote_request
from payments.models import Payment
from promotions.models import PromoCode, Redemption
from promotions.selectors import PromotionRefused
from tests.bookings.factories import CHECK_IN, CHECK_OUT, NOW
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.promotions.factories import book_room, make_code

pytestmark = pytest.mark.django_db


def quote(listing, guest, code="", **kwargs):
    return quote_request(
        guest=guest,
        listing_id=listing.pk,
        start=kwargs.pop("start", CHECK_IN),
        end=kwargs.pop("end", CHECK_OUT),
        guests=1,
        now=kwargs.pop("now", NOW),
        promo_code=code,
        **kwargs,
    ).quote


def refusal(listing, guest, code, **kwargs) -> PromotionRefused:
    with pytest.raises(PromotionRefused) as caught:
        quote(listing, guest, code, **kwargs)
    assert caught.value.field == "promo_code"
    return caught.value


def test_a_platform_code_is_paid_by_sharing_and_leaves_the_host_payout_whole():
    listing = make_listing()  # 3 nights x 80.00 + 20.00 cleaning
    guest = make_user()
    plain = quote(listing, guest)
    make_code(code="WELCOME", percent=10)

    promoted = quote(listing, guest, "welcome")

    assert promoted.platform_promotion == 2400  # 10 % of 240.00 of nights
    assert promoted.host_promotion == 0
    assert promoted.total == plain.total and promoted.host_payout == plain.host_payout
    assert promoted.charged == plain.total - 2400


def test_a_host_code_lowers_the_price_and_the_host_payout():
    listing = make_listing()
    guest = make_user()
    plain = quote(listing, guest)
    make_code(by=listing.owner, funded_by="host", code="ADA", amount_off=5000, currency="EUR")

    promoted = quote(listing, guest, "ADA")

    assert promoted.host_promotion == 5000
    assert promoted.units_amount == plain.units_amount - 5000
    assert promoted.total < plain.total and promoted.host_payout < plain.host_payout
    assert promoted.charged == promoted.total


def test_an_unknown_code_is_refused_with_its_reason():
    error = refusal(make_listing(), make_user(), "NOPE")
    assert error.code == "unknown" and "do not know" in error.message


def test_an_expired_code_is_refused():
    make_code(code="OLD", valid_from=NOW - timedelta(days=10), valid_until=NOW - timedelta(days=1))
    assert refusal(make_listing(), make_user(), "OLD").message == "This promo code has expired."


def test_a_used_up_code_is_refused():
    code = make_code(code="GONE", amount_off=1000, currency="EUR", budget=1000)
    PromoCode.objects.filter(pk=code.pk).update(spent=1000)
    assert refusal(make_listing(), make_user(), "GONE").code == "exhausted"


def test_a_code_whose_budget_cannot_cover_this_discount_is_refused():
    make_code(code="SMALL", amount_off=3000, currency="EUR", budget=2000)
    assert refusal(make_listing(), make_user(), "SMALL").code == "exhausted"


def test_a_code_for_another_kind_is_refused():
    make_code(code="CARS", kinds=["car"])
    assert refusal(make_listing(), make_user(), "CARS").message == "This promo code is for cars only."


def test_a_code_below_its_minimum_is_refused():
    make_code(code="BIG", min_spend=100_000, currency="EUR")
    error = refusal(make_listing(), make_user(), "BIG")
    assert error.code == "below_minimum" and "€1,000.00" in error.message


def test_a_code_in_another_currency_is_refused():
    make_code(code="YEN", amount_off=1000, currency="JPY")
    error = refusal(make_listing(), make_user(), "YEN")
    assert error.code == "wrong_currency" and "JPY" in error.message


def test_a_first_booking_code_is_refused_after_a_first_booking():
    make_code(code="FIRST", first_booking_only=True, per_person_limit=5)
    guest = make_user()
    book_room(guest=guest)
    error = refusal(make_listing(), guest, "FIRST")
    assert error.message == "This promo code is for a first booking only."


def test_a_host_code_is_refused_on_another_hosts_listing():
    host = make_user()
    make_listing(owner=host)
    make_code(by=host, funded_by="host", code="MINE")
    assert refusal(make_listing(), make_user(), "MINE").code == "wrong_listing"


def test_a_code_used_once_per_person_is_refused_the_second_time():
    make_code(code="ONCE")
    guest = make_user()
    book_room(guest=guest, promo_code="ONCE")
    assert refusal(make_listing(), guest, "ONCE").code == "limit_reached"


def test_checkout_charges_the_card_less_and_records_the_redemption():
    make_code(code="WELCOME", percent=10, budget=100_000, currency="EUR")
    booking = book_room(promo_code="WELCOME", instant_book=True)

    assert booking.status == BookingStatus.CONFIRMED
    assert booking.platform_promotion == 2400 and booking.charged == booking.total - 2400
    payment = Payment.objects.get(reference=f"booking:{booking.pk}")
    assert payment.amount == booking.charged and payment.captured_amount == booking.charged
    assert payment.escrow_amount == booking.total  # the card plus Sharing's promotion
    assert PromoCode.objects.get(code="WELCOME").spent == 2400
    assert Redemption.objects.get(reference=f"booking:{booking.pk}").amount == 2400


def test_a_refused_code_at_checkout_leaves_no_booking_and_no_card_hold():
    make_code(code="CARS", kinds=["car"])
    with pytest.raises(PromotionRefused):
        book_room(promo_code="CARS")
    assert not Booking.objects.exists() and not Payment.objects.exists() and not Redemption.objects.exists()


def test_a_declined_request_gives_the_code_back():
    from bookings.services.answers import decline_booking

    code = make_code(code="BACK", amount_off=1000, currency="EUR", budget=1000)
    booking = book_room(promo_code="BACK")
    assert PromoCode.objects.get(pk=code.pk).spent == 1000

    decline_booking(host=booking.listing.owner, booking_id=booking.pk, now=NOW)

    assert PromoCode.objects.get(pk=code.pk).spent == 0
    assert Redemption.objects.get(reference=f"booking:{booking.pk}").status == Redemption.Status.RELEASED
    book_room(promo_code="BACK", guest=booking.guest)  # usable again, by the same person too
