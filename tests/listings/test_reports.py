"""Reporting a listing, and the desk's decision on it."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from core.errors import Conflict, PermissionDenied
from listings.models import ListingReport, ListingReportDecision, ListingStatus
from listings.services import decide_listing_report, report_listing
from tests.conftest import make_user
from tests.listings.factories import make_listing

pytestmark = pytest.mark.django_db

REASON = "The photos are taken from a hotel website."


def _support():
    staff = make_user(is_staff=True)
    staff.groups.add(Group.objects.get(name="support"))
    return staff


def test_a_guest_reports_a_listing_from_its_page(client):
    listing = make_listing()
    reporter = make_user()
    client.force_login(reporter)

    response = client.post(reverse("listings:report", kwargs={"listing_id": listing.pk}), {"reason": REASON})

    assert response.status_code == 302
    report = ListingReport.objects.get()
    assert (report.listing, report.reporter, report.reason) == (listing, reporter, REASON)


def test_reporting_twice_is_refused_with_a_message():
    listing, reporter = make_listing(), make_user()
    report_listing(listing=listing, reporter=reporter, reason=REASON)
    with pytest.raises(Conflict, match="already reported"):
        report_listing(listing=listing, reporter=reporter, reason=REASON)
    assert ListingReport.objects.count() == 1


def test_the_owner_cannot_report_their_own_listing():
    listing = make_listing()
    with pytest.raises(PermissionDenied):
        report_listing(listing=listing, reporter=listing.owner, reason=REASON)
    assert not ListingReport.objects.exists()


def test_a_report_without_a_reason_is_refused_on_the_page(client):
    listing = make_listing()
    client.force_login(make_user())
    client.post(reverse("listings:report", kwargs={"listing_id": listing.pk}), {"reason": " "}, follow=True)
    assert not ListingReport.objects.exists()


def test_support_removes_a_reported_listing_and_the_decision_is_kept():
    listing = make_listing()
    report = report_listing(listing=listing, reporter=make_user(), reason=REASON)
    staff = _support()

    decide_listing_report(staff=staff, report_id=report.pk, decision=ListingReportDecision.REMOVE, reason="Fake")

    listing.refresh_from_db()
    report.refresh_from_db()
    assert listing.status == ListingStatus.DELETED
    assert (report.decision, report.decision_reason, report.decided_by) == ("remove", "Fake", staff)


def test_keeping_a_listing_leaves_it_active():
    listing = make_listing()
    report = report_listing(listing=listing, reporter=make_user(), reason=REASON)
    decide_listing_report(staff=_support(), report_id=report.pk, decision=ListingReportDecision.KEEP, reason="Real")
    listing.refresh_from_db()
    assert listing.status == ListingStatus.ACTIVE


def test_people_outside_support_cannot_decide_reports():
    listing = make_listing()
    report = report_listing(listing=listing, reporter=make_user(), reason=REASON)

    for person in (make_user(), make_user(is_staff=True)):
        with pytest.raises(PermissionDenied):
            decide_listing_report(staff=person, report_id=report.pk, decision="remove", reason="No")

    listing.refresh_from_db()
    assert listing.status == ListingStatus.ACTIVE


def test_the_desk_action_asks_for_a_reason_then_removes(client):
    listing = make_listing()
    report = report_listing(listing=listing, reporter=make_user(), reason=REASON)
    client.force_login(_support())
    url = reverse("admin:listings_listingreport_changelist")
    form = {"action": "remove_listing", "_selected_action": [report.pk]}

    asked = client.post(url, form)
    assert "Reason (kept on record)" in asked.content.decode()
    listing.refresh_from_db()
    assert listing.status == ListingStatus.ACTIVE

    client.post(url, {**form, "apply": "Confirm", "reason": "Stolen photos"})
    listing.refresh_from_db()
    assert listing.status == ListingStatus.DELETED


def test_a_non_staff_person_cannot_open_the_report_queue(client):
    client.force_login(make_user())
    response = client.get(reverse("admin:listings_listingreport_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
