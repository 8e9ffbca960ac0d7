"""Far-ahead stays (the saved card charged at start - 14 days) with promo codes and credit.

The code and the credit are reserved at booking (the budget and the per-person limit count them), the
saved card is charged only its part on schedule with the promotion and credit paid into escrow beside it,
and both come back whole when the stay never takes place: declined, expired, cancelled before the charge,
or lapsed after a refused charge. Every test runs through the Stripe harness and ends with `ledger_check`.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from bookings.models import Booking, BookingStatus, PaymentSchedule
from bookings.money import booking_reference
from bookings.selectors import booking_quote
from bookings.services.answers import accept_booking, decline_booking
from bookings.services.cancellations import cancel_by_guest, cancel_by_host, guest_refund
from bookings.services.checkout import request_booking
from bookings.services.clock import advance_due_bookings, expire_booking
from bookings.services.schedule import pay_now, sync_scheduled_charge
from bookings.tenders import refund_tenders
from core.money import format_money
from listings.models import CancellationPolicy, Listing, ListingKind
from payments.ledger import escrow_balance
from payments.models import MoneyOperation, Payment
from promotions.models import CreditMovement, PromoCode, Redemption
from promotions.selectors import PromotionRefused, credit_balance
from promotions.services import grant_credit
from tests.bookings.factories import NOW
from tests.bookings.test_payment_schedule import CHECK_IN, CHECK_OUT, DECLINED_LATER, charge_day, clock
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.payments.fixtures import VISA, card
from tests.promotions.factories import make_code

pytestmark = pytest.mark.django_db

CREDIT = 2_000


@pytest.fixture(autouse=True)
def _production_schedule(settings) -> None:
    settings.PAYMENT_SCHEDULE_AFTER_DAYS = 30
    settings.PAYMENT_CHARGE_DAYS_BEFORE = 14
    settings.PAYMENT_RETRY_HOURS = 48


def request_far_ahead(
    *,
    listing: Listing | None = None,
    guest=None,
    promo_code: str = "",
    use_credit: bool = False,
    card_number: str = VISA,
    policy: str = CancellationPolicy.FLEXIBLE,
) -> Booking:
    """A room 200 days ahead, requested at NOW with a code and/or credit (nothing is held: the card is saved)."""
    listing = listing or make_listing(kind=ListingKind.ROOM, cancellation_policy=policy)
    with clock(NOW):
        return request_booking(
            guest=guest or make_user(),
            listing_id=listing.pk,
            start=CHECK_IN,
            end=CHECK_OUT,
            guests=1,
            payment_method=card(card_number),
            promo_code=promo_code,
            use_credit=use_credit,
        )


def with_credit(amount: int = CREDIT):
    guest = make_user()
    grant_credit(user_id=guest.pk, currency="EUR", amount=amount, reference=f"gift:{guest.pk}", now=NOW)
    return guest


def book_far_ahead(**fields) -> Booking:
    booking = request_far_ahead(**fields)
    with clock(NOW):
        return accept_booking(host=booking.listing.owner, booking_id=booking.pk)


def saved_card(booking: Booking) -> Payment:
    return Payment.objects.filter(reference=booking_reference(booking.pk)).order_by("pk").first()


def escrow(booking: Booking) -> int:
    return escrow_balance(reference=booking_reference(booking.pk), currency=booking.currency)


def spent(code: PromoCode) -> int:
    code.refresh_from_db()
    return code.spent


def redemption(booking: Booking) -> Redemption:
    return Redemption.objects.get(reference=booking_reference(booking.pk))


def refuse_charge(booking: Booking) -> PaymentSchedule:
    with clock(charge_day(booking)):
        advance_due_bookings()
    schedule = PaymentSchedule.objects.get(booking=booking)
    assert schedule.state == PaymentSchedule.State.FAILED
    return schedule


# --- Reserved at booking ----------------------------------------------------------------------------


def test_a_far_ahead_stay_takes_a_code_and_credit_and_saves_the_card_for_its_part_only():
    code = make_code(code="SUMMER", percent=10)
    guest = with_credit()

    booking = book_far_ahead(guest=guest, promo_code="SUMMER", use_credit=True)

    assert booking.status == BookingStatus.CONFIRMED and booking.promo_code == "SUMMER"
    assert booking.platform_promotion > 0 and booking.credit == CREDIT
    payment = saved_card(booking)
    assert (payment.status, payment.amount, payment.captured_amount) == ("card_saved", booking.charged, 0)
    assert booking.charged == booking.total - booking.platform_promotion - CREDIT
    # Reserved now: the budget counts the discount and the credit is spent; nothing is in escrow yet.
    assert spent(code) == booking.platform_promotion
    assert redemption(booking).status == Redemption.Status.ACTIVE
    assert credit_balance(user=guest, currency="EUR") == 0
    assert escrow(booking) == 0 and not MoneyOperation.objects.filter(payment=payment).exists()


def test_a_reservation_counts_against_the_budget_before_any_charge():
    make_code(code="ONE-STAY", amount_off=2_000, currency="EUR", budget=3_000, per_person_limit=5)
    book_far_ahead(promo_code="ONE-STAY")

    with pytest.raises(PromotionRefused) as refused:
        request_far_ahead(promo_code="ONE-STAY")
    assert refused.value.code == "exhausted"
    assert Booking.objects.count() == 1


def test_a_reservation_counts_against_the_per_person_limit_before_any_charge():
    make_code(code="ONCE")
    guest = make_user()
    book_far_ahead(guest=guest, promo_code="ONCE")

    with pytest.raises(PromotionRefused) as refused:
        request_far_ahead(guest=guest, promo_code="ONCE")
    assert refused.value.code == "limit_reached"


# --- Carried into the scheduled charge -----------------------------------------------------------------


def test_the_scheduled_charge_takes_the_cards_part_and_pays_the_promotion_and_credit_into_escrow():
    code = make_code(code="SUMMER", percent=10)
    booking = book_far_ahead(guest=with_credit(), promo_code="SUMMER", use_credit=True)

    with clock(charge_day(booking)):
        assert advance_due_bookings()["payments_charged"] == 1

    payment = saved_card(booking)
    assert (payment.status, payment.captured_amount) == (Payment.Status.CAPTURED, booking.charged)
    assert payment.subsidy_amount == booking.platform_promotion + booking.credit
    charge = MoneyOperation.objects.get(payment=payment, kind=MoneyOperation.Kind.CHARGE)
    assert (charge.amount, charge.promotion, charge.credit) == (booking.charged, booking.platform_promotion, CREDIT)
    assert escrow(booking) == booking.total
    assert PaymentSchedule.objects.get(booking=booking).state == "paid"
    assert spent(code) == booking.platform_promotion


def test_a_host_funded_code_lowers_the_scheduled_charge_and_the_hosts_payout():
    listing = make_listing(kind=ListingKind.ROOM)
    code = make_code(by=listing.owner, funded_by="host", code="MYPLACE", percent=20)
    booking = book_far_ahead(listing=listing, promo_code="MYPLACE")

    assert booking.host_promotion > 0 and booking.platform_promotion == 0
    assert spent(code) == booking.host_promotion
    with clock(charge_day(booking)):
        advance_due_bookings()

    assert saved_card(booking).captured_amount == booking.charged == booking.total
    assert escrow(booking) == booking.total
    # The host funds it: their payout is on the price after the discount.
    base = booking.subtotal - booking.discount - booking.host_promotion + booking.fee
    assert booking.host_payout + booking.host_service_fee == base


def test_paying_on_session_after_a_refused_charge_pays_only_the_cards_part():
    booking = book_far_ahead(
        guest=with_credit(), promo_code=make_code().code, use_credit=True, card_number=DECLINED_LATER
    )
    schedule = refuse_charge(booking)

    with clock(schedule.pay_by - timedelta(hours=1)):
        pay_now(guest=booking.guest, booking_id=booking.pk, payment_method=card(VISA))

    paid = Payment.objects.get(reference=booking_reference(booking.pk), status=Payment.Status.CAPTURED)
    assert (paid.amount, paid.captured_amount) == (booking.charged, booking.charged)
    assert paid.subsidy_amount == booking.platform_promotion + booking.credit
    assert escrow(booking) == booking.total


# --- Released when the stay never takes place ------------------------------------------------------------


@pytest.mark.parametrize("ending", ["declined", "expired"])
def test_a_far_ahead_request_declined_or_expired_gives_the_code_and_credit_back(ending):
    code = make_code(code="SUMMER")
    guest = with_credit()
    booking = request_far_ahead(guest=guest, promo_code="SUMMER", use_credit=True)

    with clock(NOW + timedelta(days=2)):
        if ending == "declined":
            decline_booking(host=booking.listing.owner, booking_id=booking.pk)
        else:
            expire_booking(booking_id=booking.pk)

    assert spent(code) == 0 and redemption(booking).status == Redemption.Status.RELEASED
    assert credit_balance(user=guest, currency="EUR") == CREDIT
    assert saved_card(booking).status == Payment.Status.CANCELED


@pytest.mark.parametrize("who", ["guest", "host"])
def test_a_free_cancellation_before_the_charge_releases_the_code_and_credit_whole(who):
    code = make_code(code="SUMMER")
    guest = with_credit()
    booking = book_far_ahead(guest=guest, promo_code="SUMMER", use_credit=True)

    with clock(NOW + timedelta(days=10)):
        if who == "guest":
            cancel_by_guest(guest=guest, booking_id=booking.pk)
        else:
            cancel_by_host(host=booking.listing.owner, booking_id=booking.pk)

    assert spent(code) == 0 and redemption(booking).status == Redemption.Status.RELEASED
    assert credit_balance(user=guest, currency="EUR") == CREDIT
    assert saved_card(booking).status == Payment.Status.CANCELED and escrow(booking) == 0
    # The same guest may use the code again: the released reservation no longer counts.
    assert request_far_ahead(guest=guest, promo_code="SUMMER").promo_code == "SUMMER"


def test_a_cancellation_before_the_charge_under_a_strict_policy_charges_each_tenders_share_of_what_is_kept():
    code = make_code(code="SUMMER", percent=10)
    guest = with_credit()
    booking = book_far_ahead(guest=guest, promo_code="SUMMER", use_credit=True, policy=CancellationPolicy.STRICT)

    with clock(NOW + timedelta(days=10)):
        cancel_by_guest(guest=guest, booking_id=booking.pk)

    booking.refresh_from_db()
    back = refund_tenders(booking_quote(booking), booking.refund_amount)
    kept = booking.total - booking.refund_amount
    assert 0 < kept < booking.total and back.promotion > 0 and back.credit > 0
    payment = saved_card(booking)
    assert payment.captured_amount == booking.charged - back.card
    assert payment.subsidy_amount == booking.platform_promotion - back.promotion + CREDIT - back.credit
    assert escrow(booking) == kept
    # The refund's shares of the promotion and credit were never paid in: they went straight back.
    assert spent(code) == booking.platform_promotion - back.promotion
    assert credit_balance(user=guest, currency="EUR") == back.credit
    assert CreditMovement.objects.filter(reason=CreditMovement.Reason.REFUND, amount=back.credit).count() == 1


def test_a_kept_part_the_bank_refuses_gives_its_promotion_and_credit_back_too():
    code = make_code(code="SUMMER", percent=10)
    guest = with_credit()
    booking = book_far_ahead(
        guest=guest, promo_code="SUMMER", use_credit=True, policy=CancellationPolicy.STRICT, card_number=DECLINED_LATER
    )

    with clock(NOW + timedelta(days=10)):
        cancel_by_guest(guest=guest, booking_id=booking.pk)

    charge = MoneyOperation.objects.get(payment=saved_card(booking), kind=MoneyOperation.Kind.CHARGE)
    assert charge.status == MoneyOperation.Status.REFUSED and charge.promotion > 0 and charge.credit > 0
    assert spent(code) == 0 and credit_balance(user=guest, currency="EUR") == CREDIT
    assert escrow(booking) == 0
    # Told twice (a re-sent answer), nothing more comes back.
    sync_scheduled_charge(booking_id=booking.pk, now=NOW + timedelta(days=11))
    assert spent(code) == 0 and credit_balance(user=guest, currency="EUR") == CREDIT


def test_a_booking_lapsed_after_a_refused_charge_releases_the_code_and_credit():
    code = make_code(code="SUMMER")
    guest = with_credit()
    booking = book_far_ahead(guest=guest, promo_code="SUMMER", use_credit=True, card_number=DECLINED_LATER)
    schedule = refuse_charge(booking)

    with clock(schedule.pay_by):
        assert advance_due_bookings()["payments_lapsed"] == 1

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED_BY_GUEST
    assert spent(code) == 0 and redemption(booking).status == Redemption.Status.RELEASED
    assert credit_balance(user=guest, currency="EUR") == CREDIT
    assert escrow(booking) == 0


def test_a_cancellation_after_the_charge_refunds_each_tender_its_share():
    code = make_code(code="SUMMER", percent=10)
    guest = with_credit()
    booking = book_far_ahead(guest=guest, promo_code="SUMMER", use_credit=True)
    with clock(charge_day(booking)):
        advance_due_bookings()

    with clock(charge_day(booking) + timedelta(days=1)):
        cancel_by_host(host=booking.listing.owner, booking_id=booking.pk)

    payment = saved_card(booking)
    assert payment.refunded_amount == booking.charged
    assert payment.subsidy_returned == booking.platform_promotion + CREDIT
    assert spent(code) == 0 and credit_balance(user=guest, currency="EUR") == CREDIT
    assert escrow(booking) == 0


def test_the_cancel_page_says_what_the_saved_card_would_pay_of_what_the_policy_keeps(client):
    guest = with_credit()
    booking = book_far_ahead(
        guest=guest, promo_code=make_code().code, use_credit=True, policy=CancellationPolicy.STRICT
    )

    with clock(NOW + timedelta(days=10)):
        client.force_login(guest)
        page = client.get(reverse("bookings:cancel", kwargs={"booking_id": booking.pk})).content.decode()

    refund = guest_refund(booking=booking, at=NOW + timedelta(days=10)).refund
    back = refund_tenders(booking_quote(booking), refund)
    card_pays = format_money(booking.charged - back.card, "EUR")
    kept = format_money(booking.total - refund, "EUR")
    assert "Nothing has been charged yet." in page
    assert f"<strong>{card_pays}</strong> of {format_money(booking.total, 'EUR')} is charged to your saved card" in page
    assert f"({kept}), less the share your promo code and credit pay" in page
