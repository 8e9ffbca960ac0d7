"""Faults between Stripe's answer and our record of it: the outbox re-drives them to exactly one effect.

Each test crashes (or hangs) a money operation after the booking's transaction committed,
then runs the re-driver, and checks the harness (Stripe's side), the booking and the
ledger (`ledger_checked`, autouse in this package) agree. "Killed after Stripe answered
and before the commit" is simulated by a gateway call that returns from Stripe and then
raises, as a process dying right there would leave things.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from bookings.models import BookingStatus
from bookings.money import booking_reference, money
from bookings.services.answers import accept_booking, decline_booking
from bookings.services.cancellations import cancel_by_guest, cancel_by_host, guest_refund
from bookings.services.clock import release_payout, start_booking
from payments import gateway, webhooks
from payments.ledger import escrow_balance
from payments.models import LedgerTransaction, MoneyOperation, Payment, Payout, StripeEvent
from payments.outbox import redrive_money_operations
from payments.reconcile import reconcile_stripe
from tests.bookings.factories import NOW, confirmed_room, request_room
from tests.payments.helpers import host_with_payout_account

pytestmark = pytest.mark.django_db

Kind = MoneyOperation.Kind


class Killed(Exception):
    """The process died here (after Stripe acted, before our record committed)."""


def killed_after(name: str) -> tuple[mock._patch, list]:
    """Patch gateway.<name> so that Stripe acts, then the process 'dies'; returns (patch, Stripe's answers)."""
    real = getattr(gateway, name)
    answers: list = []

    def act_then_die(*args, **kwargs):
        answers.append(real(*args, **kwargs))
        raise Killed(f"killed after {name}")

    return mock.patch.object(gateway, name, side_effect=act_then_die), answers


def payment_of(booking) -> Payment:
    return Payment.objects.get(reference=booking_reference(booking.pk))


def operation(booking, kind: str) -> MoneyOperation:
    return MoneyOperation.objects.get(payment=payment_of(booking), kind=kind)


def redrive() -> dict[str, int]:
    """The scheduler's run, once every backoff has passed."""
    return redrive_money_operations(now=timezone.now() + timedelta(days=1))


def assert_reconciled() -> None:
    """Stripe and our records agree: `reconcile_stripe` finds nothing (a day later, nothing in flight)."""
    outcome = reconcile_stripe(now=timezone.now() + timedelta(days=1))
    assert outcome.checked > 0
    assert [f"{row.key}: ours {row.ours}, Stripe {row.stripe}" for row in outcome.open] == []


def stripe_refunds(payment: Payment) -> list:
    return gateway.list_refunds(payment.stripe_payment_intent_id)


def test_a_capture_killed_after_stripe_charged_is_recorded_once_by_the_redriver():
    booking = request_room()
    patch, answers = killed_after("capture_payment_intent")
    with patch:
        accept_booking(host=booking.listing.owner, booking_id=booking.pk, now=NOW)

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert operation(booking, Kind.CAPTURE).status == MoneyOperation.Status.PENDING
    assert "pending" in money().money_pending(reference=booking_reference(booking.pk))
    assert answers[0].status == "succeeded"  # Stripe did charge

    assert redrive()["done"] == 1

    payment = payment_of(booking)
    intent = gateway.retrieve_payment_intent(payment.stripe_payment_intent_id)
    assert (payment.status, payment.captured_amount, intent.amount_received) == ("captured", 29120, 29120)
    assert operation(booking, Kind.CAPTURE).stripe_object_id == answers[0].id
    assert LedgerTransaction.objects.filter(reference=payment.reference).count() == 1
    assert escrow_balance(reference=payment.reference, currency="EUR") == 29120
    assert money().money_pending(reference=booking_reference(booking.pk)) == ""
    assert_reconciled()


def test_a_release_killed_after_stripe_cancelled_is_recorded_by_the_redriver():
    booking = request_room()
    patch, answers = killed_after("cancel_payment_intent")
    with patch:
        decline_booking(host=booking.listing.owner, booking_id=booking.pk, now=NOW)
    assert payment_of(booking).status == Payment.Status.AUTHORIZED
    assert answers[0].status == "canceled"

    redrive()

    assert payment_of(booking).status == Payment.Status.CANCELED
    assert operation(booking, Kind.CANCEL).status == MoneyOperation.Status.DONE
    booking.refresh_from_db()
    assert booking.status == BookingStatus.DECLINED
    assert_reconciled()


def test_a_guest_cancellation_refund_killed_after_stripe_refunded_is_refunded_once():
    booking = confirmed_room()
    patch, answers = killed_after("create_refund")
    with patch:
        cancelled = cancel_by_guest(guest=booking.guest, booking_id=booking.pk, now=NOW + timedelta(days=1))
    payment = payment_of(booking)
    assert payment.refunded_amount == 0  # nothing recorded: the process died

    redrive()

    payment.refresh_from_db()
    refunds = stripe_refunds(payment)
    assert [refund.id for refund in refunds] == [answers[0].id]
    assert refunds[0].amount == payment.refunded_amount == cancelled.refund_amount > 0
    assert escrow_balance(reference=payment.reference, currency="EUR") == 29120 - cancelled.refund_amount
    assert_reconciled()


def test_a_host_cancellation_killed_after_stripe_refunded_frees_the_dates_and_refunds_once():
    booking = confirmed_room()
    patch, _ = killed_after("create_refund")
    with patch:
        cancel_by_host(host=booking.listing.owner, booking_id=booking.pk, now=NOW + timedelta(days=1))
    booking.refresh_from_db()
    assert (booking.status, booking.busy_period_id) == (BookingStatus.CANCELLED_BY_HOST, None)

    redrive()

    payment = payment_of(booking)
    assert [refund.amount for refund in stripe_refunds(payment)] == [29120]
    assert payment.refunded_amount == 29120
    assert escrow_balance(reference=payment.reference, currency="EUR") == 0
    assert_reconciled()


def test_the_refund_webhook_arriving_between_the_crash_and_the_retry_is_not_counted_twice():
    booking = confirmed_room()
    patch, _ = killed_after("create_refund")
    with patch:
        cancel_by_host(host=booking.listing.owner, booking_id=booking.pk, now=NOW + timedelta(days=1))
    payment = payment_of(booking)
    charge = gateway.retrieve_charge(payment.stripe_charge_id).to_dict()
    event, _ = webhooks.record_event({"id": "evt_between", "type": "charge.refunded", "data": {"object": charge}})
    assert webhooks.process_event(event=event).status == StripeEvent.Status.PROCESSED
    payment.refresh_from_db()
    assert payment.refunded_amount == 0  # our own refund in flight, not one made in Stripe's dashboard

    redrive()

    payment.refresh_from_db()
    assert [refund.amount for refund in stripe_refunds(payment)] == [29120]
    assert payment.refunded_amount == 29120
    assert escrow_balance(reference=payment.reference, currency="EUR") == 0
    assert_reconciled()


def test_a_retry_under_a_later_refund_tier_sends_the_amount_first_recorded():
    booking = confirmed_room()
    cancelled_at = NOW + timedelta(days=1)
    patch, _ = killed_after("create_refund")
    with patch:
        cancelled = cancel_by_guest(guest=booking.guest, booking_id=booking.pk, now=cancelled_at)
    # Re-driven once the start is near: today's tier would refund less (or nothing).
    later_tier = guest_refund(booking=cancelled, at=booking.start - timedelta(hours=1)).refund
    assert later_tier != cancelled.refund_amount

    with mock.patch("django.utils.timezone.now", return_value=booking.start - timedelta(hours=1)):
        redrive_money_operations(now=booking.start)

    payment = payment_of(booking)
    assert [refund.amount for refund in stripe_refunds(payment)] == [cancelled.refund_amount]
    assert payment.refunded_amount == cancelled.refund_amount
    assert_reconciled()


def test_a_payout_transfer_killed_after_stripe_transferred_is_sent_once(settings):
    host = host_with_payout_account(settings.STRIPE_API_BASE)
    booking = confirmed_room(owner=host)
    start_booking(booking_id=booking.pk, now=booking.start)
    patch, answers = killed_after("create_transfer")
    with patch:
        release_payout(booking_id=booking.pk, now=booking.payout_release_at)
    payout = Payout.objects.get(host=host)
    assert payout.status == Payout.Status.WAITING

    assert redrive()["payouts_sent"] == 1

    payout.refresh_from_db()
    assert payout.status == Payout.Status.PAID
    assert payout.stripe_transfer_id == answers[0].id  # Stripe replayed the first transfer
    assert gateway.retrieve_transfer(payout.stripe_transfer_id).amount == booking.payout_amount
    assert_reconciled()


@pytest.fixture
def silent_stripe() -> Iterator[str]:
    """A TCP server that accepts connections and never answers (Stripe hanging)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


def test_a_stripe_that_never_answers_leaves_the_capture_pending_then_the_redriver_charges_once(settings, silent_stripe):
    booking = request_room()
    harness = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = silent_stripe
    settings.STRIPE_READ_TIMEOUT = 0.5
    settings.STRIPE_MAX_NETWORK_RETRIES = 0

    accept_booking(host=booking.listing.owner, booking_id=booking.pk, now=NOW)

    booking.refresh_from_db()
    capture = operation(booking, Kind.CAPTURE)
    assert booking.status == BookingStatus.CONFIRMED  # the accept did not wait on Stripe's silence
    assert (capture.status, capture.attempts) == (MoneyOperation.Status.PENDING, 1)
    assert capture.last_error.startswith("stripe_unreachable")
    assert payment_of(booking).captured_amount == 0  # nothing half-applied
    assert "pending" in money().money_pending(reference=booking_reference(booking.pk))

    settings.STRIPE_API_BASE = harness
    redrive()

    payment = payment_of(booking)
    intent = gateway.retrieve_payment_intent(payment.stripe_payment_intent_id)
    assert (payment.captured_amount, intent.amount_received) == (29120, 29120)
    assert escrow_balance(reference=payment.reference, currency="EUR") == 29120
    assert_reconciled()


def test_a_pending_charge_is_shown_on_the_booking_page_and_in_the_api(client):
    booking = request_room()
    patch, _ = killed_after("capture_payment_intent")
    with patch:
        accept_booking(host=booking.listing.owner, booking_id=booking.pk, now=NOW)
    client.force_login(booking.guest)

    page = client.get(booking.get_absolute_url())
    api = client.get(f"/api/v1/bookings/{booking.pk}")

    expected = "Payment pending: the charge of the guest&#x27;s card is being processed with the bank."
    assert expected in page.content.decode()
    assert api.json()["money_pending"] == expected.replace("&#x27;", "'")
    redrive()
    assert client.get(f"/api/v1/bookings/{booking.pk}").json()["money_pending"] == ""
    assert_reconciled()


def test_a_host_cancelling_while_the_charge_is_pending_is_refunded_after_the_charge(settings, silent_stripe):
    booking = request_room()
    harness = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = silent_stripe
    settings.STRIPE_READ_TIMEOUT = 0.5
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    accept_booking(host=booking.listing.owner, booking_id=booking.pk, now=NOW)
    cancel_by_host(host=booking.listing.owner, booking_id=booking.pk, now=NOW + timedelta(hours=1))

    settings.STRIPE_API_BASE = harness
    redrive()

    payment = payment_of(booking)
    intent = gateway.retrieve_payment_intent(payment.stripe_payment_intent_id)
    assert intent.amount_received == 29120
    assert [refund.amount for refund in stripe_refunds(payment)] == [29120]
    assert (payment.captured_amount, payment.refunded_amount) == (29120, 29120)
    assert escrow_balance(reference=payment.reference, currency="EUR") == 0
    assert_reconciled()


def test_reconciliation_catches_a_capture_left_unrecorded_when_the_redriver_does_not_run():
    booking = request_room()
    patch, _ = killed_after("capture_payment_intent")
    with patch:
        accept_booking(host=booking.listing.owner, booking_id=booking.pk, now=NOW)

    assert reconcile_stripe().open == []  # in flight: the re-driver's for now
    later = reconcile_stripe(now=timezone.now() + timedelta(hours=2))

    assert sorted((row.what, row.ours, row.stripe) for row in later.open) == [
        ("capture", "0 captured", "29120 received"),
        ("status", "authorized", "PaymentIntent succeeded"),
    ]
    redrive()
    assert_reconciled()


def test_reconciliation_catches_a_transfer_left_unrecorded_when_the_redriver_does_not_run(settings):
    host = host_with_payout_account(settings.STRIPE_API_BASE)
    booking = confirmed_room(owner=host)
    start_booking(booking_id=booking.pk, now=booking.start)
    patch, answers = killed_after("create_transfer")
    with patch:
        release_payout(booking_id=booking.pk, now=booking.payout_release_at)

    outcome = reconcile_stripe()

    transfer = answers[0]
    assert [(row.what, row.ours, row.stripe) for row in outcome.open] == [
        ("transfer", "no payout sent", f"{transfer.id} of {transfer.amount}")
    ]
    redrive()
    assert_reconciled()
