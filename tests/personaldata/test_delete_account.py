"""Delete my account: refused with the reason while anything is open; otherwise erased, with the money kept."""

from __future__ import annotations

import json

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import User
from bookings.models import Booking, BookingStatus
from core.errors import Conflict, DomainError, PermissionDenied
from listings.models import ListingStatus
from payments.ledger import check_ledger
from payments.models import LedgerEntry, Payment, Payout
from payments.services.host_payouts import release_payout
from personaldata import services
from realtime import services as realtime_services
from realtime.models import Message
from reviews.models import Review
from tests.bookings.factories import request_room
from tests.conftest import PASSWORD, make_user
from tests.listings.factories import make_listing
from tests.reviews.factories import completed, guest_review

pytestmark = pytest.mark.django_db


def _delete(user: User) -> User:
    return services.delete_account(user=user, confirm_email=user.email)


def test_a_guest_with_an_open_booking_is_refused_with_the_reason(user, other_user):
    request_room(listing=make_listing(owner=other_user), guest=user)
    with pytest.raises(Conflict, match="1 booking as a guest still open"):
        _delete(user)
    user.refresh_from_db()
    assert user.is_active and EmailAddress.objects.filter(user=user).exists()


def test_a_host_whose_listing_has_an_open_booking_is_refused(user, other_user):
    request_room(listing=make_listing(owner=user), guest=other_user)
    with pytest.raises(Conflict, match=r"bookings? of your listings still open"):
        _delete(user)


def test_a_host_whose_guests_money_is_still_in_escrow_is_refused(user, other_user):
    booking = completed(listing=make_listing(owner=user, instant_book=True), guest=other_user)
    assert booking.status == BookingStatus.COMPLETED  # over, but the payout is released later
    with pytest.raises(Conflict, match="still held by Sharing"):
        _delete(user)


def test_a_host_still_owed_a_payout_is_refused(user, other_user):
    booking = completed(listing=make_listing(owner=user, instant_book=True), guest=other_user)
    payment = Payment.objects.get(reference=f"booking:{booking.pk}")
    release_payout(payment=payment, host=user, host_amount=booking.host_payout)
    assert Payout.objects.filter(host=user, status=Payout.Status.WAITING).exists()  # no payout account yet
    with pytest.raises(Conflict, match="owes you a payout"):
        _delete(user)


def test_the_wrong_confirmation_email_is_refused(user):
    with pytest.raises(DomainError, match="Type the email"):
        services.delete_account(user=user, confirm_email="someone@else.example")
    assert User.objects.get(pk=user.pk).is_active


def test_staff_accounts_are_not_deleted_from_the_page():
    staff = make_user(is_staff=True)
    with pytest.raises(PermissionDenied):
        _delete(staff)


def test_deleting_erases_the_person_and_keeps_bookings_reviews_and_the_ledger(client, user, other_user):
    host = other_user
    booking = completed(listing=make_listing(owner=host, instant_book=True), guest=user)
    review = guest_review(booking, text="Lovely flat, quiet street, would come back.")
    payment = Payment.objects.get(reference=f"booking:{booking.pk}")
    release_payout(payment=payment, host=host, host_amount=booking.host_payout)  # escrow closed
    thread = realtime_services.ensure_thread(key="booking:5", title="Room", participants=[user, host])
    realtime_services.post_message(thread=thread, sender=user, body="My phone is 0612345678.")
    mine = make_listing(owner=user, address="1 Rue Privee, Lyon")
    amounts = (booking.total, booking.host_payout)
    ledger_before = list(LedgerEntry.objects.order_by("pk").values_list("account", "amount"))

    deleted = _delete(user)

    assert deleted.display_name == services.FORMER_MEMBER and deleted.public_name == "Former member"
    assert deleted.email == f"deleted-{user.pk}@deleted.invalid" and not deleted.is_active
    assert not deleted.has_usable_password() and not EmailAddress.objects.filter(user=user).exists()
    assert Message.objects.get(sender=user).body == services.REMOVED_MESSAGE
    mine.refresh_from_db()
    assert mine.address == "" and mine.status == ListingStatus.DELETED
    booking = Booking.objects.get(pk=booking.pk)
    assert (booking.total, booking.host_payout, booking.guest_id) == (*amounts, user.pk)
    review = Review.objects.get(pk=review.pk)
    assert review.text.startswith("Lovely flat") and review.author.public_name == "Former member"
    assert list(LedgerEntry.objects.order_by("pk").values_list("account", "amount")) == ledger_before
    assert not check_ledger()
    assert not client.login(email=f"deleted-{user.pk}@deleted.invalid", password=PASSWORD)


def test_deleting_ends_the_persons_sessions(client, user):
    client.force_login(user)
    assert client.get(reverse("personaldata:my_data")).status_code == 200
    _delete(user)
    assert client.get(reverse("personaldata:my_data")).status_code == 302


def test_the_page_shows_why_the_account_cannot_be_deleted(client, user, other_user):
    request_room(listing=make_listing(owner=other_user), guest=user)
    client.force_login(user)
    page = client.get(reverse("personaldata:my_data")).content.decode()
    assert "still open" in page and 'name="confirm_email"' not in page
    response = client.post(reverse("personaldata:delete"), {"confirm_email": user.email}, follow=True)
    assert "still open" in response.content.decode()
    assert User.objects.get(pk=user.pk).is_active


def test_the_page_deletes_and_logs_out(client, user):
    client.force_login(user)
    response = client.post(reverse("personaldata:delete"), {"confirm_email": user.email})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert not User.objects.get(pk=user.pk).is_active
    assert client.get(reverse("personaldata:my_data")).status_code == 302


def _post(client, path: str, data: dict):
    return client.post(path, json.dumps(data), content_type="application/json")


def test_the_api_says_why_and_refuses_then_deletes(client, user, other_user):
    booking = request_room(listing=make_listing(owner=other_user), guest=user)
    client.force_login(user)
    check = client.get("/api/v1/me/deletion").json()
    assert check["can_delete"] is False and "still open" in check["reasons"][0]
    refused = _post(client, "/api/v1/me/delete", {"confirm_email": user.email})
    assert refused.status_code == 409 and "still open" in refused.json()["detail"]
    from bookings.services.answers import withdraw_booking

    withdraw_booking(guest=user, booking_id=booking.pk)
    assert client.get("/api/v1/me/deletion").json() == {"can_delete": True, "reasons": []}
    assert _post(client, "/api/v1/me/delete", {"confirm_email": user.email}).status_code == 204
    assert not User.objects.get(pk=user.pk).is_active
