"""A budget-limited code is never over-spent: 50 guests apply it at the same instant, in real threads.

Each thread has its own database connection. On PostgreSQL the code's row lock and the conditional
UPDATE of its `spent` counter decide; on SQLite the IMMEDIATE transactions queue on the write lock.
Behind both, the constraint `promo_never_over_budget` refuses a counter above the budget. Runs in
both passes of `make test`.
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from bookings.models import Booking, BookingStatus
from bookings.services.checkout import request_booking
from core.errors import DomainError
from payments.models import Payment
from promotions.models import PromoCode, Redemption
from promotions.selectors import PromotionRefused
from tests.bookings.factories import CHECK_IN, CHECK_OUT, NOW
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.payments.fixtures import card
from tests.promotions.factories import make_code
from tests.support.threads import run_concurrently

GUESTS = 50
DISCOUNT = 1000  # 10.00 EUR off each booking
ROOM_FOR = 10  # the budget covers ten bookings


@pytest.mark.django_db(transaction=True)
def test_fifty_guests_applying_a_budget_limited_code_at_once_never_overspend_it():
    code = make_code(code="RACE", amount_off=DISCOUNT, currency="EUR", budget=DISCOUNT * ROOM_FOR)
    listings = [make_listing(instant_book=True) for _ in range(GUESTS)]
    guests = [make_user() for _ in range(GUESTS)]
    cards = [card() for _ in range(GUESTS)]

    def attempt(i):
        return lambda: request_booking(
            guest=guests[i],
            listing_id=listings[i].pk,
            start=CHECK_IN,
            end=CHECK_OUT,
            guests=1,
            payment_method=cards[i],
            now=NOW,
            promo_code="RACE",
        )

    results, errors = run_concurrently([attempt(i) for i in range(GUESTS)])

    assert len(results) == ROOM_FOR, [repr(error) for error in errors[:3]]
    assert len(errors) == GUESTS - ROOM_FOR
    for error in errors:
        assert isinstance(error, PromotionRefused), repr(error)
        assert error.code == "exhausted" and "used up" in error.message
    code.refresh_from_db()
    assert code.spent == code.budget
    assert Redemption.objects.filter(code=code).count() == ROOM_FOR
    assert sum(Redemption.objects.filter(code=code).values_list("amount", flat=True)) == code.budget
    # The refused guests left nothing behind: no booking, and their card holds were released.
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED, platform_promotion=DISCOUNT).count() == ROOM_FOR
    assert Booking.objects.count() == ROOM_FOR
    assert Payment.objects.filter(status=Payment.Status.CAPTURED).count() == ROOM_FOR


@pytest.mark.django_db(transaction=True)
def test_fifty_redemptions_at_once_stop_exactly_at_the_budget():
    """The same race on the redemption alone (no card), so many more of them meet in the same instant."""
    code = make_code(code="RACE2", amount_off=DISCOUNT, currency="EUR", budget=DISCOUNT * ROOM_FOR)
    guests = [make_user() for _ in range(GUESTS)]

    def attempt(i):
        def redeem():
            from promotions.services import redeem

            with transaction.atomic():
                return redeem(
                    code_text="RACE2", guest=guests[i], reference=f"test:{i}", amount=DISCOUNT, currency="EUR", now=NOW
                )

        return redeem

    results, errors = run_concurrently([attempt(i) for i in range(GUESTS)])

    assert len(results) == ROOM_FOR and len(errors) == GUESTS - ROOM_FOR
    assert all(isinstance(error, DomainError) and error.code == "exhausted" for error in errors)
    assert PromoCode.objects.get(pk=code.pk).spent == DISCOUNT * ROOM_FOR


@pytest.mark.django_db
def test_the_database_refuses_a_counter_above_the_budget():
    code = make_code(code="CAP", amount_off=DISCOUNT, currency="EUR", budget=DISCOUNT)
    with pytest.raises(IntegrityError), transaction.atomic():
        PromoCode.objects.filter(pk=code.pk).update(spent=DISCOUNT + 1)
