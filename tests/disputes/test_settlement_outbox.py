"""A dispute's settlement calls Stripe only after the decision commits; a Stripe outage waits for the re-driver."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from disputes import services
from disputes.models import DisputeStatus
from payments import gateway, outbox
from payments.errors import PaymentServiceUnavailable
from payments.models import MoneyOperation, Payout
from tests.disputes.helpers import open_as_guest, payment_of, released_booking, support_user

pytestmark = pytest.mark.django_db
Kind, Status = MoneyOperation.Kind, MoneyOperation.Status


def stripe_down():
    down = PaymentServiceUnavailable("The payment service is not answering right now.", code="stripe_unreachable")
    return mock.patch.object(gateway, "reverse_transfer", side_effect=down)


def test_a_resolution_while_stripe_is_down_is_kept_and_the_redriver_moves_the_money_once():
    booking = released_booking()
    payout = Payout.objects.get(payment=payment_of(booking))
    later = booking.payout_release_at + timedelta(hours=2)
    dispute = open_as_guest(booking, now=booking.payout_release_at + timedelta(hours=1))
    keep = booking.host_payout - 4_000
    with stripe_down():
        services.resolve_dispute(
            staff=support_user(), dispute_id=dispute.pk, guest_refund=4_000, host_payout=keep, reason="Half.", now=later
        )
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.RESOLVED  # the decision stands
    operations = {op.kind: op for op in MoneyOperation.objects.filter(payment=payment_of(booking))}
    assert operations[Kind.REVERSE].status == Status.PENDING
    assert "not answering" in operations[Kind.REVERSE].last_error
    # The refund waits for the money the reversal brings back; nothing is refunded or released yet.
    assert operations[Kind.REFUND].status == Status.PENDING
    assert operations[Kind.RELEASE].status == Status.PENDING
    payment = payment_of(booking)
    assert (payment.refunded_amount, payment.host_payout_amount) == (0, booking.host_payout)
    assert "being processed" in outbox.describe_pending(reference=payment.reference)

    counts = outbox.redrive_money_operations(now=timezone.now() + timedelta(hours=2))
    assert counts["failed"] == 0
    counts = outbox.redrive_money_operations(now=timezone.now() + timedelta(hours=4))
    assert set(MoneyOperation.objects.filter(payment=payment).values_list("status", flat=True)) == {Status.DONE}
    payment.refresh_from_db()
    assert (payment.refunded_amount, payment.host_payout_amount, payment.escrow_amount) == (4_000, keep, 0)
    transfer = gateway.retrieve_transfer(payout.stripe_transfer_id)
    assert transfer.amount_reversed == 4_000  # one reversal, of the amount first recorded
    intent = gateway.retrieve_payment_intent(payment.stripe_payment_intent_id)
    assert gateway.retrieve_charge(gateway.latest_charge_id(intent)).amount_refunded == 4_000


def test_a_reversal_is_recorded_once_even_when_the_take_back_runs_again():
    booking = released_booking()
    payment = payment_of(booking)
    payout = Payout.objects.get(payment=payment)
    from payments import clawback

    with stripe_down():
        clawback.take_back_from_host(payment=payment, amount=1_000)
        clawback.make_room_for_refund(payment=payment, amount=1_000, host_keeps=0)  # finds it on its way
    assert list(MoneyOperation.objects.filter(kind=Kind.REVERSE).values_list("amount", flat=True)) == [1_000]
    outbox.redrive_money_operations(now=timezone.now() + timedelta(hours=1))
    payout.refresh_from_db()
    assert payout.reversed_amount == 1_000
    assert gateway.retrieve_transfer(payout.stripe_transfer_id).amount_reversed == 1_000
