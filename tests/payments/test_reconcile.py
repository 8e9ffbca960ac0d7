"""`reconcile_stripe`: each planted disagreement between our records and Stripe's lands in the staff queue."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from operations.schedule import JOBS
from payments import gateway, webhooks
from payments.models import Payout, StripeMismatch
from payments.reconcile import reconcile_stripe
from payments.services import guest_payments, host_payouts
from tests.payments.helpers import captured_payment, host_with_payout_account

pytestmark = pytest.mark.django_db


def open_mismatches() -> list[tuple[str, str, str]]:
    return sorted((row.what, row.ours, row.stripe) for row in StripeMismatch.objects.filter(resolved_at__isnull=True))


def test_payments_refunds_and_payouts_that_agree_with_stripe_leave_the_queue_empty(localstripe, ledger_checked):
    host = host_with_payout_account(localstripe)
    paid_out = captured_payment(11_200, reference="booking:1")
    guest_payments.refund_payment(payment=paid_out, amount=1_200)
    payout = host_payouts.release_payout(payment=paid_out, host=host, host_amount=8_000)
    host_payouts.reverse_payout(payout=payout, amount=500)
    partly = guest_payments.authorize_payment(
        payer=paid_out.payer, amount=9_000, currency="EUR", reference="booking:2", payment_method=_card()
    )
    guest_payments.capture_payment(payment=partly, amount=7_000)
    released = guest_payments.authorize_payment(
        payer=paid_out.payer, amount=5_000, currency="EUR", reference="booking:3", payment_method=_card()
    )
    guest_payments.cancel_payment(payment=released)

    outcome = reconcile_stripe()

    assert (outcome.checked, outcome.open, outcome.new) == (3, [], 0)


def test_a_refund_made_in_stripe_whose_webhook_was_lost_is_caught_then_resolved_once_recorded(
    localstripe, ledger_checked
):
    payment = captured_payment(10_000)
    gateway.create_refund(
        payment_intent_id=payment.stripe_payment_intent_id, amount=2_500, idempotency_key="dashboard-refund-1"
    )

    first = reconcile_stripe()
    second = reconcile_stripe()

    assert open_mismatches() == [("refunds", "0 refunded", "2500 refunded")]
    assert (first.new, second.new, StripeMismatch.objects.count()) == (1, 0, 1)  # seen again, not doubled

    charge = gateway.retrieve_charge(
        gateway.latest_charge_id(gateway.retrieve_payment_intent(payment.stripe_payment_intent_id))
    )
    event, _ = webhooks.record_event(
        {"id": "evt_late", "type": "charge.refunded", "data": {"object": charge.to_dict()}}
    )
    webhooks.process_event(event=event)
    third = reconcile_stripe()

    assert (third.open, third.resolved) == ([], 1)
    assert StripeMismatch.objects.get().resolved_at is not None


def test_a_capture_recorded_but_not_made_in_stripe_is_caught(localstripe):
    payment = guest_payments.authorize_payment(
        payer=captured_payment(1_000).payer, amount=4_000, currency="EUR", reference="booking:9", payment_method=_card()
    )
    # A bug (or a hand edit) that marks the payment charged without Stripe ever capturing it.
    type(payment).objects.filter(pk=payment.pk).update(status="captured", captured_amount=4_000)

    reconcile_stripe()

    assert open_mismatches() == [
        ("capture", "4000 captured", "0 received"),
        ("status", "captured", "PaymentIntent requires_capture"),
    ]


def test_a_transfer_reversed_in_stripe_behind_our_back_is_caught(localstripe, ledger_checked):
    host = host_with_payout_account(localstripe)
    payment = captured_payment(6_000)
    payout = host_payouts.release_payout(payment=payment, host=host, host_amount=5_000)
    gateway.reverse_transfer(transfer_id=payout.stripe_transfer_id, amount=1_000, idempotency_key="dashboard-rev-1")

    reconcile_stripe()

    assert open_mismatches() == [("transfer", "5000 sent net", "4000 net of reversals")]


def test_a_transfer_stripe_made_that_we_never_recorded_is_caught(localstripe, ledger_checked):
    host = host_with_payout_account(localstripe)
    payment = captured_payment(6_000)
    payout = host_payouts.release_payout(payment=payment, host=host, host_amount=5_000)
    extra = gateway.create_transfer(
        amount=700,
        currency="EUR",
        destination=host.payout_account.stripe_account_id,
        transfer_group=payment.transfer_group,
        source_transaction=payment.stripe_charge_id,
        idempotency_key="a-second-transfer",
        metadata={"payment": str(payment.uid)},
    )
    assert Payout.objects.get().pk == payout.pk

    reconcile_stripe()

    assert open_mismatches() == [("transfer", "no payout sent", f"{extra.id} of 700")]


def test_the_command_lists_what_differs_and_the_scheduler_runs_it_daily(localstripe):
    payment = captured_payment(3_000)
    gateway.create_refund(
        payment_intent_id=payment.stripe_payment_intent_id, amount=3_000, idempotency_key="dashboard-refund-2"
    )
    out = StringIO()

    call_command("reconcile_stripe", stdout=out)

    assert f"mismatch payment:{payment.pk}:refunds: ours 0 refunded; Stripe 3000 refunded" in out.getvalue()
    assert "checked=1 open=1 new=1 resolved=0" in out.getvalue()
    assert [job.every.days for job in JOBS if job.command == "reconcile_stripe"] == [1]


def _card() -> str:
    from tests.payments.fixtures import card

    return card()
