"""Far-ahead bookings: the card is saved at checkout, nothing is taken, the total is charged at start - 14 days.

Everything goes through the localstripe harness (SetupIntents, off-session PaymentIntents and the test
cards that fail off-session like Stripe's), and `ledger_checked` runs after every test (conftest).
The clock is moved by patching `timezone.now`, which every step reads, the money outbox's included.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
import requests
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking, BookingStatus, PaymentSchedule, PendingCheckout
from bookings.money import booking_reference
from bookings.services.answers import accept_booking
from bookings.services.cancellations import cancel_by_guest, cancel_by_host
from bookings.services.checkout import complete_checkout, request_booking
from bookings.services.clock import advance_due_bookings
from bookings.services.schedule import complete_pay_now, pay_now
from core.errors import AuthenticationRequired, Conflict, NotFound
from listings.models import CancellationPolicy, ListingKind
from listings.selectors import overlapping_busy_periods
from payments import gateway
from payments.ledger import escrow_balance
from payments.models import MoneyOperation, Payment
from realtime.kinds import get_kind
from realtime.models import Notification
from tests.bookings.factories import NOW
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.payments.fixtures import VISA, card, complete_3d_secure

pytestmark = pytest.mark.django_db

ALWAYS_3DS = "4000002760003184"  # requires authentication on every charge, off-session too
DECLINED_LATER = "4000000000000341"  # attaches to a customer, then every charge is declined
SET_UP_ONCE = "4000002500003155"  # 3-D Secure when saved, then off-session charges go through
CHECK_IN = (NOW + timedelta(days=200)).date()
CHECK_OUT = CHECK_IN + timedelta(days=3)


@pytest.fixture(autouse=True)
def _production_schedule(settings) -> None:
    settings.PAYMENT_SCHEDULE_AFTER_DAYS = 30
    settings.PAYMENT_CHARGE_DAYS_BEFORE = 14
    settings.PAYMENT_RETRY_HOURS = 48


@contextmanager
def clock(at: datetime) -> Iterator[None]:
    """Move the clock every step reads (services, the money outbox, the sweep) to `at`."""
    from unittest import mock

    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


def confirm_setup_3d_secure(base: str, payment: Payment) -> None:
    """What Stripe.js's confirmCardSetup does when the guest completes the bank's check."""
    response = requests.post(
        f"{base}/v1/setup_intents/{payment.stripe_setup_intent_id}/confirm",
        data={"client_secret": payment.client_secret, "key": "pk_test_sharing"},
        timeout=5,
    )
    response.raise_for_status()


def book_far_ahead(base: str, *, card_number: str = VISA, policy: str = CancellationPolicy.FLEXIBLE) -> Booking:
    """A room 200 days ahead, requested with `card_number` (through 3-D Secure if the bank asks), then accepted."""
    listing = make_listing(kind=ListingKind.ROOM, cancellation_policy=policy)
    guest = make_user()
    with clock(NOW):
        try:
            booking = request_booking(
                guest=guest,
                listing_id=listing.pk,
                start=CHECK_IN,
                end=CHECK_OUT,
                guests=1,
                payment_method=card(card_number),
            )
        except AuthenticationRequired as pending:
            checkout = pending.subject
            assert isinstance(checkout, PendingCheckout)
            confirm_setup_3d_secure(base, Payment.objects.get(pk=checkout.payment_id))
            booking = complete_checkout(guest=guest, checkout_uid=str(checkout.uid))
        return accept_booking(host=listing.owner, booking_id=booking.pk)


def saved_card_payment(booking: Booking) -> Payment:
    return Payment.objects.filter(reference=booking_reference(booking.pk)).order_by("pk").first()


def schedule_of(booking: Booking) -> PaymentSchedule:
    return PaymentSchedule.objects.get(booking=booking)


def escrow(booking: Booking) -> int:
    return escrow_balance(reference=booking_reference(booking.pk), currency=booking.currency)


def kinds_for(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def charge_day(booking: Booking) -> datetime:
    return booking.start - timedelta(days=14)


def refuse_charge(booking: Booking) -> PaymentSchedule:
    with clock(charge_day(booking)):
        advance_due_bookings()
    schedule = schedule_of(booking)
    assert schedule.state == PaymentSchedule.State.FAILED
    return schedule


# --- The schedule ---------------------------------------------------------------------------------


def test_a_booking_200_days_ahead_is_charged_nothing_at_acceptance(localstripe):
    booking = book_far_ahead(localstripe)

    payment = saved_card_payment(booking)
    assert booking.status == BookingStatus.CONFIRMED
    assert (payment.status, payment.captured_amount, payment.stripe_payment_intent_id) == ("card_saved", 0, "")
    assert payment.stripe_customer_id.startswith("cus_") and payment.stripe_setup_intent_id.startswith("seti_")
    assert not MoneyOperation.objects.filter(payment=payment).exists()
    assert escrow(booking) == 0
    schedule = schedule_of(booking)
    assert (schedule.state, schedule.charge_at) == ("scheduled", booking.start - timedelta(days=14))
    # Stripe holds the card for the customer, and no payment of any kind.
    method = gateway.client().v1.payment_methods.retrieve(payment.stripe_payment_method_id)
    assert method.customer == payment.stripe_customer_id


def test_a_booking_30_days_ahead_or_less_is_charged_at_acceptance_as_before(localstripe):
    listing = make_listing(kind=ListingKind.ROOM)
    check_in = (NOW + timedelta(days=20)).date()
    booking = request_booking(
        guest=make_user(),
        listing_id=listing.pk,
        start=check_in,
        end=check_in + timedelta(days=2),
        guests=1,
        payment_method=card(),
        now=NOW,
    )
    accept_booking(host=listing.owner, booking_id=booking.pk, now=NOW)

    assert not PaymentSchedule.objects.filter(booking=booking).exists()
    assert saved_card_payment(booking).status == Payment.Status.CAPTURED


def test_the_total_is_charged_off_session_at_start_minus_14_days_on_the_moved_clock(localstripe):
    booking = book_far_ahead(localstripe)
    day = charge_day(booking)

    with clock(day - timedelta(minutes=1)):
        early = advance_due_bookings()
    assert early["payments_charged"] == 0
    assert saved_card_payment(booking).captured_amount == 0

    with clock(day):
        counts = advance_due_bookings()

    assert counts["payments_charged"] == 1 and counts["failed"] == 0
    payment = saved_card_payment(booking)
    assert (payment.status, payment.captured_amount) == (Payment.Status.CAPTURED, booking.total)
    intent = gateway.retrieve_payment_intent(payment.stripe_payment_intent_id)
    assert (intent.status, intent.amount_received, intent.customer) == (
        "succeeded",
        booking.total,
        payment.stripe_customer_id,
    )
    operation = MoneyOperation.objects.get(payment=payment, kind=MoneyOperation.Kind.CHARGE)
    assert operation.status == MoneyOperation.Status.DONE
    assert escrow(booking) == booking.total
    schedule = schedule_of(booking)
    assert (schedule.state, schedule.paid_at) == ("paid", day)
    assert "booking.payment_taken" in kinds_for(booking.guest)
    # Running the sweep again charges nothing more.
    with clock(day + timedelta(hours=1)):
        assert advance_due_bookings()["payments_charged"] == 0
    assert escrow(booking) == booking.total


def test_a_card_set_up_with_3d_secure_is_then_charged_off_session(localstripe):
    booking = book_far_ahead(localstripe, card_number=SET_UP_ONCE)

    with clock(charge_day(booking)):
        advance_due_bookings()

    assert schedule_of(booking).state == "paid"
    assert escrow(booking) == booking.total


def test_the_booking_page_shows_the_scheduled_payment_to_both_sides(localstripe, client):
    booking = book_far_ahead(localstripe)

    day = timezone.localtime(charge_day(booking)).strftime("%d %b %Y")
    for person in (booking.guest, booking.listing.owner):
        with clock(NOW):
            client.force_login(person)
            page = client.get(booking.get_absolute_url())
        assert f"Confirmed, payment scheduled for {day}" in page.content.decode()
        with clock(NOW):
            api = client.get(f"/api/v1/bookings/{booking.pk}").json()
        assert api["payment_schedule"]["state"] == "scheduled"


# --- A card that fails off-session: the 48-hour window ---------------------------------------------


@pytest.mark.parametrize("card_number", [ALWAYS_3DS, DECLINED_LATER])
def test_a_refused_charge_opens_48_hours_to_pay_and_tells_the_guest_at_once(localstripe, card_number):
    booking = book_far_ahead(localstripe, card_number=card_number)

    schedule = refuse_charge(booking)

    assert schedule.pay_by == charge_day(booking) + timedelta(hours=48)
    payment = saved_card_payment(booking)
    assert (payment.status, payment.captured_amount) == (Payment.Status.CARD_SAVED, 0)
    operation = MoneyOperation.objects.get(payment=payment, kind=MoneyOperation.Kind.CHARGE)
    expected = "authentication_required" if card_number == ALWAYS_3DS else "card_declined"
    # An answer, not a fault: not in the staff queue of failed operations.
    assert operation.status == MoneyOperation.Status.REFUSED and operation.last_error.startswith(expected)
    assert escrow(booking) == 0
    assert "booking.payment_failed" in kinds_for(booking.guest)
    assert "booking.payment_failed" in kinds_for(booking.listing.owner)
    kind = get_kind("booking.payment_failed")
    assert kind.required and kind.email  # a money mail nobody can turn off
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED and booking.busy_period_id is not None


def test_the_guest_pays_on_session_with_the_same_card_through_3d_secure(localstripe):
    booking = book_far_ahead(localstripe, card_number=ALWAYS_3DS)
    schedule = refuse_charge(booking)
    in_window = schedule.pay_by - timedelta(hours=1)

    with clock(in_window), pytest.raises(AuthenticationRequired) as pending:
        pay_now(
            guest=booking.guest,
            booking_id=booking.pk,
            payment_method=saved_card_payment(booking).stripe_payment_method_id,
        )
    retry = Payment.objects.get(pk=schedule_of(booking).retry_payment_id)
    assert f"/payments/{retry.pk}/authenticate/" in pending.value.url
    complete_3d_secure(localstripe, retry.stripe_payment_intent_id, retry.client_secret)
    with clock(in_window):
        complete_pay_now(guest=booking.guest, booking_id=booking.pk)

    retry.refresh_from_db()
    assert (retry.status, retry.captured_amount, retry.reference) == (
        "captured",
        booking.total,
        f"booking:{booking.pk}",
    )
    assert saved_card_payment(booking).status == Payment.Status.CANCELED
    assert schedule_of(booking).state == "paid"
    assert escrow(booking) == booking.total
    # The lapse that was due later changes nothing.
    with clock(schedule.pay_by + timedelta(minutes=1)):
        assert advance_due_bookings()["payments_lapsed"] == 0
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_the_guest_pays_on_the_page_with_another_card_and_a_double_submit_charges_once(localstripe, client):
    booking = book_far_ahead(localstripe, card_number=DECLINED_LATER)
    schedule = refuse_charge(booking)
    in_window = schedule.pay_by - timedelta(hours=47)
    url = reverse("bookings:pay", kwargs={"booking_id": booking.pk})

    with clock(in_window):
        client.force_login(booking.guest)
        assert "Pay now" in client.get(booking.get_absolute_url()).content.decode()
        first = client.post(url, {"payment_method": card(VISA)})
        second = client.post(url, {"payment_method": card(VISA)})

    assert first.status_code == 302 and second.status_code == 302
    assert schedule_of(booking).state == "paid"
    captured = Payment.objects.filter(reference=booking_reference(booking.pk), status=Payment.Status.CAPTURED)
    assert [p.captured_amount for p in captured] == [booking.total]
    assert escrow(booking) == booking.total
    # The second submit found the booking paid: no second hold was even asked for.
    assert Payment.objects.filter(reference__startswith=f"repay:{booking.pk}:").count() == 0


def test_an_unpaid_booking_lapses_after_48_hours_cancelled_with_its_dates_freed(localstripe):
    booking = book_far_ahead(localstripe, card_number=DECLINED_LATER)
    schedule = refuse_charge(booking)

    with clock(schedule.pay_by - timedelta(minutes=1)):
        assert advance_due_bookings()["payments_lapsed"] == 0
    with clock(schedule.pay_by):
        counts = advance_due_bookings()

    assert counts["payments_lapsed"] == 1
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED_BY_GUEST and booking.busy_period_id is None
    assert (booking.refund_amount, booking.host_payout_after_cancellation, booking.platform_keeps) == (
        booking.total,
        0,
        0,
    )
    assert not overlapping_busy_periods(listing_id=booking.listing_id, start=booking.start, end=booking.end).exists()
    assert saved_card_payment(booking).status == Payment.Status.CANCELED
    assert escrow(booking) == 0
    assert schedule_of(booking).state == "lapsed"
    assert "booking.cancelled" in kinds_for(booking.listing.owner)
    # The freed dates can be booked again.
    with clock(schedule.pay_by):
        again = request_booking(
            guest=make_user(),
            listing_id=booking.listing_id,
            start=CHECK_IN,
            end=CHECK_OUT,
            guests=1,
            payment_method=card(),
        )
    assert again.status == BookingStatus.REQUESTED


# --- Bad input ------------------------------------------------------------------------------------


def test_paying_after_the_window_closed_is_refused_and_takes_nothing(localstripe, client):
    booking = book_far_ahead(localstripe, card_number=DECLINED_LATER)
    schedule = refuse_charge(booking)
    late = schedule.pay_by + timedelta(minutes=5)
    payments_before = Payment.objects.count()

    with clock(late), pytest.raises(Conflict) as refused:
        pay_now(guest=booking.guest, booking_id=booking.pk, payment_method=card(VISA))
    assert refused.value.code == "payment_window_closed"
    with clock(late):
        client.force_login(booking.guest)
        page = client.post(reverse("bookings:pay", kwargs={"booking_id": booking.pk}), {"payment_method": card(VISA)})
        api = client.post(f"/api/v1/bookings/{booking.pk}/pay", {"payment_method": card(VISA)}, "application/json")
    assert page.status_code == 409 and api.status_code == 409
    assert "The time to pay for this booking has passed." in api.json()["detail"]
    assert Payment.objects.count() == payments_before
    assert escrow(booking) == 0


def test_paying_for_someone_elses_booking_is_a_404_and_the_host_cannot_pay(localstripe, client):
    booking = book_far_ahead(localstripe, card_number=DECLINED_LATER)
    schedule = refuse_charge(booking)
    stranger = make_user()

    with clock(schedule.pay_by - timedelta(hours=1)):
        with pytest.raises(NotFound):
            pay_now(guest=stranger, booking_id=booking.pk, payment_method=card(VISA))
        client.force_login(stranger)
        url = reverse("bookings:pay", kwargs={"booking_id": booking.pk})
        assert client.post(url, {"payment_method": card(VISA)}).status_code == 404
        assert client.get(url).status_code == 404
        api = client.post(f"/api/v1/bookings/{booking.pk}/pay", {"payment_method": card(VISA)}, "application/json")
        assert api.status_code == 404
        client.force_login(booking.listing.owner)
        assert client.post(url, {"payment_method": card(VISA)}).status_code == 403
    assert schedule_of(booking).state == "failed"
    assert escrow(booking) == 0


def test_paying_before_any_charge_failed_is_refused(localstripe):
    booking = book_far_ahead(localstripe)

    with clock(NOW + timedelta(days=1)), pytest.raises(Conflict) as refused:
        pay_now(guest=booking.guest, booking_id=booking.pk, payment_method=card(VISA))
    assert refused.value.code == "wrong_state"


def test_a_declined_card_in_the_window_is_refused_and_the_window_stays_open(localstripe):
    booking = book_far_ahead(localstripe, card_number=DECLINED_LATER)
    schedule = refuse_charge(booking)

    with clock(schedule.pay_by - timedelta(hours=1)), pytest.raises(Exception) as refused:
        pay_now(guest=booking.guest, booking_id=booking.pk, payment_method=card("4000000000000002"))
    assert getattr(refused.value, "status_code", None) == 402
    assert schedule_of(booking).state == "failed"
    assert escrow(booking) == 0


# --- Cancelling before the charge -----------------------------------------------------------------


def test_cancelling_before_the_charge_refunds_nothing_because_nothing_was_taken(localstripe):
    booking = book_far_ahead(localstripe)

    with clock(NOW + timedelta(days=10)):
        cancel_by_guest(guest=booking.guest, booking_id=booking.pk)

    booking.refresh_from_db()
    payment = saved_card_payment(booking)
    assert booking.status == BookingStatus.CANCELLED_BY_GUEST and booking.refund_amount == booking.total
    assert payment.status == Payment.Status.CANCELED and payment.captured_amount == 0
    assert not MoneyOperation.objects.filter(kind=MoneyOperation.Kind.REFUND).exists()
    assert schedule_of(booking).state == "cancelled"
    with clock(charge_day(booking)):
        assert advance_due_bookings()["payments_charged"] == 0
    assert escrow(booking) == 0


def test_cancelling_before_the_charge_under_a_strict_policy_charges_only_what_the_policy_keeps(localstripe):
    booking = book_far_ahead(localstripe, policy=CancellationPolicy.STRICT)

    with clock(NOW + timedelta(days=10)):
        cancel_by_guest(guest=booking.guest, booking_id=booking.pk)

    booking.refresh_from_db()
    kept = booking.total - booking.refund_amount
    assert 0 < kept < booking.total
    payment = saved_card_payment(booking)
    assert (payment.status, payment.captured_amount, payment.refunded_amount) == ("captured", kept, 0)
    assert escrow(booking) == kept
    # The host's share goes out at the usual time; the ledger stays clean (ledger_checked).
    assert booking.host_payout_after_cancellation + booking.platform_keeps == kept


def test_the_host_cancelling_in_the_window_costs_the_guest_nothing(localstripe):
    booking = book_far_ahead(localstripe, card_number=DECLINED_LATER)
    schedule = refuse_charge(booking)

    with clock(schedule.pay_by - timedelta(hours=2)):
        cancel_by_host(host=booking.listing.owner, booking_id=booking.pk)

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED_BY_HOST and booking.busy_period_id is None
    assert saved_card_payment(booking).status == Payment.Status.CANCELED
    assert schedule_of(booking).state == "cancelled"
    with clock(schedule.pay_by + timedelta(minutes=1)):
        assert advance_due_bookings()["payments_lapsed"] == 0
    assert escrow(booking) == 0


def test_a_second_payment_racing_the_first_is_released_and_charges_nothing(localstripe):
    """Two submits that both passed the first check: the one that finds the booking paid lets its hold go."""
    from bookings.money import money
    from bookings.services.schedule import _take

    booking = book_far_ahead(localstripe, card_number=DECLINED_LATER)
    schedule = refuse_charge(booking)
    in_window = schedule.pay_by - timedelta(hours=1)
    with clock(in_window):
        pay_now(guest=booking.guest, booking_id=booking.pk, payment_method=card(VISA))
        racing = money().authorise(
            payer=booking.guest,
            amount=booking.total,
            currency=booking.currency,
            reference=f"repay:{booking.pk}:racing",
            payment_method=card(VISA),
        )
        _take(booking_id=booking.pk, payment_id=racing.payment_id, guest=booking.guest, now=in_window)

    assert Payment.objects.get(pk=racing.payment_id).status == Payment.Status.CANCELED
    captured = Payment.objects.filter(status=Payment.Status.CAPTURED, payer=booking.guest)
    assert [p.captured_amount for p in captured] == [booking.total]
    assert escrow(booking) == booking.total


def test_the_cancel_page_says_nothing_was_charged_and_what_the_policy_would_charge(localstripe, client):
    flexible = book_far_ahead(localstripe)
    strict = book_far_ahead(localstripe, policy=CancellationPolicy.STRICT)

    with clock(NOW + timedelta(days=10)):
        client.force_login(flexible.guest)
        free = client.get(reverse("bookings:cancel", kwargs={"booking_id": flexible.pk})).content.decode()
        client.force_login(strict.guest)
        kept = client.get(reverse("bookings:cancel", kwargs={"booking_id": strict.pk})).content.decode()

    assert "Nothing has been charged yet." in free and "costs you nothing" in free and "get back" not in free
    assert "Nothing has been charged yet." in kept and "is charged to your saved card" in kept
