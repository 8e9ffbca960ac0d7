"""Resolving a dispute: the split is exact, bounded by what is held, and the ledger balances afterwards."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookings.models import BookingStatus
from core.errors import Conflict, DomainError, PermissionDenied
from disputes import services
from disputes.models import AdminDecision, DisputeStatus
from payments.ledger import escrow_balance
from payments.models import Payout
from realtime.models import Notification
from tests.conftest import make_user
from tests.disputes.helpers import open_as_guest, paid_booking, payment_of, released_booking, support_user

pytestmark = pytest.mark.django_db


def resolve(dispute, staff, refund, payout, reason="The photos show damage; half back to the guest.", **kwargs):
    return services.resolve_dispute(
        staff=staff, dispute_id=dispute.pk, guest_refund=refund, host_payout=payout, reason=reason, **kwargs
    )


def test_resolution_splits_exactly_and_the_ledger_balances():
    booking = paid_booking()
    dispute = open_as_guest(booking)
    staff = support_user()
    refund = 10_000
    payout = min(booking.host_payout, booking.total - refund) - 500
    resolved = resolve(dispute, staff, refund, payout, now=booking.start + timedelta(hours=3))

    payment = payment_of(booking)
    assert payment.refunded_amount == refund
    assert payment.host_payout_amount == payout
    assert payment.platform_fee_amount == booking.total - refund - payout
    assert payment.escrow_amount == 0
    assert escrow_balance(reference=f"booking:{booking.pk}", currency=booking.currency) == 0
    assert not payment.frozen
    transfer = Payout.objects.get(payment=payment)
    assert (transfer.amount, transfer.status) == (payout, Payout.Status.PAID)

    assert resolved.status == DisputeStatus.RESOLVED
    assert (resolved.guest_refund, resolved.host_payout, resolved.payout_reversed) == (refund, payout, 0)
    assert resolved.resolved_by == staff
    booking.refresh_from_db()
    assert booking.status == BookingStatus.IN_PROGRESS  # back to where its dates put it
    # ledger_checked (autouse) runs every ledger invariant after this test.


def test_both_parties_are_notified_with_the_written_reason():
    booking = paid_booking()
    dispute = open_as_guest(booking)
    resolve(dispute, support_user(), 2_500, 0, reason="No evidence of a broken heater.")
    for person in (booking.guest, booking.listing.owner):
        note = Notification.objects.get(recipient=person, kind="dispute.resolved")
        assert "No evidence of a broken heater." in note.payload["title"]
        assert "€25.00" in note.payload["title"]


def test_the_decision_is_recorded_with_who_what_and_why():
    booking = paid_booking()
    dispute = open_as_guest(booking)
    staff = support_user()
    resolve(dispute, staff, 1_000, 2_000, reason="Split for a partly broken heater.")
    decision = AdminDecision.objects.get(action=AdminDecision.Action.RESOLVE_DISPUTE)
    assert decision.staff == staff
    assert decision.target == dispute
    assert decision.reason == "Split for a partly broken heater."
    assert decision.details["guest_refund"] == 1_000
    assert decision.details["host_payout"] == 2_000
    assert decision.details["platform_keeps"] == booking.total - 3_000


@pytest.mark.parametrize(
    ("refund", "payout", "field"),
    [(None, None, "guest_refund"), (-1, 0, "guest_refund"), (0, -1, "host_payout"), (1.5, 0, "guest_refund")],
)
def test_over_the_escrow_negative_or_fractional_amounts_are_refused_and_nothing_moves(refund, payout, field):
    booking = paid_booking()
    dispute = open_as_guest(booking)
    if refund is None:
        refund, payout = booking.total - 100, 101  # one cent more than is held
    with pytest.raises(DomainError) as refusal:
        resolve(dispute, support_user(), refund, payout)
    assert refusal.value.field == field
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.OPEN
    payment = payment_of(booking)
    assert (payment.refunded_amount, payment.host_payout_amount, payment.frozen) == (0, 0, True)
    assert escrow_balance(reference=f"booking:{booking.pk}", currency=booking.currency) == booking.total
    assert not AdminDecision.objects.exists()


def test_the_whole_escrow_can_go_back_to_the_guest():
    booking = paid_booking()
    dispute = open_as_guest(booking)
    resolve(dispute, support_user(), booking.total, 0)
    payment = payment_of(booking)
    assert payment.refunded_amount == booking.total
    assert payment.platform_fee_amount == 0
    assert not Payout.objects.exists()


def test_after_a_released_payout_the_resolution_reverses_the_transfer_and_says_so():
    booking = released_booking()
    payout_before = Payout.objects.get(payment=payment_of(booking))
    assert payout_before.status == Payout.Status.PAID
    dispute = open_as_guest(booking, now=booking.payout_release_at + timedelta(hours=1))
    keep = booking.host_payout - 4_000
    resolved = resolve(dispute, support_user(), 4_000, keep, now=booking.payout_release_at + timedelta(hours=2))

    payout = Payout.objects.get(pk=payout_before.pk)
    assert payout.reversed_amount == 4_000
    payment = payment_of(booking)
    assert payment.refunded_amount == 4_000
    assert payment.host_payout_amount == keep
    assert payment.escrow_amount == 0
    assert resolved.payout_reversed == 4_000
    note = Notification.objects.get(recipient=booking.listing.owner, kind="dispute.resolved")
    assert "taken back" in note.payload["title"]


def test_after_a_released_payout_the_whole_payment_can_still_go_back_to_the_guest_but_not_more():
    booking = released_booking()
    dispute = open_as_guest(booking, now=booking.payout_release_at + timedelta(hours=1))
    staff = support_user()
    with pytest.raises(DomainError):
        resolve(dispute, staff, booking.total + 1, 0)
    assert Payout.objects.get().reversed_amount == 0
    resolved = resolve(dispute, staff, booking.total, 0, now=booking.payout_release_at + timedelta(hours=2))
    payment = payment_of(booking)
    assert payment.refunded_amount == booking.total
    assert (payment.host_payout_amount, payment.platform_fee_amount, payment.escrow_amount) == (0, 0, 0)
    assert Payout.objects.get().reversed_amount == booking.host_payout
    assert resolved.payout_reversed == booking.host_payout
    details = AdminDecision.objects.get().details
    assert details["fee_returned_to_escrow"] == booking.total - booking.host_payout


def test_only_support_staff_can_resolve():
    booking = paid_booking()
    dispute = open_as_guest(booking)
    for person in (booking.guest, booking.listing.owner, make_user(is_staff=True)):
        with pytest.raises(PermissionDenied):
            resolve(dispute, person, 0, 0)
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.OPEN


def test_a_resolved_dispute_cannot_be_resolved_again():
    booking = paid_booking()
    dispute = open_as_guest(booking)
    staff = support_user()
    resolve(dispute, staff, 1_000, 0)
    with pytest.raises(Conflict):
        resolve(dispute, staff, 0, 0)
    assert payment_of(booking).refunded_amount == 1_000


def test_requesting_evidence_sets_a_deadline_records_the_decision_and_tells_both():
    booking = paid_booking()
    dispute = open_as_guest(booking)
    staff = support_user()
    now = booking.start + timedelta(hours=3)
    with pytest.raises(DomainError):
        services.request_more_evidence(staff=staff, dispute_id=dispute.pk, message="Photos?", deadline=now, now=now)
    services.request_more_evidence(
        staff=staff,
        dispute_id=dispute.pk,
        message="Photos of the heater, please.",
        deadline=now + timedelta(days=2),
        now=now,
    )
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.AWAITING_EVIDENCE
    assert dispute.evidence_deadline == now + timedelta(days=2)
    assert dispute.last_staff_action_at == now
    assert AdminDecision.objects.get().action == AdminDecision.Action.REQUEST_EVIDENCE
    assert Notification.objects.filter(kind="dispute.evidence_requested").count() == 2


def test_a_payout_release_after_the_resolution_moves_nothing_more():
    from bookings.services.clock import release_payout, start_booking
    from payments.models import LedgerEntry

    booking = paid_booking()
    start_booking(booking_id=booking.pk, now=booking.start)
    dispute = open_as_guest(booking)
    resolve(dispute, support_user(), 6_000, 4_000, now=booking.start + timedelta(hours=3))
    entries = LedgerEntry.objects.count()
    release_payout(booking_id=booking.pk, now=booking.payout_release_at)
    assert LedgerEntry.objects.count() == entries
    payment = payment_of(booking)
    assert (payment.refunded_amount, payment.host_payout_amount) == (6_000, 4_000)
