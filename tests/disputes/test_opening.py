"""Opening a dispute: who may, until when, and what it does to the booking, the payout and the parties."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from bookings import tasks as booking_tasks
from bookings.models import BookingStatus
from bookings.services.clock import advance_due_bookings, start_booking
from core.errors import Conflict, DomainError, NotFound
from disputes import services
from disputes.models import Category, Dispute, DisputeStatus, Source
from payments.errors import PaymentStateError
from payments.ledger import escrow_balance
from payments.models import Payout
from payments.services import host_payouts
from realtime.models import Notification, Thread
from tests.conftest import make_user
from tests.disputes.helpers import open_as_guest, paid_booking, payment_of, support_user

pytestmark = pytest.mark.django_db


def test_a_stranger_cannot_open_a_dispute():
    booking = paid_booking()
    with pytest.raises(NotFound):
        services.open_dispute(
            user=make_user(), booking_id=booking.pk, category=Category.OTHER, description="Not mine but still."
        )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert not Dispute.objects.exists()
    assert not payment_of(booking).frozen


def test_a_stranger_gets_404_on_the_open_page_and_nothing_changes(client):
    booking = paid_booking()
    client.force_login(make_user())
    url = reverse("disputes:open", kwargs={"booking_id": booking.pk})
    assert client.get(url).status_code == 404
    response = client.post(url, {"category": "damage", "description": "Let me in."})
    assert response.status_code == 404
    assert not Dispute.objects.exists()


def test_opening_after_the_48_hour_window_is_refused_with_the_deadline():
    booking = paid_booking()
    with pytest.raises(Conflict) as refusal:
        open_as_guest(booking, now=booking.end + timedelta(hours=48, minutes=1))
    assert "48 hours after the booking ends" in refusal.value.message
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert not Dispute.objects.exists()


def test_the_host_can_open_one_just_inside_the_window():
    booking = paid_booking()
    dispute = services.open_dispute(
        user=booking.listing.owner,
        booking_id=booking.pk,
        category=Category.DAMAGE,
        description="The guest broke a chair.",
        now=booking.end + timedelta(hours=47, minutes=59),
    )
    assert dispute.opened_by == booking.listing.owner
    assert dispute.source == Source.PARTY


def test_a_requested_booking_cannot_be_disputed():
    from tests.bookings.factories import request_room

    booking = request_room()
    with pytest.raises(Conflict):
        services.open_dispute(user=booking.guest, booking_id=booking.pk, category="other", description="Too slow.")
    assert not Dispute.objects.exists()


def test_empty_description_and_unknown_category_are_refused():
    booking = paid_booking()
    with pytest.raises(DomainError) as empty:
        services.open_dispute(user=booking.guest, booking_id=booking.pk, category="damage", description="   ")
    assert empty.value.field == "description"
    with pytest.raises(DomainError) as unknown:
        services.open_dispute(user=booking.guest, booking_id=booking.pk, category="boredom", description="Meh.")
    assert unknown.value.field == "category"
    assert not Dispute.objects.exists()


def test_opening_disputes_the_booking_freezes_the_payment_opens_a_thread_and_notifies_both():
    booking = paid_booking()
    dispute = open_as_guest(booking)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.DISPUTED
    assert dispute.status == DisputeStatus.OPEN
    assert payment_of(booking).frozen
    thread = Thread.objects.get(key=f"dispute:{dispute.pk}")
    assert set(thread.participants.values_list("pk", flat=True)) == {booking.guest_id, booking.listing.owner_id}
    for person in (booking.guest, booking.listing.owner):
        assert Notification.objects.filter(recipient=person, kind="dispute.opened").count() == 1


def test_a_second_dispute_on_the_same_booking_is_refused():
    booking = paid_booking()
    open_as_guest(booking)
    with pytest.raises(Conflict):
        services.open_dispute(
            user=booking.listing.owner, booking_id=booking.pk, category="other", description="Me too."
        )
    assert Dispute.objects.count() == 1


def test_the_payout_stays_frozen_when_the_release_task_and_sweep_run():
    booking = paid_booking()
    start_booking(booking_id=booking.pk, now=booking.start)
    open_as_guest(booking)
    held = escrow_balance(reference=f"booking:{booking.pk}", currency=booking.currency)
    assert held == booking.total

    from unittest import mock

    with mock.patch("django.utils.timezone.now", return_value=booking.payout_release_at + timedelta(hours=1)):
        result = booking_tasks.release_payout_task.call(booking.pk)
        counts = advance_due_bookings()
    assert result.startswith("skipped")
    assert counts["payouts_released"] == 0
    with pytest.raises(PaymentStateError):
        host_payouts.release_payout(
            payment=payment_of(booking), host=booking.listing.owner, host_amount=booking.host_payout
        )
    booking.refresh_from_db()
    assert booking.payout_released_at is None
    assert not Payout.objects.exists()
    assert escrow_balance(reference=f"booking:{booking.pk}", currency=booking.currency) == held


def test_the_party_opens_a_dispute_from_the_page(client):
    booking = paid_booking()
    client.force_login(booking.guest)
    url = reverse("disputes:open", kwargs={"booking_id": booking.pk})
    assert client.get(url).status_code == 200
    response = client.post(url, {"category": "not_as_described", "description": "No sea view at all."})
    dispute = Dispute.objects.get()
    assert response.status_code == 302
    assert response["Location"] == dispute.get_absolute_url()
    # Coming back to the open page leads to the dispute, not to a second form.
    assert client.get(url)["Location"] == dispute.get_absolute_url()


def test_a_photo_sent_with_the_opening_form_becomes_evidence(client):
    from tests.disputes.test_party_pages import png

    booking = paid_booking()
    client.force_login(booking.listing.owner)
    url = reverse("disputes:open", kwargs={"booking_id": booking.pk})
    response = client.post(url, {"category": "damage", "description": "A broken lamp.", "photo": png()})
    assert response.status_code == 302
    dispute = Dispute.objects.get()
    assert dispute.evidence.get().uploader == booking.listing.owner


def test_a_new_dispute_can_be_opened_after_the_first_was_resolved(client):
    booking = paid_booking()
    services.open_dispute(user=booking.guest, booking_id=booking.pk, category="other", description="First.")
    services.resolve_dispute(
        staff=support_user(),
        dispute_id=Dispute.objects.get().pk,
        guest_refund=0,
        host_payout=0,
        reason="Nothing to settle.",
    )
    booking.refresh_from_db()
    client.force_login(booking.guest)
    response = client.post(
        reverse("disputes:open", kwargs={"booking_id": booking.pk}), {"category": "other", "description": "Again."}
    )
    # The booking is back in its dated status, so a new dispute is allowed while the window is open.
    assert response.status_code == 302
    assert Dispute.objects.count() == 2
