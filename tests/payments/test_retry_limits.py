"""Sweeps and tasks that fail are retried with backoff, counted, then left to staff; an outage is never a success."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from payments import gateway
from payments.errors import PaymentServiceUnavailable
from payments.models import MoneyOperation, Payment, Payout, StripeEvent
from payments.services import guest_payments, host_payouts
from tests.conftest import make_user
from tests.payments.fixtures import card
from tests.payments.helpers import captured_payment, host_with_payout_account
from tests.payments.test_payouts import refused_transfers
from tests.payments.test_webhooks import authorised_payment, deliver

pytestmark = pytest.mark.django_db


def at(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def stripe_down(name: str):
    down = PaymentServiceUnavailable("The payment service is not answering right now.", code="stripe_unreachable")
    return mock.patch.object(gateway, name, side_effect=down)


def failing_event(client) -> StripeEvent:
    payment = authorised_payment()
    Payment.objects.filter(pk=payment.pk).update(stripe_payment_intent_id="pi_unknown_to_stripe")
    deliver(client, "payment_intent.succeeded", {"id": "pi_unknown_to_stripe"}, event_id="evt_keeps_failing")
    return StripeEvent.objects.get(event_id="evt_keeps_failing")


def test_a_webhook_event_that_keeps_failing_backs_off_then_waits_for_staff(client, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    event = failing_event(client)
    assert (event.status, event.attempts) == (StripeEvent.Status.FAILED, 1)
    with at(event.next_attempt_at - timedelta(seconds=1)):
        call_command("retry_stripe_events", stdout=StringIO())  # backing off: not tried
    event.refresh_from_db()
    assert event.attempts == 1

    with at(event.next_attempt_at), pytest.raises(CommandError, match="still failing: events=1"):
        call_command("retry_stripe_events", stdout=StringIO())  # tried, failed again: the run is a failure
    event.refresh_from_db()
    assert (event.status, event.attempts) == (StripeEvent.Status.GAVE_UP, 2)

    with at(timezone.now() + timedelta(days=1)):
        call_command("retry_stripe_events", stdout=StringIO())  # left to staff: the scheduler stops
    event.refresh_from_db()
    assert event.attempts == 2


def test_a_money_run_during_a_stripe_outage_is_recorded_as_failed_and_counted():
    payment = guest_payments.authorize_payment(
        payer=make_user(), amount=3_000, currency="EUR", reference="booking:7", payment_method=card()
    )
    with stripe_down("capture_payment_intent"):
        with pytest.raises(PaymentServiceUnavailable):
            guest_payments.capture_payment(payment=payment)
        operation = MoneyOperation.objects.get(payment=payment)
        with at(operation.next_attempt_at), pytest.raises(CommandError, match="pending=1"):
            call_command("redrive_money", stdout=StringIO())
    operation.refresh_from_db()
    assert (operation.status, operation.attempts) == (MoneyOperation.Status.PENDING, 2)
    with at(operation.next_attempt_at):
        call_command("redrive_money", stdout=StringIO())  # Stripe is back: a clean run
    operation.refresh_from_db()
    assert operation.status == MoneyOperation.Status.DONE


def test_a_payout_refused_too_often_waits_for_staff_and_the_scheduler_stops(localstripe, settings, ledger_checked):
    settings.PAYOUT_MAX_ATTEMPTS = 2
    host = host_with_payout_account(localstripe)
    with refused_transfers():
        payout = host_payouts.release_payout(payment=captured_payment(6_000), host=host, host_amount=5_000)
        refused: list[Payout] = []
        host_payouts.retry_waiting_payouts(now=payout.next_attempt_at, refused=refused)
    assert refused == [payout]
    payout.refresh_from_db()
    assert (payout.attempts, payout.needs_staff) == (2, True)
    assert host_payouts.retry_waiting_payouts(now=timezone.now() + timedelta(days=2)) == []
    payout.refresh_from_db()
    assert (payout.status, payout.attempts) == (Payout.Status.WAITING, 2)  # not tried again by the scheduler
