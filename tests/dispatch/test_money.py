"""One card hold per job: the booking adopts the request's estimate hold and is charged its exact fare from it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookings.models import BookingStatus
from bookings.services.cancellations import cancel_by_guest, cancel_by_host, guest_refund
from bookings.services.checkout import request_booking
from core.errors import Conflict, DomainError
from dispatch.inputs import Need, Position
from dispatch.models import DispatchRequest, Offer, OfferState, RequestState
from dispatch.services.acceptance import accept_offer
from dispatch.services.common import job_period
from dispatch.services.requests import request_now
from payments import gateway, ledger
from payments.models import ESCROW, GUEST_FUNDING, REFUNDS_PAID, LedgerEntry, Payment
from tests.conftest import make_user
from tests.dispatch.factories import HERE, NOW, provider
from tests.payments.fixtures import card

pytestmark = pytest.mark.django_db


def intents_paid_with(payment_method: str) -> list:
    """Every PaymentIntent Stripe (the harness) holds for this card, whoever created it."""
    return [
        intent
        for intent in gateway.client().v1.payment_intents.list(params={"limit": 100}).auto_paging_iter()
        if intent.payment_method == payment_method
    ]


def ask(requester=None, *, payment_method: str | None = None) -> DispatchRequest:
    return request_now(
        requester=requester or make_user(),
        need=Need(kind="driver", position=Position(*HERE), hours=2),
        payment_method=payment_method or card(),
        now=NOW,
    )


def cheap_and_dear():
    """The nearest provider is the cheaper one: the hold (the dearest fare in range) is above their fare."""
    return provider(km=1, unit_price=1500), provider(km=2, unit_price=2500)


def test_the_booking_adopts_the_hold_and_is_charged_exactly_its_fare(ledger_checked):
    cheap, _ = cheap_and_dear()
    method = card()
    request = ask(payment_method=method)
    assert Payment.objects.get(pk=request.payment_id).status == Payment.Status.AUTHORIZED

    booking = accept_offer(provider=cheap.owner, request_id=request.pk, now=NOW + timedelta(seconds=5)).booking

    assert booking.status == BookingStatus.CONFIRMED
    assert booking.total < request.estimate_amount
    payment = Payment.objects.get(pk=request.payment_id)
    assert payment.reference == f"booking:{booking.pk}"
    assert (payment.status, payment.amount, payment.captured_amount) == (
        Payment.Status.CAPTURED,
        request.estimate_amount,
        booking.total,
    )
    # One authorisation for the whole job, on the site and at Stripe.
    assert Payment.objects.filter(payer=request.requester).count() == 1
    (intent,) = intents_paid_with(method)
    assert intent.id == payment.stripe_payment_intent_id
    assert (intent.status, intent.amount, intent.amount_received) == (
        "succeeded",
        request.estimate_amount,
        booking.total,
    )
    # The ledger holds exactly the fare: the rest of the hold went back to the card, uncharged.
    assert ledger.escrow_balance(reference=f"booking:{booking.pk}", currency=booking.currency) == booking.total
    assert ledger.balance(GUEST_FUNDING, currency=booking.currency) == -booking.total


def test_the_requester_reads_that_only_the_fare_is_charged(client):
    cheap, _ = cheap_and_dear()
    request = ask()
    accept_offer(provider=cheap.owner, request_id=request.pk, now=NOW)
    client.force_login(request.requester)
    page = client.get(f"/dispatch/requests/{request.pk}/").content.decode()
    assert "Only the fare is charged: the rest of the" in page
    client.force_login(cheap.owner)
    assert "Only the fare is charged" not in client.get(f"/dispatch/requests/{request.pk}/").content.decode()


def test_why_one_hold_a_second_authorisation_on_the_requesters_card_is_refused_as_on_stripe(ledger_checked):
    cheap, _ = cheap_and_dear()
    method = card()
    request = ask(payment_method=method)
    start, end = job_period(NOW, request.hours)
    # What accepting used to do: book the exact fare with the same PaymentMethod, saved to no customer.
    with pytest.raises(DomainError, match="may not be used again"):
        request_booking(
            guest=request.requester, listing_id=cheap.pk, start=start, end=end, guests=1, payment_method=method, now=NOW
        )
    assert accept_offer(provider=cheap.owner, request_id=request.pk, now=NOW).state == RequestState.ASSIGNED


def test_when_the_provider_cancels_the_requester_gets_back_the_fare_charged(ledger_checked):
    cheap, _ = cheap_and_dear()
    request = ask()
    booking = accept_offer(provider=cheap.owner, request_id=request.pk, now=NOW).booking

    cancelled = cancel_by_host(host=cheap.owner, booking_id=booking.pk, now=NOW + timedelta(minutes=1))

    assert cancelled.refund_amount == booking.total
    payment = Payment.objects.get(pk=request.payment_id)
    assert (payment.captured_amount, payment.refunded_amount, payment.escrow_amount) == (
        booking.total,
        booking.total,
        0,
    )
    assert ledger.balance(REFUNDS_PAID, currency=booking.currency) == booking.total
    intent = gateway.retrieve_payment_intent(payment.stripe_payment_intent_id)
    # At Stripe: the released rest of the hold plus the refund of the fare is the whole hold, no more.
    assert gateway.retrieve_charge(gateway.latest_charge_id(intent)).amount_refunded == request.estimate_amount


def test_when_the_requester_cancels_the_policy_refund_is_computed_on_the_fare(ledger_checked):
    cheap, _ = cheap_and_dear()
    request = ask()
    booking = accept_offer(provider=cheap.owner, request_id=request.pk, now=NOW).booking
    expected = guest_refund(booking=booking, at=NOW + timedelta(minutes=1))

    cancelled = cancel_by_guest(guest=request.requester, booking_id=booking.pk, now=NOW + timedelta(minutes=1))

    assert cancelled.refund_amount == expected.refund <= booking.total
    assert expected.refund + expected.host_payout + expected.platform_fee == booking.total
    payment = Payment.objects.get(pk=request.payment_id)
    assert payment.refunded_amount == expected.refund
    assert payment.escrow_amount == booking.total - expected.refund
    assert ledger.escrow_balance(reference=f"booking:{booking.pk}", currency=booking.currency) == payment.escrow_amount


def test_a_fare_that_rose_above_the_hold_is_not_booked_and_the_hold_stays_for_the_others(ledger_checked):
    cheap, dear = cheap_and_dear()
    request = ask()
    # The cheap provider raised their price after the offer went out: their fare is now above the hold.
    cheap.unit_price = 9000
    cheap.save(update_fields=["unit_price"])

    with pytest.raises(Conflict, match="more than what is held") as refused:
        accept_offer(provider=cheap.owner, request_id=request.pk, now=NOW)

    assert refused.value.code == "booking_failed"
    assert Offer.objects.get(request=request, listing=cheap).state == OfferState.PASSED
    payment = Payment.objects.get(pk=request.payment_id)
    assert (payment.status, payment.reference) == (Payment.Status.AUTHORIZED, request.reference)
    assert not LedgerEntry.objects.exists()
    # The other provider can still take it, from the same hold.
    booking = accept_offer(provider=dear.owner, request_id=request.pk, now=NOW).booking
    payment.refresh_from_db()
    assert (payment.captured_amount, payment.reference) == (booking.total, f"booking:{booking.pk}")
    assert DispatchRequest.objects.get(pk=request.pk).state == RequestState.ASSIGNED


def test_ledger_lines_of_an_on_demand_job_are_the_fare_only(ledger_checked):
    cheap, _ = cheap_and_dear()
    request = ask()
    booking = accept_offer(provider=cheap.owner, request_id=request.pk, now=NOW).booking
    lines = LedgerEntry.objects.filter(transaction__reference=f"booking:{booking.pk}")
    assert sorted(lines.values_list("account", "amount")) == sorted(
        [(GUEST_FUNDING, -booking.total), (ESCROW, booking.total)]
    )
