"""A booking's state and its money move together, through the real localstripe harness (no patched SDK)."""

import ast
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.urls import reverse

from bookings.models import Booking, BookingStatus, PendingCheckout
from bookings.money import booking_reference, money
from bookings.services.answers import accept_booking, decline_booking, withdraw_booking
from bookings.services.cancellations import cancel_by_guest, cancel_by_host
from bookings.services.checkout import complete_checkout
from bookings.services.clock import advance_due_bookings, release_payout, start_booking
from bookings.services.disputes import clear_dispute, mark_disputed
from core.errors import AuthenticationRequired, CardRefused, Conflict, NotFound
from listings.models import ListingKind
from payments import gateway
from payments.errors import PaymentFailed
from payments.ledger import escrow_balance
from payments.models import MoneyOperation, Payment, Payout, PayoutAccount
from payments.services.payout_accounts import refresh_payout_account
from tests.bookings.factories import CHECK_IN, CHECK_OUT, NOW, confirmed_room, request_room
from tests.conftest import PASSWORD, make_user
from tests.listings.factories import make_listing
from tests.payments.fixtures import DECLINED, THREE_D_SECURE, card, complete_3d_secure, onboard
from tests.payments.helpers import host_with_payout_account

pytestmark = pytest.mark.django_db


def payment_of(booking: Booking) -> Payment:
    return Payment.objects.get(reference=booking_reference(booking.pk))


def intent_of(payment: Payment):
    return gateway.retrieve_payment_intent(payment.stripe_payment_intent_id)


def refunded_at_stripe(payment: Payment) -> int:
    charge = gateway.retrieve_charge(gateway.latest_charge_id(intent_of(payment)))
    return int(charge.amount_refunded)


# --- Booking and paying -------------------------------------------------------------------------


def test_instant_book_charges_the_total_into_escrow():
    booking = request_room(instant_book=True)

    payment = payment_of(booking)
    assert booking.status == BookingStatus.CONFIRMED
    assert (payment.status, payment.captured_amount, payment.amount) == (Payment.Status.CAPTURED, 29120, 29120)
    intent = intent_of(payment)
    assert (intent.status, intent.amount_received, intent.capture_method) == ("succeeded", 29120, "manual")
    assert escrow_balance(reference=booking_reference(booking.pk), currency="EUR") == 29120


def test_a_request_only_authorises_and_accepting_charges():
    booking = request_room()
    payment = payment_of(booking)
    assert payment.status == Payment.Status.AUTHORIZED
    assert intent_of(payment).status == "requires_capture"

    accept_booking(host=booking.listing.owner, booking_id=booking.pk, now=NOW)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.CAPTURED
    assert intent_of(payment).status == "succeeded"


def test_an_expired_request_releases_the_authorisation_through_the_sweep():
    booking = request_room()

    counts = advance_due_bookings(now=booking.respond_by + timedelta(minutes=1))

    booking.refresh_from_db()
    payment = payment_of(booking)
    assert counts["expired"] == 1
    assert booking.status == BookingStatus.EXPIRED
    assert payment.status == Payment.Status.CANCELED
    assert intent_of(payment).status == "canceled"


def test_the_expiry_task_releases_the_authorisation_too():
    from bookings.tasks import expire_booking_task

    booking = request_room()
    with mock.patch("django.utils.timezone.now", return_value=booking.respond_by + timedelta(minutes=1)):
        assert expire_booking_task.call(booking.pk) == BookingStatus.EXPIRED
    assert payment_of(booking).status == Payment.Status.CANCELED


@pytest.mark.parametrize("action", ["decline", "withdraw"])
def test_declining_or_withdrawing_releases_the_authorisation(action):
    booking = request_room()
    if action == "decline":
        decline_booking(host=booking.listing.owner, booking_id=booking.pk, now=NOW)
    else:
        withdraw_booking(guest=booking.guest, booking_id=booking.pk, now=NOW)
    assert intent_of(payment_of(booking)).status == "canceled"
    assert payment_of(booking).captured_amount == 0


def test_accepting_one_request_releases_the_overlapping_requests_authorisations():
    listing = make_listing()
    first = request_room(listing=listing)
    second = request_room(listing=listing, check_in=CHECK_IN + timedelta(days=1), check_out=CHECK_OUT)

    accept_booking(host=listing.owner, booking_id=first.pk, now=NOW)

    second.refresh_from_db()
    assert second.status == BookingStatus.DECLINED
    assert payment_of(second).status == Payment.Status.CANCELED
    assert intent_of(payment_of(second)).status == "canceled"
    assert payment_of(first).status == Payment.Status.CAPTURED


# --- Refusals leave nothing half-made ------------------------------------------------------------


def test_a_declined_card_says_so_and_makes_no_booking():
    with pytest.raises(PaymentFailed, match=r"Your card was declined\. Try another card or contact your bank\."):
        request_room(instant_book=True, card_number=DECLINED)
    assert not Booking.objects.exists()
    assert list(Payment.objects.values_list("status", flat=True)) == [Payment.Status.FAILED]


def test_a_declined_card_on_the_book_page_shows_the_reason(client):
    listing = make_listing()
    guest = make_user()
    client.login(email=guest.email, password=PASSWORD)
    url = reverse("bookings:book", kwargs={"listing_id": listing.pk})
    response = client.post(
        url, {"start": "2027-03-05", "end": "2027-03-08", "guests": 1, "payment_method": card(DECLINED)}
    )
    assert response.status_code == 400
    assert "Your card was declined." in response.content.decode()
    assert not Booking.objects.exists()


def test_a_refused_request_never_touches_the_card():
    with pytest.raises(Conflict):
        request_room(listing=make_listing(status="paused"))
    assert not Payment.objects.exists()


def test_dates_taken_after_the_card_was_authorised_release_it():
    listing = make_listing(instant_book=True)
    with pytest.raises(AuthenticationRequired) as pending:
        request_room(listing=listing, card_number=THREE_D_SECURE)
    checkout = pending.value.subject
    confirmed_room(listing=listing)  # someone else books the dates while the guest talks to their bank
    payment = Payment.objects.get(pk=checkout.payment_id)
    complete_3d_secure(settings.STRIPE_API_BASE, payment.stripe_payment_intent_id, pending.value.client_secret)

    with pytest.raises(Conflict, match="just taken"):
        complete_checkout(guest=checkout.guest, checkout_uid=str(checkout.uid), now=NOW)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELED
    assert Booking.objects.filter(guest=checkout.guest).count() == 0


# --- 3-D Secure -------------------------------------------------------------------------------------


def test_3d_secure_books_only_after_the_bank_confirms():
    listing = make_listing(instant_book=True)
    guest = make_user()
    with pytest.raises(AuthenticationRequired) as pending:
        request_room(listing=listing, guest=guest, card_number=THREE_D_SECURE)
    assert not Booking.objects.exists()
    checkout = pending.value.subject
    assert pending.value.url.startswith(reverse("payments:payment_authenticate", args=[checkout.payment_id]))
    with pytest.raises(Conflict, match="not confirmed the card yet"):
        complete_checkout(guest=guest, checkout_uid=str(checkout.uid), now=NOW)

    payment = Payment.objects.get(pk=checkout.payment_id)
    complete_3d_secure(settings.STRIPE_API_BASE, payment.stripe_payment_intent_id, pending.value.client_secret)
    booking = complete_checkout(guest=guest, checkout_uid=str(checkout.uid), now=NOW)
    again = complete_checkout(guest=guest, checkout_uid=str(checkout.uid), now=NOW)

    assert again.pk == booking.pk and booking.status == BookingStatus.CONFIRMED
    assert payment_of(booking).pk == payment.pk
    assert payment_of(booking).status == Payment.Status.CAPTURED
    # someone else cannot complete (or even see) the guest's checkout
    with pytest.raises(NotFound):
        complete_checkout(guest=make_user(), checkout_uid=str(checkout.uid), now=NOW)


def test_3d_secure_from_the_book_page_goes_through_the_bank_page_then_books(client):
    listing = make_listing(instant_book=True)
    guest = make_user()
    client.login(email=guest.email, password=PASSWORD)
    url = reverse("bookings:book", kwargs={"listing_id": listing.pk})
    response = client.post(
        url, {"start": "2027-03-05", "end": "2027-03-08", "guests": 1, "payment_method": card(THREE_D_SECURE)}
    )
    checkout = PendingCheckout.objects.get()
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("payments:payment_authenticate", args=[checkout.payment_id]))
    payment = Payment.objects.get(pk=checkout.payment_id)
    complete_3d_secure(settings.STRIPE_API_BASE, payment.stripe_payment_intent_id, payment.client_secret)
    # the bank page re-reads Stripe, then sends the guest on to finish the booking
    back = client.post(response["Location"])
    finish = client.get(back["Location"])
    booking = Booking.objects.get()
    assert finish["Location"] == booking.get_absolute_url()
    assert booking.status == BookingStatus.CONFIRMED
    page = client.get(booking.get_absolute_url()).content.decode()
    assert "Money trail" in page and "€291.20" in page


def test_3d_secure_through_the_api_answers_202_then_completes(client):
    listing = make_listing(kind=ListingKind.CAR, instant_book=True)
    client.force_login(make_user())
    response = client.post(
        "/api/v1/bookings/",
        {
            "listing_id": listing.pk,
            "start": "2027-03-05T10:00:00+01:00",
            "end": "2027-03-05T13:00:00+01:00",
            "payment_method": card(THREE_D_SECURE),
        },
        content_type="application/json",
    )
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] == "requires_action" and body["client_secret"]
    payment = Payment.objects.get(pk=body["payment_id"])
    complete_3d_secure(settings.STRIPE_API_BASE, payment.stripe_payment_intent_id, body["client_secret"])

    done = client.post(body["complete_url"])

    assert done.status_code == 201, done.json()
    assert done.json()["status"] == "confirmed"


def test_a_declined_card_through_the_api_is_a_402_with_the_reason(client):
    listing = make_listing(kind=ListingKind.CAR, instant_book=True)
    client.force_login(make_user())
    response = client.post(
        "/api/v1/bookings/",
        {
            "listing_id": listing.pk,
            "start": "2027-03-05T10:00:00+01:00",
            "end": "2027-03-05T13:00:00+01:00",
            "payment_method": card(DECLINED),
        },
        content_type="application/json",
    )
    assert response.status_code == 402
    assert response.json()["detail"].startswith("Your card was declined.")
    assert not Booking.objects.exists()


# --- Cancellations refund exactly the policy's amount -------------------------------------------


@pytest.mark.parametrize(
    ("policy", "before_start", "refund"),
    [
        ("flexible", timedelta(days=2), 29120),  # >= 24 h: everything
        ("flexible", timedelta(hours=12), 18000),  # first night (8000) and service fee (3120) kept
        ("moderate", timedelta(days=6), 29120),  # >= 5 days: everything
        ("moderate", timedelta(days=2), 12000),  # 50 % of the 24000 nights
        ("strict", timedelta(days=10), 12000),  # >= 7 days (booked long ago): 50 % of the nights
        ("strict", timedelta(days=2), 0),  # later: nothing
    ],
)
def test_guest_cancellation_refunds_exactly_the_policy_amount(policy, before_start, refund):
    booking = confirmed_room(cancellation_policy=policy)
    cancelled = cancel_by_guest(guest=booking.guest, booking_id=booking.pk, now=booking.start - before_start)

    payment = payment_of(cancelled)
    assert cancelled.refund_amount == refund
    assert payment.refunded_amount == refund
    assert refunded_at_stripe(payment) == refund
    held = escrow_balance(reference=booking_reference(booking.pk), currency="EUR")
    assert held == 29120 - refund == cancelled.host_payout_after_cancellation + cancelled.platform_keeps


def test_host_cancellation_refunds_everything():
    booking = confirmed_room()
    cancel_by_host(host=booking.listing.owner, booking_id=booking.pk, now=NOW + timedelta(days=1))
    payment = payment_of(booking)
    assert payment.refunded_amount == refunded_at_stripe(payment) == 29120
    assert escrow_balance(reference=booking_reference(booking.pk), currency="EUR") == 0


def test_a_refund_stripe_refuses_after_the_cancellation_waits_for_staff_and_moves_no_money():
    booking = confirmed_room()
    payment = payment_of(booking)
    # Someone refunded the whole charge in Stripe's dashboard: Stripe now refuses our refund.
    gateway.create_refund(payment_intent_id=payment.stripe_payment_intent_id, amount=29120, idempotency_key="x-all")
    cancel_by_host(host=booking.listing.owner, booking_id=booking.pk, now=NOW + timedelta(days=1))
    booking.refresh_from_db()
    # The cancellation stands (its transaction never waited for Stripe); the refund is in the staff queue.
    assert booking.status == BookingStatus.CANCELLED_BY_HOST
    operation = MoneyOperation.objects.get(payment=payment, kind=MoneyOperation.Kind.REFUND)
    assert operation.status == MoneyOperation.Status.FAILED
    assert "greater than unrefunded" in operation.last_error
    assert escrow_balance(reference=booking_reference(booking.pk), currency="EUR") == 29120
    assert money().money_pending(reference=booking_reference(booking.pk)).startswith("Payment problem")


# --- Payouts and disputes -----------------------------------------------------------------------


def test_the_payout_is_transferred_to_an_onboarded_host():
    host = host_with_payout_account(settings.STRIPE_API_BASE)
    booking = confirmed_room(owner=host)
    start_booking(booking_id=booking.pk, now=booking.start)

    released = release_payout(booking_id=booking.pk, now=booking.payout_release_at)

    payout = Payout.objects.get(host=host)
    assert released.payout_released_at is not None
    assert (payout.status, payout.amount) == (Payout.Status.PAID, booking.host_payout)
    transfer = gateway.retrieve_transfer(payout.stripe_transfer_id)
    assert transfer.amount == booking.host_payout
    assert transfer.destination == PayoutAccount.objects.get(host=host).stripe_account_id
    assert escrow_balance(reference=booking_reference(booking.pk), currency="EUR") == 0


def test_the_payout_waits_for_a_host_without_payout_account_then_goes_out_after_onboarding():
    host = host_with_payout_account(settings.STRIPE_API_BASE, onboarded=False)
    booking = confirmed_room(owner=host)
    start_booking(booking_id=booking.pk, now=booking.start)
    counts = advance_due_bookings(now=booking.payout_release_at)

    booking.refresh_from_db()
    payout = Payout.objects.get(host=host)
    assert counts["payouts_released"] == 1 and booking.payout_released_at is not None
    assert payout.status == Payout.Status.WAITING
    assert "Waiting for the host" in payout.last_error

    account = PayoutAccount.objects.get(host=host)
    onboard(settings.STRIPE_API_BASE, account.stripe_account_id)
    refresh_payout_account(stripe_account_id=account.stripe_account_id)

    payout.refresh_from_db()
    assert (payout.status, payout.amount) == (Payout.Status.PAID, booking.host_payout)


def test_a_dispute_freezes_the_payout_and_clearing_it_unfreezes():
    booking = confirmed_room()
    mark_disputed(booking_id=booking.pk, now=NOW)
    assert payment_of(booking).frozen
    clear_dispute(booking_id=booking.pk, now=NOW)
    assert not payment_of(booking).frozen


# --- No float near money ----------------------------------------------------------------------------


def test_no_float_in_the_code_that_moves_booking_money():
    root = Path(__file__).resolve().parents[2]
    modules = sorted(str(path.relative_to(root)) for path in (root / "bookings" / "services").glob("*.py"))
    for name in [*modules, "bookings/money.py", "bookings/pricing.py", "payments/escrow.py"]:
        tree = ast.parse((root / name).read_text())
        floats = [
            node.lineno
            for node in ast.walk(tree)
            if (isinstance(node, ast.Constant) and isinstance(node.value, float))
            or (isinstance(node, ast.Name) and node.id == "float")
        ]
        assert not floats, f"{name} uses a float at lines {floats}"


# --- Cancelling after the payout went out ---------------------------------------------------------


def released_stay(policy: str = "flexible") -> Booking:
    """A six-night stay of an onboarded host, in progress, whose payout was transferred 24 h after the start."""
    host = host_with_payout_account(settings.STRIPE_API_BASE)
    booking = confirmed_room(owner=host, cancellation_policy=policy, check_out=CHECK_IN + timedelta(days=6))
    start_booking(booking_id=booking.pk, now=booking.start)
    release_payout(booking_id=booking.pk, now=booking.payout_release_at)
    assert Payout.objects.get(host=host).status == Payout.Status.PAID
    return booking


def test_a_guest_cancelling_after_the_payout_is_refunded_from_the_host_and_the_fee():
    booking = released_stay()
    payout = Payout.objects.get(host=booking.listing.owner)

    cancelled = cancel_by_guest(
        guest=booking.guest, booking_id=booking.pk, now=booking.payout_release_at + timedelta(hours=6)
    )

    payment = payment_of(cancelled)
    assert cancelled.refund_amount > 0
    assert payment.refunded_amount == refunded_at_stripe(payment) == cancelled.refund_amount
    assert payment.host_payout_amount == cancelled.host_payout_after_cancellation
    assert payment.platform_fee_amount == cancelled.platform_keeps
    taken_back = booking.host_payout - cancelled.host_payout_after_cancellation
    assert gateway.retrieve_transfer(payout.stripe_transfer_id).amount_reversed == taken_back
    assert escrow_balance(reference=booking_reference(booking.pk), currency="EUR") == 0


def test_a_host_cancelling_after_the_payout_gives_the_guest_everything_back():
    booking = released_stay("strict")
    payout = Payout.objects.get(host=booking.listing.owner)

    cancel_by_host(
        host=booking.listing.owner, booking_id=booking.pk, now=booking.payout_release_at + timedelta(hours=6)
    )

    payment = payment_of(booking)
    assert payment.refunded_amount == refunded_at_stripe(payment) == booking.total
    assert (payment.host_payout_amount, payment.platform_fee_amount) == (0, 0)
    assert gateway.retrieve_transfer(payout.stripe_transfer_id).amount_reversed == booking.host_payout


def test_the_sweep_releases_a_3d_secure_checkout_the_guest_never_finished():
    with pytest.raises(AuthenticationRequired) as pending:
        request_room(instant_book=True, card_number=THREE_D_SECURE)
    checkout = pending.value.subject
    assert advance_due_bookings(now=NOW + timedelta(minutes=30))["checkouts_abandoned"] == 0

    counts = advance_due_bookings(now=NOW + timedelta(hours=2))
    again = advance_due_bookings(now=NOW + timedelta(hours=3))

    payment = Payment.objects.get(pk=checkout.payment_id)
    assert (counts["checkouts_abandoned"], again["checkouts_abandoned"]) == (1, 0)
    assert payment.status == Payment.Status.CANCELED
    assert intent_of(payment).status == "canceled"
    with pytest.raises(Conflict, match="not finished in time"):
        complete_checkout(guest=checkout.guest, checkout_uid=str(checkout.uid), now=NOW)
    assert not Booking.objects.exists()


def test_the_book_page_asks_for_the_card_and_the_booking_page_shows_the_exact_refund(client):
    listing = make_listing(cancellation_policy="moderate")
    guest = make_user()
    client.login(email=guest.email, password=PASSWORD)
    page = client.get(reverse("bookings:book", kwargs={"listing_id": listing.pk})).content.decode()
    assert 'name="payment_method"' in page and "data-card-form" in page

    booking = confirmed_room(listing=listing, guest=guest)
    cancel_by_guest(guest=guest, booking_id=booking.pk, now=booking.start - timedelta(days=2))
    page = client.get(booking.get_absolute_url()).content.decode()

    assert "Refunded to the guest's card: <strong>€120.00</strong>" in page
    assert "Money trail" in page


def test_a_failed_3d_secure_check_says_so_and_makes_no_booking():
    with pytest.raises(AuthenticationRequired) as pending:
        request_room(instant_book=True, card_number=THREE_D_SECURE)
    checkout = pending.value.subject
    payment = Payment.objects.get(pk=checkout.payment_id)
    complete_3d_secure(
        settings.STRIPE_API_BASE, payment.stripe_payment_intent_id, pending.value.client_secret, success=False
    )

    with pytest.raises(CardRefused) as refused:
        complete_checkout(guest=checkout.guest, checkout_uid=str(checkout.uid), now=NOW)

    assert refused.value.status_code == 402 and refused.value.message
    assert not Booking.objects.exists()
    payment.refresh_from_db()
    assert payment.captured_amount == 0 and payment.status in (Payment.Status.FAILED, Payment.Status.CANCELED)
