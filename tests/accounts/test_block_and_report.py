"""Block and report (accounts.safety): pages, API, and what a block stops and what it leaves alone."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.urls import reverse

from accounts import safety
from accounts.models import Block, PersonReport, ReportDecision
from bookings.models import Booking, BookingStatus
from bookings.services.answers import accept_booking
from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from listings.services import open_question_thread
from realtime import services as realtime_services
from realtime.models import Message, ThreadParticipant
from tests.bookings.factories import NOW, confirmed_room, request_room
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.payments.fixtures import ledger_checked, localstripe, stripe_api  # noqa: F401

pytestmark = pytest.mark.django_db
REASON = "Rude and threatening messages about the deposit."


def _thread(*people):
    return realtime_services.ensure_thread(key="booking:77", title="Room, March", participants=people)


# --- Blocking ------------------------------------------------------------------------------------------


def test_a_blocked_person_cannot_write_to_the_blocker(user, other_user):
    thread = _thread(user, other_user)
    safety.block_person(blocker=user, person_id=other_user.pk)
    with pytest.raises(PermissionDenied, match="blocked"):
        realtime_services.post_message(thread=thread, sender=other_user, body="Hello?")
    assert not Message.objects.exists()


def test_the_blocker_cannot_write_to_the_blocked_person_either(user, other_user):
    thread = _thread(user, other_user)
    safety.block_person(blocker=user, person_id=other_user.pk)
    with pytest.raises(PermissionDenied, match="blocked"):
        realtime_services.post_message(thread=thread, sender=user, body="Go away")


def test_a_conversation_with_support_staff_stays_open_despite_a_block(user, other_user):
    thread = _thread(user, other_user)
    staff = make_user(is_staff=True)
    realtime_services.grant_thread_access(thread=thread, user=staff)
    assert ThreadParticipant.objects.filter(thread=thread, role=ThreadParticipant.Role.STAFF).exists()
    safety.block_person(blocker=user, person_id=other_user.pk)
    realtime_services.post_message(thread=thread, sender=other_user, body="About the dispute: here is my side.")
    assert Message.objects.count() == 1


def test_unblocking_lets_people_write_again(user, other_user):
    thread = _thread(user, other_user)
    safety.block_person(blocker=user, person_id=other_user.pk)
    safety.unblock_person(blocker=user, person_id=other_user.pk)
    realtime_services.post_message(thread=thread, sender=other_user, body="Sorry about earlier.")
    assert Message.objects.count() == 1


def test_a_blocked_person_cannot_ask_the_host_a_question(user, other_user):
    listing = make_listing(owner=user)
    safety.block_person(blocker=user, person_id=other_user.pk)
    with pytest.raises(PermissionDenied, match="blocked"):
        open_question_thread(listing=listing, requester=other_user)


@pytest.mark.usefixtures("stripe_api")
def test_a_blocked_guest_cannot_ask_to_book_the_blockers_listing(user, other_user):
    listing = make_listing(owner=user)
    safety.block_person(blocker=user, person_id=other_user.pk)
    with pytest.raises(PermissionDenied, match="blocked"):
        request_room(listing=listing, guest=other_user)
    assert not Booking.objects.exists()


@pytest.mark.usefixtures("stripe_api")
def test_the_blocker_cannot_ask_to_book_the_blocked_persons_listing(user, other_user):
    listing = make_listing(owner=other_user)
    safety.block_person(blocker=user, person_id=other_user.pk)
    with pytest.raises(PermissionDenied, match="blocked"):
        request_room(listing=listing, guest=user)


@pytest.mark.usefixtures("stripe_api", "ledger_checked")
def test_a_block_leaves_existing_bookings_as_they_are(user, other_user):
    listing = make_listing(owner=user)
    confirmed = confirmed_room(listing=listing, guest=other_user)
    requested = request_room(listing=listing, guest=other_user, check_in=date(2027, 4, 1), check_out=date(2027, 4, 3))
    safety.block_person(blocker=user, person_id=other_user.pk)
    confirmed.refresh_from_db()
    assert confirmed.status == BookingStatus.CONFIRMED
    # A request made before the block is still the host's to answer.
    accepted = accept_booking(host=user, booking_id=requested.pk, now=NOW)
    assert accepted.status == BookingStatus.CONFIRMED


def test_nobody_can_block_themselves_or_support_staff(user):
    with pytest.raises(DomainError, match="yourself"):
        safety.block_person(blocker=user, person_id=user.pk)
    with pytest.raises(PermissionDenied, match="support staff"):
        safety.block_person(blocker=user, person_id=make_user(is_staff=True).pk)
    assert not Block.objects.exists()


def test_blocking_twice_keeps_one_block(user, other_user):
    safety.block_person(blocker=user, person_id=other_user.pk)
    safety.block_person(blocker=user, person_id=other_user.pk)
    assert Block.objects.count() == 1


def test_unblocking_someone_not_blocked_is_refused(user, other_user):
    with pytest.raises(NotFound):
        safety.unblock_person(blocker=user, person_id=other_user.pk)


# --- Reporting -----------------------------------------------------------------------------------------


def test_a_reported_message_reaches_staff_with_the_messages_before_it(user, other_user):
    thread = _thread(user, other_user)
    realtime_services.post_message(thread=thread, sender=user, body="When can I check in?")
    bad = realtime_services.post_message(thread=thread, sender=other_user, body="Pay me cash or else.")
    report = safety.report_message(reporter=user, message_id=bad.pk, reason=REASON)
    assert report.person == other_user and report.message == bad
    assert "When can I check in?" in report.context and ">>> " in report.context
    assert "Pay me cash or else." in report.context and "Room, March" in report.context


def test_nobody_can_report_a_message_of_a_conversation_they_are_not_in(user, other_user):
    thread = _thread(user, other_user)
    message = realtime_services.post_message(thread=thread, sender=other_user, body="Private")
    with pytest.raises(NotFound):
        safety.report_message(reporter=make_user(), message_id=message.pk, reason=REASON)
    assert not PersonReport.objects.exists()


def test_nobody_can_report_their_own_message(user, other_user):
    message = realtime_services.post_message(thread=_thread(user, other_user), sender=user, body="Mine")
    with pytest.raises(DomainError, match="own message"):
        safety.report_message(reporter=user, message_id=message.pk, reason=REASON)


def test_a_message_is_reported_once_per_person(user, other_user):
    message = realtime_services.post_message(thread=_thread(user, other_user), sender=other_user, body="Spam")
    safety.report_message(reporter=user, message_id=message.pk, reason=REASON)
    with pytest.raises(Conflict, match="already reported"):
        safety.report_message(reporter=user, message_id=message.pk, reason=REASON)


def test_a_person_report_needs_a_reason_and_someone_else(user, other_user):
    with pytest.raises(DomainError, match="at least"):
        safety.report_person(reporter=user, person_id=other_user.pk, reason="bad")
    with pytest.raises(DomainError, match="yourself"):
        safety.report_person(reporter=user, person_id=user.pk, reason=REASON)
    assert not PersonReport.objects.exists()


def test_a_person_can_be_reported_again_once_staff_closed_the_first_report(user, other_user):
    first = safety.report_person(reporter=user, person_id=other_user.pk, reason=REASON)
    with pytest.raises(Conflict):
        safety.report_person(reporter=user, person_id=other_user.pk, reason=REASON)
    staff = make_user(is_staff=True, is_superuser=True)
    safety.decide_report(staff=staff, report_id=first.pk, decision=ReportDecision.DISMISS, reason="Looks fine.")
    safety.report_person(reporter=user, person_id=other_user.pk, reason=REASON + " Again.")
    assert PersonReport.objects.count() == 2


def test_only_staff_with_the_permission_decide_reports(user, other_user):
    report = safety.report_person(reporter=user, person_id=other_user.pk, reason=REASON)
    for person in (other_user, make_user(is_staff=True)):
        with pytest.raises(PermissionDenied):
            safety.decide_report(staff=person, report_id=report.pk, decision=ReportDecision.ACTION, reason="x")
    report.refresh_from_db()
    assert report.decision == ""


def test_support_staff_see_the_report_queue_in_the_admin(client, user, other_user):
    from django.contrib.auth.models import Group

    safety.report_person(reporter=user, person_id=other_user.pk, reason=REASON)
    staff = make_user(is_staff=True)
    staff.groups.add(Group.objects.get(name="support"))
    client.force_login(staff)
    response = client.get(reverse("admin:accounts_personreport_changelist"))
    assert response.status_code == 200
    assert other_user.public_name in response.content.decode()


# --- Pages ---------------------------------------------------------------------------------------------


def test_blocking_from_the_profile_page(client, user, other_user):
    client.force_login(user)
    profile = other_user.get_absolute_url()
    assert "Block" in client.get(profile).content.decode()
    response = client.post(reverse("accounts:blocks"), {"person": other_user.pk, "next": profile})
    assert response.status_code == 302 and response["Location"] == profile
    assert Block.objects.filter(blocker=user, blocked=other_user).exists()
    page = client.get(reverse("accounts:blocks")).content.decode()
    assert other_user.public_name in page
    client.post(reverse("accounts:unblock"), {"person": other_user.pk})
    assert not Block.objects.exists()


def test_the_block_page_does_not_follow_a_next_link_to_another_site(client, user, other_user):
    client.force_login(user)
    response = client.post(reverse("accounts:blocks"), {"person": other_user.pk, "next": "https://evil.example/"})
    assert response["Location"] == reverse("accounts:blocks")


def test_a_refused_message_on_the_thread_page_says_why(client, user, other_user):
    thread = _thread(user, other_user)
    safety.block_person(blocker=other_user, person_id=user.pk)
    client.force_login(user)
    response = client.post(thread.get_absolute_url(), {"body": "Hello?"}, follow=True)
    assert "blocked" in response.content.decode()
    assert not Message.objects.exists()


def test_reporting_a_message_from_the_thread_page(client, user, other_user):
    thread = _thread(user, other_user)
    message = realtime_services.post_message(thread=thread, sender=other_user, body="Pay me cash or else.")
    client.force_login(user)
    page = client.get(thread.get_absolute_url()).content.decode()
    report_url = f"{reverse('accounts:report')}?message={message.pk}"
    assert report_url.replace("&", "&amp;") in page
    assert "Pay me cash or else." in client.get(report_url).content.decode()
    response = client.post(report_url, {"message": message.pk, "reason": REASON})
    assert response.status_code == 302
    assert PersonReport.objects.get().message == message


def test_a_stranger_opening_the_report_page_of_someone_elses_message_gets_a_404(client, user, other_user):
    message = realtime_services.post_message(thread=_thread(user, other_user), sender=other_user, body="Private")
    client.force_login(make_user())
    assert client.get(f"{reverse('accounts:report')}?message={message.pk}").status_code == 404
    assert client.post(reverse("accounts:report"), {"message": message.pk, "reason": REASON}).status_code == 404
    assert not PersonReport.objects.exists()


def test_reporting_a_person_from_their_profile(client, user, other_user):
    client.force_login(user)
    url = f"{reverse('accounts:report')}?person={other_user.pk}"
    assert client.post(url, {"person": other_user.pk, "reason": "short"}).status_code == 400
    assert client.post(url, {"person": other_user.pk, "reason": REASON}).status_code == 302
    assert PersonReport.objects.get().person == other_user


# --- API -----------------------------------------------------------------------------------------------


def _api(client, method: str, path: str, data: dict | None = None):
    return client.generic(method, f"/api/v1/safety{path}", json.dumps(data or {}), content_type="application/json")


def test_block_list_and_unblock_through_the_api(client, user, other_user):
    client.force_login(user)
    assert _api(client, "POST", "/blocks", {"user_id": other_user.pk}).status_code == 201
    assert [b["user_id"] for b in _api(client, "GET", "/blocks").json()] == [other_user.pk]
    assert _api(client, "DELETE", f"/blocks/{other_user.pk}").status_code == 204
    assert _api(client, "DELETE", f"/blocks/{other_user.pk}").status_code == 404


def test_the_api_refuses_blocking_oneself_with_a_message(client, user):
    client.force_login(user)
    response = _api(client, "POST", "/blocks", {"user_id": user.pk})
    assert response.status_code == 400 and "yourself" in response.json()["detail"]


def test_reports_through_the_api(client, user, other_user):
    message = realtime_services.post_message(thread=_thread(user, other_user), sender=other_user, body="Spam")
    client.force_login(user)
    assert _api(client, "POST", "/reports", {"message_id": message.pk, "reason": REASON}).status_code == 201
    assert _api(client, "POST", "/reports", {"user_id": other_user.pk, "reason": REASON}).status_code == 201
    both = _api(client, "POST", "/reports", {"user_id": other_user.pk, "message_id": message.pk, "reason": REASON})
    assert both.status_code == 400
    assert PersonReport.objects.count() == 2


def test_the_api_needs_a_login(client, other_user):
    assert _api(client, "POST", "/blocks", {"user_id": other_user.pk}).status_code == 401
    assert not Block.objects.exists()
