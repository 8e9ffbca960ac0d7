"""The reviews API under /api/v1/reviews/: the same rules as the services, as JSON with clear refusals."""

import pytest

from reviews.models import Review, ReviewReport
from tests.conftest import make_user
from tests.realtime.helpers import session_key_for
from tests.reviews.factories import TEXT, aspects_for, completed, confirmed, guest_review, host_review

pytestmark = pytest.mark.django_db


def as_user(client, user):
    client.defaults["HTTP_X_SESSION_TOKEN"] = session_key_for(user)
    return client


def write(client, booking, **body):
    return client.post(f"/api/v1/reviews/bookings/{booking.pk}", body, content_type="application/json")


def test_the_guest_writes_a_review_and_sees_it_pending(client):
    booking = completed()
    api = as_user(client, booking.guest)
    response = write(api, booking, rating=4, text="<em>Very</em> nice flat, thanks.", aspects=aspects_for("room", 4),
                     private_note="Left the key in the box.")  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["text"] == "Very nice flat, thanks."
    assert body["published_at"] is None
    assert body["aspects"] == aspects_for("room", 4)
    assert body["private_note"] == "Left the key in the box."
    assert [r["id"] for r in api.get(f"/api/v1/reviews/bookings/{booking.pk}").json()] == [body["id"]]
    host_api = as_user(client, booking.listing.owner)
    assert host_api.get(f"/api/v1/reviews/bookings/{booking.pk}").json() == []


def test_refusals_come_back_as_clear_json(client):
    booking = confirmed()
    api = as_user(client, booking.guest)
    response = write(api, booking, rating=5, text=TEXT, aspects=aspects_for("room"))
    assert response.status_code == 409
    assert response.json()["detail"] == "You can review this booking once it has taken place."

    done = completed()
    stranger = as_user(client, make_user())
    response = write(stranger, done, rating=5, text=TEXT)
    assert (response.status_code, response.json()["detail"]) == (404, "No such booking.")

    guest = as_user(client, done.guest)
    response = write(guest, done, rating=9, text=TEXT, aspects=aspects_for("room"))
    assert response.status_code == 422
    assert response.json()["field"] == "rating"
    response = write(guest, done, rating=5, text=TEXT, aspects={"cleanliness": 5})
    assert response.status_code == 400
    assert response.json()["field"] == "accuracy"
    assert write(guest, done, rating=5, text=TEXT, aspects=aspects_for("room")).status_code == 201
    response = write(guest, done, rating=5, text=TEXT, aspects=aspects_for("room"))
    assert (response.status_code, response.json()["detail"]) == (409, "You have already reviewed this booking.")
    assert Review.objects.count() == 1


def test_anonymous_cannot_write(client):
    booking = completed()
    assert write(client, booking, rating=5, text=TEXT).status_code == 401


def test_public_lists_show_published_reviews_with_averages(client):
    booking = completed()
    guest_review(booking, rating=4)
    assert client.get(f"/api/v1/reviews/listings/{booking.listing_id}").json()["items"] == []
    host_review(booking, rating=5)
    body = client.get(f"/api/v1/reviews/listings/{booking.listing_id}").json()
    assert (body["count"], body["average"], body["page"], body["pages"]) == (1, 4.0, 1, 1)
    assert [a["aspect"] for a in body["aspects"]] == ["cleanliness", "accuracy", "communication", "location", "value"]
    assert body["items"][0]["private_note"] is None
    person = client.get(f"/api/v1/reviews/users/{booking.guest_id}").json()
    assert person["as_guest"] == {"count": 1, "average": 5.0}
    assert person["as_host"] is None
    assert [r["direction"] for r in person["items"]] == ["host_to_guest"]
    assert client.get("/api/v1/reviews/listings/999999").status_code == 404


def test_respond_report_and_moderate_through_the_api(client):
    booking = completed()
    review = guest_review(booking, rating=1)
    host_review(booking)
    host = as_user(client, booking.listing.owner)
    url = f"/api/v1/reviews/{review.pk}/response"
    response = host.post(url, {"text": "We fixed the heating."}, content_type="application/json")
    assert (response.status_code, response.json()["response"]) == (200, "We fixed the heating.")
    response = host.post(url, {"text": "And the boiler."}, content_type="application/json")
    assert (response.status_code, response.json()["detail"]) == (409, "You have already responded to this review.")

    reader = as_user(client, make_user())
    reports = f"/api/v1/reviews/{review.pk}/reports"
    response = reader.post(reports, {"reason": "Rude."}, content_type="application/json")
    assert response.status_code == 201
    report_id = response.json()["id"]
    assert reader.post(reports, {"reason": "Rude!"}, content_type="application/json").status_code == 409

    decision = f"/api/v1/reviews/reports/{report_id}/decision"
    response = reader.post(decision, {"decision": "hide", "reason": "Mine."}, content_type="application/json")
    assert (response.status_code, response.json()["detail"]) == (403, "Only staff can moderate reviews.")
    staff = as_user(client, make_user(is_staff=True))
    response = staff.post(decision, {"decision": "hide", "reason": "Abusive."}, content_type="application/json")
    assert response.status_code == 200
    assert (response.json()["decision"], response.json()["decision_reason"]) == ("hide", "Abusive.")
    assert ReviewReport.objects.get().decided_by_id is not None
    client.defaults.pop("HTTP_X_SESSION_TOKEN")
    assert client.get(f"/api/v1/reviews/listings/{booking.listing_id}").json()["count"] == 0
