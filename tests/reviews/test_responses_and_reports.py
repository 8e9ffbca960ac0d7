"""After publication: one public response by the reviewee, reports by anyone, staff decisions with reasons."""

from datetime import timedelta

import pytest

from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from listings.models import Listing
from reviews import selectors, services
from reviews.models import ReportDecision, Review, UserRating
from tests.conftest import make_user
from tests.reviews.factories import completed, guest_review, host_review

pytestmark = pytest.mark.django_db


def published_pair():
    booking = completed()
    guest_side = guest_review(booking, rating=2)
    host_side = host_review(booking, rating=5)
    guest_side.refresh_from_db()
    return booking, guest_side, host_side


def test_the_reviewee_responds_once_only():
    booking, review, _ = published_pair()
    host = booking.listing.owner
    answered = services.respond_to_review(responder=host, review_id=review.pk, text="<b>Sorry</b> about the  noise.")
    assert answered.response == "Sorry about the noise."
    assert answered.responded_at is not None
    with pytest.raises(Conflict, match="already responded"):
        services.respond_to_review(responder=host, review_id=review.pk, text="One more thing...")
    review.refresh_from_db()
    assert review.response == "Sorry about the noise."


def test_only_the_reviewee_may_respond():
    booking, review, _ = published_pair()
    for person in (booking.guest, make_user()):
        with pytest.raises(PermissionDenied, match="Only the person reviewed"):
            services.respond_to_review(responder=person, review_id=review.pk, text="Not mine to answer.")
    assert Review.objects.get(pk=review.pk).responded_at is None


def test_no_response_before_publication():
    booking = completed()
    review = guest_review(booking)
    with pytest.raises(NotFound):
        services.respond_to_review(responder=booking.listing.owner, review_id=review.pk, text="What review?")


def test_an_empty_response_is_refused():
    booking, review, _ = published_pair()
    with pytest.raises(DomainError, match="empty") as caught:
        services.respond_to_review(responder=booking.listing.owner, review_id=review.pk, text="<p> </p>")
    assert caught.value.field == "response"


def test_anyone_logged_in_reports_a_review_once():
    _, review, _ = published_pair()
    reader = make_user()
    report = services.report_review(reporter=reader, review_id=review.pk, reason="Insults the host.")
    assert (report.reporter, report.reason, report.decision) == (reader, "Insults the host.", ReportDecision.PENDING)
    with pytest.raises(Conflict, match="already reported"):
        services.report_review(reporter=reader, review_id=review.pk, reason="Again!")
    services.report_review(reporter=make_user(), review_id=review.pk, reason="Also rude.")
    assert review.reports.count() == 2


def test_nobody_reports_their_own_review_or_one_they_cannot_see():
    booking, review, _ = published_pair()
    with pytest.raises(PermissionDenied, match="your own review"):
        services.report_review(reporter=booking.guest, review_id=review.pk, reason="Oops.")
    unpublished = guest_review(completed())
    with pytest.raises(NotFound):
        services.report_review(reporter=make_user(), review_id=unpublished.pk, reason="Can't see it.")


def test_hiding_a_reported_review_removes_it_from_pages_and_averages_and_records_the_decision():
    booking, review, _ = published_pair()
    listing = Listing.objects.get(pk=booking.listing_id)
    assert (listing.rating_count, listing.rating_sum) == (1, 2)
    report = services.report_review(reporter=make_user(), review_id=review.pk, reason="Personal attack.")
    staff = make_user(is_staff=True)
    now = booking.end + timedelta(days=3)
    decided = services.moderate_report(
        staff=staff, report_id=report.pk, decision=ReportDecision.HIDE, reason="Breaks the rules.", now=now
    )
    assert (decided.decision, decided.decision_reason, decided.decided_by, decided.decided_at) == (
        ReportDecision.HIDE, "Breaks the rules.", staff, now,
    )  # fmt: skip
    review.refresh_from_db()
    assert (review.hidden_at, review.hidden_by, review.hidden_reason) == (now, staff, "Breaks the rules.")
    listing.refresh_from_db()
    assert (listing.rating_count, listing.rating_sum) == (0, 0)
    host_rating = UserRating.objects.get(user=booking.listing.owner, role="host")
    assert (host_rating.count, host_rating.total) == (0, 0)
    # Invisible to everyone, its author included, except staff.
    for viewer in (None, booking.guest, booking.listing.owner, make_user()):
        assert list(selectors.listing_reviews(listing_id=listing.pk, viewer=viewer).page) == []
        assert not selectors.can_see(viewer, review)
    assert [r.pk for r in selectors.listing_reviews(listing_id=listing.pk, viewer=staff).page] == [review.pk]
    # Deciding again the same way changes nothing; the other way is refused.
    services.moderate_report(staff=staff, report_id=report.pk, decision=ReportDecision.HIDE, reason="Again.")
    with pytest.raises(Conflict, match="already decided"):
        services.moderate_report(staff=staff, report_id=report.pk, decision=ReportDecision.KEEP, reason="Hm.")
    listing.refresh_from_db()
    assert listing.rating_count == 0


def test_keeping_a_reported_review_leaves_it_and_records_why():
    booking, review, _ = published_pair()
    report = services.report_review(reporter=make_user(), review_id=review.pk, reason="Unfair.")
    staff = make_user(is_staff=True)
    services.moderate_report(staff=staff, report_id=report.pk, decision=ReportDecision.KEEP, reason="Honest opinion.")
    report.refresh_from_db()
    assert (report.decision, report.decision_reason, report.decided_by) == (
        ReportDecision.KEEP, "Honest opinion.", staff,
    )  # fmt: skip
    review.refresh_from_db()
    assert review.hidden_at is None
    assert [r.pk for r in selectors.listing_reviews(listing_id=booking.listing_id, viewer=None).page] == [review.pk]
    assert Listing.objects.get(pk=booking.listing_id).rating_count == 1


def test_only_staff_moderate_and_a_decision_needs_a_reason():
    booking, review, _ = published_pair()
    report = services.report_review(reporter=make_user(), review_id=review.pk, reason="Rude.")
    for person in (booking.guest, booking.listing.owner, make_user()):
        with pytest.raises(PermissionDenied, match="Only staff"):
            services.moderate_report(staff=person, report_id=report.pk, decision=ReportDecision.HIDE, reason="No.")
    staff = make_user(is_staff=True)
    with pytest.raises(DomainError, match="reason"):
        services.moderate_report(staff=staff, report_id=report.pk, decision=ReportDecision.HIDE, reason="  ")
    with pytest.raises(DomainError, match="hide or keep"):
        services.moderate_report(staff=staff, report_id=report.pk, decision="delete", reason="Because.")
    report.refresh_from_db()
    assert report.decision == ReportDecision.PENDING
    assert Review.objects.get(pk=review.pk).hidden_at is None


def test_a_review_hidden_before_the_window_closes_is_never_counted():
    booking = completed()
    review = guest_review(booking, rating=1)
    staff = make_user(is_staff=True)
    services.hide_review(staff=staff, review_id=review.pk, reason="Threats.")
    host_review(booking)
    review.refresh_from_db()
    assert review.published_at is not None
    assert Listing.objects.get(pk=booking.listing_id).rating_count == 0
    assert UserRating.objects.get(user=booking.guest, role="guest").count == 1
