"""Review pages: the write form from a booking, the lists and partials, respond, report, moderate (staff only)."""

from datetime import date, timedelta

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from reviews.models import ReportDecision, Review, ReviewReport
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.reviews.factories import TEXT, aspects_for, completed, confirmed, guest_review, host_review

pytestmark = pytest.mark.django_db


def write_url(booking):
    return reverse("reviews:write", kwargs={"booking_id": booking.pk})


def test_the_guest_writes_a_review_from_the_booking(client):
    booking = completed()
    client.force_login(booking.guest)
    page = client.get(write_url(booking))
    assert page.status_code == 200
    assert "Cleanliness" in page.content.decode()
    form = {"rating": 4, "text": "<b>Cosy</b> and quiet, would come back.", **aspects_for("room", 5)}
    response = client.post(write_url(booking), form)
    assert response.status_code == 302
    review = Review.objects.get()
    assert (review.author, review.rating, review.text) == (booking.guest, 4, "Cosy and quiet, would come back.")
    page = client.get(write_url(booking)).content.decode()
    assert "You have already reviewed this booking." in page
    assert "Cosy and quiet" in page


def test_the_host_form_has_no_aspects_and_a_refusal_is_shown(client):
    booking = confirmed()
    client.force_login(booking.listing.owner)
    page = client.get(write_url(booking)).content.decode()
    assert "Cleanliness" not in page
    assert "once it has taken place" in page
    response = client.post(write_url(booking), {"rating": 5, "text": TEXT})
    assert response.status_code == 400
    assert "once it has taken place" in response.content.decode()
    assert not Review.objects.exists()


def test_a_stranger_gets_404_on_the_write_page(client):
    booking = completed()
    client.force_login(make_user())
    assert client.get(write_url(booking)).status_code == 404
    assert client.post(write_url(booking), {"rating": 5, "text": TEXT}).status_code == 404


def test_listing_and_profile_pages_show_published_reviews_only(client):
    booking = completed()
    guest_review(booking, text="Pending words about the flat.")
    listing_url = reverse("reviews:listing", kwargs={"listing_id": booking.listing_id})
    assert "Pending words" not in client.get(listing_url).content.decode()
    host_review(booking, text="Great guest, very tidy indeed.")
    page = client.get(listing_url).content.decode()
    assert "Pending words about the flat." in page
    assert "1 review" in page
    partial = client.get(listing_url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial
    assert "Pending words about the flat." in partial
    profile = client.get(reverse("reviews:profile", kwargs={"user_id": booking.guest_id})).content.decode()
    assert "Great guest, very tidy indeed." in profile
    assert "As a guest" in profile


def test_the_inclusion_tags_render_the_partials_for_other_apps_pages():
    booking = completed()
    guest_review(booking, text="Tagged review text here.")
    host_review(booking)
    request = RequestFactory().get("/", {"reviews_page": "1"})
    request.user = make_user()
    template = Template("{% load reviews_tags %}{% listing_reviews listing %}{% profile_reviews person %}")
    html = template.render(Context({"request": request, "listing": booking.listing, "person": booking.listing.owner}))
    assert html.count("Tagged review text here.") == 2
    assert f'id="listing-reviews-{booking.listing_id}"' in html
    assert f'id="profile-reviews-{booking.listing.owner_id}"' in html


def test_the_reviewee_responds_from_the_page_once(client):
    booking = completed()
    review = guest_review(booking)
    host_review(booking)
    client.force_login(booking.listing.owner)
    url = reverse("reviews:respond", kwargs={"review_id": review.pk})
    assert client.post(url, {"response": "Thank you!"}).status_code == 302
    client.post(url, {"response": "Thanks again!"})
    review.refresh_from_db()
    assert review.response == "Thank you!"
    client.force_login(booking.guest)
    assert client.post(url, {"response": "Me too"}).status_code == 403


def test_report_then_staff_hide_it_and_non_staff_get_403(client):
    booking = completed()
    review = guest_review(booking, text="Some rude words about the host.")
    host_review(booking)
    reader = make_user()
    client.force_login(reader)
    report_url = reverse("reviews:report", kwargs={"review_id": review.pk})
    assert client.get(report_url).status_code == 200
    assert client.post(report_url, {"reason": "Rude."}).status_code == 302
    report = ReviewReport.objects.get()
    moderate_url = reverse("reviews:moderate", kwargs={"report_id": report.pk})
    assert client.get(moderate_url).status_code == 403
    assert client.post(moderate_url, {"decision": "hide", "reason": "Me!"}).status_code == 403
    report.refresh_from_db()
    assert report.decision == ReportDecision.PENDING

    client.force_login(make_user(is_staff=True))
    assert client.post(moderate_url, {"decision": "hide", "reason": "Insulting."}).status_code == 302
    report.refresh_from_db()
    assert (report.decision, report.decision_reason) == (ReportDecision.HIDE, "Insulting.")
    client.logout()
    listing_url = reverse("reviews:listing", kwargs={"listing_id": booking.listing_id})
    assert "Some rude words" not in client.get(listing_url).content.decode()


def test_the_admin_moderation_action_asks_for_a_reason_then_calls_the_service(client):
    booking = completed()
    review = guest_review(booking)
    host_review(booking)
    report = ReviewReport.objects.create(review=review, reporter=make_user(), reason="Spam.")
    client.force_login(make_user(is_staff=True, is_superuser=True))
    url = reverse("admin:reviews_reviewreport_changelist")
    ask = client.post(url, {"action": "keep_reported_reviews", "_selected_action": [report.pk]})
    assert ask.status_code == 200 and "Reason (kept on record)" in ask.content.decode()
    done = client.post(
        url, {"action": "keep_reported_reviews", "_selected_action": [report.pk], "apply": "1", "reason": "Fine."}
    )
    assert done.status_code == 302
    report.refresh_from_db()
    assert (report.decision, report.decision_reason) == (ReportDecision.KEEP, "Fine.")
    assert client.get(reverse("admin:reviews_review_changelist")).status_code == 200


def test_lists_are_newest_first_ten_a_page(client):
    listing = make_listing(instant_book=True)
    for number in range(11):
        day = date(2027, 3, 1) + timedelta(days=2 * number)
        booking = completed(listing=listing, check_in=day, check_out=day + timedelta(days=1))
        guest_review(booking, text=f"Review number {number:02d} of this room.")
        host_review(booking)
    url = reverse("reviews:listing", kwargs={"listing_id": listing.pk})
    first = client.get(url).content.decode()
    assert "Review number 10" in first and "Review number 01" in first and "Review number 00" not in first
    assert first.index("Review number 10") < first.index("Review number 09")
    assert "Page 1 of 2" in first
    second = client.get(url, {"page": 2}, HTTP_HX_REQUEST="true").content.decode()
    assert "Review number 00" in second and "Review number 01" not in second
    body = client.get(f"/api/v1/reviews/listings/{listing.pk}", {"page": 2}).json()
    assert (body["count"], body["page"], body["pages"], len(body["items"])) == (11, 2, 2, 1)


def test_the_booking_prompt_invites_each_side_until_they_wrote():
    booking = completed()
    template = Template("{% load reviews_tags %}{% booking_review_prompt booking %}")

    def render(user, shown=booking):
        request = RequestFactory().get("/")
        request.user = user
        return template.render(Context({"request": request, "booking": shown}))

    assert "Write your review" in render(booking.guest)
    assert "Write your review" in render(booking.listing.owner)
    assert render(make_user()).strip() == ""
    guest_review(booking)
    assert "Write your review" not in render(booking.guest)
    assert "Reviews of this booking" in render(booking.guest)
    assert "Write your review" in render(booking.listing.owner)
    upcoming = confirmed()
    assert render(upcoming.guest, upcoming).strip() == ""


def test_the_admin_hides_a_review_with_a_reason(client):
    booking = completed()
    review = guest_review(booking, rating=2)
    host_review(booking)
    staff = make_user(is_staff=True, is_superuser=True)
    client.force_login(staff)
    url = reverse("admin:reviews_review_changelist")
    data = {"action": "hide_reviews", "_selected_action": [review.pk]}
    assert client.post(url, {**data, "apply": "1"}).status_code == 200  # no reason yet: asked again
    assert Review.objects.get(pk=review.pk).hidden_at is None
    assert client.post(url, {**data, "apply": "1", "reason": "Doxxing."}).status_code == 302
    review.refresh_from_db()
    assert (review.hidden_by, review.hidden_reason) == (staff, "Doxxing.")
    booking.listing.refresh_from_db()
    assert booking.listing.rating_count == 0
