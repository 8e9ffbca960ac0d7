"""Suspending a person: they can no longer list, book or write, and their future bookings end with full refunds."""

from datetime import timedelta

import pytest
from django.urls import reverse

from bookings.models import BookingStatus
from bookings.services.answers import accept_booking
from core.errors import PermissionDenied
from disputes.models import AdminDecision
from disputes.suspensions import lift_suspension, suspend_user
from listings.models import ListingStatus
from listings.services import create_listing
from payments.models import Payment
from payments.selectors import payments_for_reference
from realtime.models import Notification
from realtime.services import ensure_thread, post_message
from tests.bookings.factories import NOW, request_room
from tests.conftest import make_user
from tests.disputes.helpers import paid_booking, payment_of, support_user
from tests.listings.factories import make_listing

pytestmark = pytest.mark.django_db

REASON = "Repeated no-shows reported by three hosts."


def _suspend(person, staff=None, now=NOW):
    return suspend_user(staff=staff or support_user(), person_id=person.pk, reason=REASON, now=now)


def test_a_suspended_host_has_their_future_bookings_cancelled_with_everything_refunded():
    booking = paid_booking()
    host = booking.listing.owner

    outcome = _suspend(host)

    booking.refresh_from_db()
    assert outcome.bookings_ended == [booking.pk]
    assert booking.status == BookingStatus.CANCELLED_BY_HOST
    assert booking.refund_amount == booking.total
    assert payment_of(booking).refunded_amount == booking.total
    assert booking.listing.busy_periods.count() == 0
    assert Notification.objects.filter(recipient=booking.guest, kind="booking.cancelled").exists()


def test_a_suspended_guests_pending_request_is_declined_and_the_card_released():
    booking = request_room(now=NOW)

    _suspend(booking.guest)

    booking.refresh_from_db()
    assert booking.status == BookingStatus.DECLINED
    payment = payments_for_reference(f"booking:{booking.pk}").get()
    assert payment.status == Payment.Status.CANCELED


def test_suspension_pauses_the_persons_active_listings():
    listing = make_listing()
    _suspend(listing.owner)
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PAUSED


def test_a_suspended_person_cannot_list_book_accept_or_write():
    host_booking = request_room(now=NOW)
    host = host_booking.listing.owner
    thread = ensure_thread(key="test:suspended", title="t", participants=[host, host_booking.guest])
    _suspend(host)
    host.refresh_from_db()
    guest_elsewhere = make_user()
    _suspend(guest_elsewhere)
    guest_elsewhere.refresh_from_db()

    with pytest.raises(PermissionDenied, match="suspended"):
        create_listing(owner=host, kind="room", fields={}, details={})
    with pytest.raises(PermissionDenied, match="suspended"):
        request_room(guest=guest_elsewhere, now=NOW)
    with pytest.raises(PermissionDenied, match="suspended"):
        post_message(thread=thread, sender=host, body="Hello?")
    assert not thread.messages.exists()


def test_the_suspended_host_cannot_accept_a_request_made_before_and_nothing_moves():
    booking = request_room(now=NOW)
    host = booking.listing.owner
    host.is_suspended = True
    host.save(update_fields=["is_suspended"])

    with pytest.raises(PermissionDenied, match="suspended"):
        accept_booking(host=host, booking_id=booking.pk, now=NOW + timedelta(hours=1))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REQUESTED


def test_only_support_staff_can_suspend_and_the_decision_is_recorded():
    person = make_user()
    with pytest.raises(PermissionDenied):
        suspend_user(staff=make_user(is_staff=True), person_id=person.pk, reason=REASON)
    person.refresh_from_db()
    assert not person.is_suspended

    staff = support_user()
    _suspend(person, staff=staff)

    decision = AdminDecision.objects.get(action=AdminDecision.Action.SUSPEND_USER, object_id=person.pk)
    assert decision.staff == staff
    assert decision.reason == REASON


def test_lifting_a_suspension_lets_the_person_book_again():
    person = make_user()
    staff = support_user()
    _suspend(person, staff=staff)

    lift_suspension(staff=staff, person_id=person.pk, reason="Cleared after a call.")

    person.refresh_from_db()
    assert not person.is_suspended
    assert request_room(guest=person, now=NOW).status == BookingStatus.REQUESTED


def test_the_suspension_page_is_for_support_staff_only(client):
    person = make_user()
    url = reverse("disputes:suspension", kwargs={"user_id": person.pk})

    client.force_login(make_user())
    assert client.post(url, {"reason": REASON}).status_code == 403
    person.refresh_from_db()
    assert not person.is_suspended

    client.force_login(support_user())
    response = client.post(url, {"reason": REASON})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.is_suspended


def test_the_suspension_page_needs_a_reason(client):
    person = make_user()
    client.force_login(support_user())

    response = client.post(reverse("disputes:suspension", kwargs={"user_id": person.pk}), {"reason": "  "})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    person.refresh_from_db()
    assert not person.is_suspended


def test_the_profile_offers_suspension_to_support_staff_only(client):
    person = make_user()
    url = reverse("disputes:suspension", kwargs={"user_id": person.pk})

    client.force_login(make_user())
    assert url not in client.get(person.get_absolute_url()).content.decode()

    client.force_login(support_user())
    assert url in client.get(person.get_absolute_url()).content.decode()


def test_the_persons_admin_page_shows_who_suspended_them_and_why(client):
    person = make_user()
    _suspend(person)
    admin = make_user(is_staff=True, is_superuser=True)
    client.force_login(admin)

    page = client.get(reverse("admin:accounts_user_change", args=[person.pk])).content.decode()

    assert "Suspended a person" in page
    assert REASON in page
    assert "Sam Support" in page
