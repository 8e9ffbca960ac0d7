"""Each side confirms or contests the other's handover report: once, only the other party; a return contest disputes."""

from __future__ import annotations

import importlib
from datetime import timedelta
from unittest import mock

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django.urls import reverse

from bookings.models import Booking, BookingStatus
from bookings.services.cancellations import cancel_by_guest
from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from disputes import services as dispute_services
from disputes.models import Category, Dispute, DisputeStatus
from handover import answers, deposits
from handover.models import HandoverReport, ReportAnswer, Settlement
from realtime.models import Notification
from tests.conftest import make_user
from tests.disputes.helpers import support_user
from tests.handover.factories import AT_PICKUP, AT_RETURN, keep_card, picked_up, rented_car, report, started

pytestmark = pytest.mark.django_db

REASON = "The dashboard read 10 280 km when I gave the keys back, not 10 300."


def _returns_filed(booking: Booking, *, host_km: int = 10_300, guest_km: int = 10_280):
    """Both return reports filed, neither answered yet: (the owner's, the renter's)."""
    return (
        report(booking, side="host", stage="return", km=host_km),
        report(booking, side="guest", stage="return", km=guest_km),
    )


def _contest(user, filed: HandoverReport, *, fields=("odometer",), reason: str = REASON, at=AT_RETURN):
    return answers.contest_report(user=user, report_id=filed.pk, reason=reason, fields=list(fields), now=at)


def _kinds(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("kind", flat=True))


# --- Confirming ---------------------------------------------------------------------------------------
def test_the_renter_confirms_the_owners_pickup_report():
    booking = rented_car()
    filed = report(booking, side="host")
    answers.confirm_report(user=booking.guest, report_id=filed.pk, now=AT_PICKUP)
    answer = ReportAnswer.objects.get(report=filed)
    assert (answer.kind, answer.side, answer.answered_by, answer.reason) == ("confirm", "guest", booking.guest, "")
    filed.refresh_from_db()
    assert filed.confirmed_at == AT_PICKUP
    assert "handover.confirmed" in _kinds(booking.listing.owner)


def test_a_contested_pickup_report_still_opens_the_return():
    booking = rented_car(extra_km_price=0)
    host_report, guest_report = report(booking, side="host"), report(booking, side="guest")
    _contest(booking.guest, host_report, fields=["condition"], at=AT_PICKUP)
    answers.confirm_report(user=booking.listing.owner, report_id=guest_report.pk, now=AT_PICKUP)
    picked = started(Booking.objects.get(pk=booking.pk))
    assert report(picked, side="host", stage="return", km=10_100).stage == "return"


# --- Contesting ---------------------------------------------------------------------------------------
def test_the_renter_contests_the_owners_pickup_odometer_and_no_dispute_opens():
    booking = rented_car(extra_km_price=0)
    filed = report(booking, side="host")
    _contest(booking.guest, filed, fields=["odometer", "fuel"], at=AT_PICKUP)
    answer = ReportAnswer.objects.get(report=filed)
    assert (answer.kind, answer.contested_fields, answer.reason) == ("contest", ["odometer", "fuel"], REASON)
    assert answer.dispute_id is None and not Dispute.objects.exists()
    filed.refresh_from_db()
    assert filed.confirmed_at is None
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED


def test_contesting_a_return_report_opens_a_dispute_on_the_booking():
    booking = picked_up(rented_car())
    owners, _ = _returns_filed(booking)
    _contest(booking.guest, owners)
    dispute = Dispute.objects.get(booking=booking)
    assert (dispute.category, dispute.opened_by, dispute.status) == (Category.PAYMENT, booking.guest, "open")
    assert "contests the owner's return report (the odometer)" in dispute.description and REASON in dispute.description
    assert ReportAnswer.objects.get(report=owners).dispute_id == dispute.pk
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.DISPUTED


def test_contesting_the_condition_opens_a_damage_dispute():
    booking = picked_up(rented_car())
    _, renters = _returns_filed(booking)
    _contest(booking.listing.owner, renters, fields=["condition"], reason="A dent in the rear door, not there before.")
    assert Dispute.objects.get(booking=booking).category == Category.DAMAGE


def test_a_second_contest_joins_the_open_dispute():
    booking = picked_up(rented_car())
    owners, renters = _returns_filed(booking)
    _contest(booking.guest, owners)
    _contest(booking.listing.owner, renters, fields=["fuel"], reason="The tank was a quarter empty, not full.")
    dispute = Dispute.objects.get(booking=booking)
    returns = ReportAnswer.objects.filter(report__stage="return")
    assert list(returns.values_list("dispute_id", flat=True)) == [dispute.pk, dispute.pk]


def test_a_contest_hands_a_dispute_waiting_for_evidence_back_to_the_desk():
    booking = picked_up(rented_car())
    owners, renters = _returns_filed(booking)
    _contest(booking.guest, owners)
    dispute = Dispute.objects.get(booking=booking)
    dispute_services.request_more_evidence(
        staff=support_user(),
        dispute_id=dispute.pk,
        message="Photos of the dashboard?",
        deadline=AT_RETURN + timedelta(days=2),
        now=AT_RETURN,
    )
    _contest(booking.listing.owner, renters, fields=["odometer"], reason="My photo shows 10 300 km on the dashboard.")
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.OPEN and Dispute.objects.count() == 1


def test_the_return_settles_once_both_reports_are_answered_even_contested():
    booking = picked_up(rented_car(extra_km_price=25, daily_km=200))
    owners, renters = _returns_filed(booking, host_km=10_300, guest_km=10_280)
    _contest(booking.guest, owners)
    assert not Settlement.objects.filter(booking=booking).exists()
    answers.confirm_report(user=booking.listing.owner, report_id=renters.pk, now=AT_RETURN)
    settlement = Settlement.objects.get(booking=booking)
    # The lower return reading counts (the renter's benefit): 280 driven, 80 beyond the 200 included.
    assert (settlement.extra_km, settlement.extra_amount, settlement.charge_status) == (80, 2000, "due")


def test_the_other_return_report_is_still_filed_on_a_booking_the_contest_disputed():
    booking = picked_up(rented_car())
    owners = report(booking, side="host", stage="return", km=10_300)
    _contest(booking.guest, owners)
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.DISPUTED
    assert report(booking, side="guest", stage="return", km=10_280).side == "guest"


def test_a_deposit_claim_joins_the_dispute_a_contest_opened():
    booking = picked_up(rented_car(deposit_amount=30_000))
    owners, _ = _returns_filed(booking)
    _contest(booking.guest, owners)
    deposit = deposits.file_claim(
        host=booking.listing.owner, booking_id=booking.pk, amount=10_000, description="Dent.", now=AT_RETURN
    )
    dispute = Dispute.objects.get(booking=booking)
    assert (deposit.status, deposit.claim_dispute_id) == ("claimed", dispute.pk)


# --- Refusals -----------------------------------------------------------------------------------------
def test_nobody_answers_their_own_report():
    booking = rented_car()
    filed = report(booking, side="host")
    owner = booking.listing.owner
    with pytest.raises(PermissionDenied, match="The other party confirms or contests your report"):
        _contest(owner, filed, at=AT_PICKUP)
    with pytest.raises(PermissionDenied, match="The other party"):
        answers.confirm_report(user=owner, report_id=filed.pk, now=AT_PICKUP)
    assert not ReportAnswer.objects.exists()


def test_a_stranger_is_told_there_is_no_such_report():
    filed = report(rented_car(), side="host")
    with pytest.raises(NotFound, match="No such report"):
        _contest(make_user(), filed, at=AT_PICKUP)
    with pytest.raises(NotFound, match="No such report"):
        answers.confirm_report(user=make_user(), report_id=filed.pk + 1000, now=AT_PICKUP)
    assert not ReportAnswer.objects.exists()


def test_support_reads_a_report_but_does_not_answer_it():
    filed = report(rented_car(), side="host")
    with pytest.raises(PermissionDenied, match="support reads it"):
        answers.confirm_report(user=support_user(), report_id=filed.pk, now=AT_PICKUP)
    assert not ReportAnswer.objects.exists()


def test_an_answer_is_final_a_confirmed_report_cannot_be_contested():
    booking = rented_car()
    filed = report(booking, side="host")
    answers.confirm_report(user=booking.guest, report_id=filed.pk, now=AT_PICKUP)
    with pytest.raises(Conflict, match="You already confirmed this report"):
        _contest(booking.guest, filed, at=AT_PICKUP)
    assert ReportAnswer.objects.get(report=filed).kind == "confirm"


def test_an_answer_is_final_a_contested_report_cannot_be_confirmed():
    booking = rented_car()
    filed = report(booking, side="host")
    _contest(booking.guest, filed, at=AT_PICKUP)
    with pytest.raises(Conflict, match="You already contested this report"):
        answers.confirm_report(user=booking.guest, report_id=filed.pk, now=AT_PICKUP)
    filed.refresh_from_db()
    assert filed.confirmed_at is None and ReportAnswer.objects.count() == 1


def test_the_database_keeps_one_answer_per_report_and_person():
    booking = rented_car()
    filed = report(booking, side="host")
    answers.confirm_report(user=booking.guest, report_id=filed.pk, now=AT_PICKUP)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportAnswer.objects.create(report=filed, answered_by=booking.guest, side="guest", kind="confirm")


def test_the_database_refuses_a_contest_without_a_reason_or_a_part():
    booking = rented_car()
    filed = report(booking, side="host")
    fields = {"report": filed, "answered_by": booking.guest, "side": "guest", "kind": "contest"}
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportAnswer.objects.create(**fields, reason="short", contests_odometer=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportAnswer.objects.create(**fields, reason=REASON)


@pytest.mark.parametrize(
    ("reason", "message"),
    [("", "at least 10 characters"), ("  too bad  ", "at least 10 characters"), ("x" * 2001, "under 2000 characters")],
)
def test_a_contest_needs_a_reason_of_10_to_2000_characters(reason, message):
    booking = rented_car()
    filed = report(booking, side="host")
    with pytest.raises(DomainError, match=message) as refused:
        _contest(booking.guest, filed, reason=reason, at=AT_PICKUP)
    assert refused.value.field == "reason" and refused.value.status_code == 400
    assert not ReportAnswer.objects.exists()


@pytest.mark.parametrize("fields", [[], ["colour"], ["odometer", "colour"], [7]])
def test_a_contest_names_what_is_wrong(fields):
    booking = rented_car()
    filed = report(booking, side="host")
    with pytest.raises(DomainError, match="Say what you contest") as refused:
        _contest(booking.guest, filed, fields=fields, at=AT_PICKUP)
    assert refused.value.field == "fields"
    assert not ReportAnswer.objects.exists()


def test_a_cancelled_bookings_report_is_not_answered():
    booking = rented_car(extra_km_price=0)
    filed = report(booking, side="host")
    cancel_by_guest(guest=booking.guest, booking_id=booking.pk, now=AT_PICKUP - timedelta(hours=1))
    with pytest.raises(Conflict, match="can no longer be answered"):
        _contest(booking.guest, filed, at=AT_PICKUP)
    with pytest.raises(Conflict, match="can no longer be answered"):
        answers.confirm_report(user=booking.guest, report_id=filed.pk, now=AT_PICKUP)
    assert not ReportAnswer.objects.exists()


def test_a_return_contest_after_the_dispute_window_is_refused_and_nothing_is_kept():
    booking = picked_up(rented_car())
    owners, _ = _returns_filed(booking)
    with pytest.raises(Conflict, match="48 hours after the booking ends"):
        _contest(booking.guest, owners, at=booking.end + timedelta(hours=49))
    assert not ReportAnswer.objects.filter(report=owners).exists() and not Dispute.objects.exists()
    assert "handover.contested" not in _kinds(booking.listing.owner)


# --- Telling the other side ---------------------------------------------------------------------------
def test_the_reports_author_is_told_of_the_contest_once_it_commits(django_capture_on_commit_callbacks):
    booking = rented_car()
    filed = report(booking, side="host")
    with mock.patch("realtime.services._push") as push:
        with django_capture_on_commit_callbacks(execute=False) as after_commit:
            _contest(booking.guest, filed, at=AT_PICKUP)
        assert not push.called  # nothing goes out before the commit
        for callback in after_commit:
            callback()
    pushed = [n for call in push.call_args_list for n in call.args[0]]
    assert [(n.recipient_id, n.kind) for n in pushed] == [(booking.listing.owner.pk, "handover.contested")]
    assert "The renter contested your pickup report (the odometer)" in pushed[0].payload["message"]
    assert "handover.contested" not in _kinds(booking.guest)


# --- Pages and API ------------------------------------------------------------------------------------
def _page(name: str, filed: HandoverReport) -> str:
    return reverse(f"handover:{name}", kwargs={"report_id": filed.pk})


def _api(name: str, filed: HandoverReport) -> str:
    return f"/api/v1/handover/reports/{filed.pk}/{name}"


def test_anonymous_visitors_are_sent_to_log_in_and_refused_by_the_api(client):
    filed = report(rented_car(), side="host")
    assert client.post(_page("contest", filed), {"contested": ["odometer"], "reason": REASON}).status_code == 302
    answer = client.post(_api("contest", filed), {"fields": ["odometer"], "reason": REASON}, "application/json")
    assert answer.status_code == 401
    assert not ReportAnswer.objects.exists()


@mock.patch("django.utils.timezone.now", return_value=AT_RETURN)
def test_the_page_and_the_api_contest_a_return_report_alike(_now, client):
    stored = []
    for via in ("page", "api"):
        booking = picked_up(rented_car())
        owners, _ = _returns_filed(booking)
        client.force_login(booking.guest)
        data = {"fields": ["odometer", "condition"], "reason": REASON}
        if via == "page":
            answer = client.post(_page("contest", owners), {"contested": data["fields"], "reason": REASON})
            assert answer.status_code == 302
            assert "Report contested. Support sees it" in client.get(answer["Location"]).content.decode()
        else:
            answer = client.post(_api("contest", owners), data, "application/json")
            assert answer.status_code == 200, answer.content
            got = answer.json()["answer"]
            assert (got["kind"], got["side"], got["fields"]) == ("contest", "guest", ["odometer", "condition"])
            assert got["dispute_id"] == Dispute.objects.get(booking=booking).pk
        saved = ReportAnswer.objects.get(report=owners)
        stored.append(
            (
                saved.kind,
                saved.side,
                saved.contested_fields,
                saved.reason,
                Dispute.objects.get(booking=booking).category,
            )
        )
    assert stored[0] == stored[1]


@mock.patch("django.utils.timezone.now", return_value=AT_PICKUP)
def test_the_page_and_the_api_refuse_a_short_reason_on_its_field(_now, client):
    booking = rented_car()
    filed = report(booking, side="host")
    client.force_login(booking.guest)
    page = client.post(_page("contest", filed), {"contested": ["fuel"], "reason": "bad"})
    assert page.status_code == 400 and "at least 10 characters" in page.content.decode()
    api = client.post(_api("contest", filed), {"fields": ["fuel"], "reason": "bad"}, "application/json")
    assert api.status_code == 400 and api.json()["field"] == "reason"
    assert not ReportAnswer.objects.exists()


@mock.patch("django.utils.timezone.now", return_value=AT_PICKUP)
def test_the_page_and_the_api_tell_the_author_and_staff_they_do_not_answer(_now, client):
    filed = report(rented_car(), side="host")
    for person in (filed.author, support_user()):
        client.force_login(person)
        page = client.post(_page("confirm", filed))
        assert page.status_code == 403 and "report" in page.content.decode()
        api = client.post(_api("contest", filed), {"fields": ["fuel"], "reason": REASON}, "application/json")
        assert api.status_code == 403 and "report" in api.json()["detail"]
    assert not ReportAnswer.objects.exists()


@mock.patch("django.utils.timezone.now", return_value=AT_PICKUP)
def test_answering_twice_through_the_api_is_a_conflict(_now, client):
    booking = rented_car()
    filed = report(booking, side="host")
    client.force_login(booking.guest)
    assert client.post(_api("confirm", filed)).status_code == 200
    again = client.post(_api("contest", filed), {"fields": ["fuel"], "reason": REASON}, "application/json")
    assert again.status_code == 409 and "already confirmed" in again.json()["detail"]


def test_the_booking_page_the_dispute_page_and_the_desk_show_both_reports_and_the_contest(client):
    booking = picked_up(rented_car())
    owners, renters = _returns_filed(booking)
    _contest(booking.guest, owners)
    answers.confirm_report(user=booking.listing.owner, report_id=renters.pk, now=AT_RETURN)
    dispute = Dispute.objects.get(booking=booking)
    client.force_login(booking.listing.owner)
    pages = [booking.get_absolute_url(), reverse("disputes:detail", kwargs={"dispute_id": dispute.pk})]
    for url in pages:
        page = client.get(url).content.decode()
        assert "10300 km" in page and "10280 km" in page, url
        assert "Contested by the renter" in page and REASON in page and "Confirmed by the owner" in page, url
    client.force_login(support_user())
    desk = client.get(f"/admin/disputes/dispute/{dispute.pk}/change/").content.decode()
    assert "Return, the owner" in desk and "Return, the renter" in desk and REASON in desk
    assert "Contested by the renter" in desk and "odometer" in desk


def test_the_handover_page_offers_to_confirm_or_contest_only_to_the_other_party(client):
    booking = rented_car()
    keep_card(booking)
    report(booking, side="host")
    url = reverse("handover:detail", kwargs={"booking_id": booking.pk})
    client.force_login(booking.guest)
    page = client.get(url).content.decode()
    assert "Confirm this report" in page and "Contest this report" in page
    client.force_login(booking.listing.owner)
    page = client.get(url).content.decode()
    assert "Contest this report" not in page and "Waiting for the other party to confirm or contest it" in page


@mock.patch("django.utils.timezone.now", return_value=AT_PICKUP)
def test_the_page_refuses_a_contest_that_ticks_nothing(_now, client):
    booking = rented_car()
    filed = report(booking, side="host")
    client.force_login(booking.guest)
    page = client.post(_page("contest", filed), {"reason": REASON})
    assert page.status_code == 400 and "This field is required" in page.content.decode()
    assert not ReportAnswer.objects.exists()


def test_the_admin_lists_the_answers_read_only(client):
    booking = rented_car()
    filed = report(booking, side="host")
    _contest(booking.guest, filed, fields=["fuel"], at=AT_PICKUP)
    client.force_login(make_user(is_staff=True, is_superuser=True))
    page = client.get("/admin/handover/reportanswer/")
    assert page.status_code == 200 and "fuel" in page.content.decode()
    assert client.get(f"/admin/handover/reportanswer/{ReportAnswer.objects.get().pk}/delete/").status_code == 403


def test_reports_confirmed_before_answers_existed_get_their_confirmation_as_the_answer():
    backfill = importlib.import_module("handover.migrations.0004_report_answers").confirmations_become_answers
    booking = rented_car()
    filed = report(booking, side="host")
    HandoverReport.objects.filter(pk=filed.pk).update(confirmed_at=AT_PICKUP)
    backfill(apps, None)
    answer = ReportAnswer.objects.get(report=filed)
    assert (answer.kind, answer.side, answer.answered_by_id, answer.created_at) == (
        "confirm",
        "guest",
        booking.guest_id,
        AT_PICKUP,
    )
