"""Reviews in the JSON API (/api/v1/reviews/): the public lists, and writing, responding, reporting, moderating.

The lists of a listing's and a person's reviews are public (published, not
hidden); everything else needs a logged-in person. Refusals are the services'
DomainErrors, turned into {"detail", "field"} by sharing/api.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from bookings.selectors import visible_booking
from core.api import session_or_token_auth
from core.requests import ApiRequest
from reviews import selectors, services
from reviews.models import (
    MAX_RATING,
    MIN_RATING,
    NOTE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    RESPONSE_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    Review,
)

router = Router(tags=["reviews"], auth=session_or_token_auth)


class ReviewIn(Schema):
    rating: int = Field(..., ge=MIN_RATING, le=MAX_RATING)
    text: str = Field(..., max_length=TEXT_MAX_LENGTH * 2, description="Plain text; markup is removed.")
    aspects: dict[str, int] = Field(
        default_factory=dict,
        description="Guests only: every aspect of the listing's kind, 1-5 (rooms: cleanliness, accuracy, "
        "communication, location, value; cars: condition, accuracy, communication, convenience; "
        "driving services: punctuality, safety, communication, value).",
    )
    private_note: str = Field("", max_length=NOTE_MAX_LENGTH * 2)


class ResponseIn(Schema):
    text: str = Field(..., max_length=RESPONSE_MAX_LENGTH * 2)


class ReviewReportIn(Schema):
    reason: str = Field(..., max_length=REASON_MAX_LENGTH * 2)


class DecisionIn(Schema):
    decision: str = Field(..., description='"hide" or "keep"')
    reason: str = Field(..., max_length=REASON_MAX_LENGTH * 2)


class ReviewOut(Schema):
    id: int
    booking_id: int
    listing_id: int
    direction: str
    author_id: int
    author_name: str
    subject_id: int
    subject_name: str
    rating: int
    aspects: dict[str, int]
    text: str
    text_language: str = Field("", description="The language the text is written in ('' if unknown)")
    private_note: str | None = Field(None, description="Only for the author, and the reviewee once published.")
    created_at: datetime
    published_at: datetime | None
    response: str
    responded_at: datetime | None
    hidden: bool


class AspectAverageOut(Schema):
    aspect: str
    label: str
    average: float


class RoleRatingOut(Schema):
    count: int
    average: float | None


class ReviewPageOut(Schema):
    count: int = Field(..., description="Published, visible reviews counted in the average.")
    average: float | None
    aspects: list[AspectAverageOut]
    page: int
    pages: int
    items: list[ReviewOut]
    as_host: RoleRatingOut | None = None
    as_guest: RoleRatingOut | None = None


class ReviewReportOut(Schema):
    id: int
    review_id: int
    reason: str
    created_at: datetime
    decision: str
    decision_reason: str
    decided_at: datetime | None


def _review_out(review: Review, viewer: Any) -> dict[str, Any]:
    sees_note = viewer.is_authenticated and (
        viewer.pk == review.author_id or (viewer.pk == review.subject_id and review.is_published)
    )
    return {
        "id": review.pk,
        "booking_id": review.booking_id,
        "listing_id": review.listing_id,
        "direction": review.direction,
        "author_id": review.author_id,
        "author_name": review.author.public_name,
        "subject_id": review.subject_id,
        "subject_name": review.subject.public_name,
        "rating": review.rating,
        "aspects": {a.aspect: a.rating for a in review.aspects.all()},
        "text": review.text,
        "text_language": review.text_language,
        "private_note": review.private_note if sees_note else None,
        "created_at": review.created_at,
        "published_at": review.published_at,
        "response": review.response,
        "responded_at": review.responded_at,
        "hidden": review.is_hidden,
    }


def _page_out(reviews: selectors.ReviewsPage, viewer: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "count": reviews.rating_count,
        "average": reviews.rating_average,
        "aspects": [vars(a) for a in reviews.aspects],
        "page": reviews.page.number,
        "pages": reviews.page.paginator.num_pages,
        "items": [_review_out(r, viewer) for r in reviews.page],
    }
    for role, rating in reviews.roles.items():
        out[f"as_{role}"] = {"count": rating.count, "average": rating.average} if rating else None
    return out


def _reloaded(review_id: int) -> Review:
    return Review.objects.select_related("author", "subject").prefetch_related("aspects").get(pk=review_id)


@router.get("/listings/{listing_id}", auth=None, response=ReviewPageOut, summary="A listing's reviews, newest first")
def listing_reviews(request: HttpRequest, listing_id: int, page: int = 1):
    return _page_out(selectors.listing_reviews(listing_id=listing_id, viewer=request.user, page=page), request.user)


@router.get("/users/{user_id}", auth=None, response=ReviewPageOut, summary="Reviews about a person, newest first")
def user_reviews(request: HttpRequest, user_id: int, page: int = 1):
    return _page_out(selectors.user_reviews(user_id=user_id, viewer=request.user, page=page), request.user)


@router.get("/bookings/{booking_id}", response=list[ReviewOut], summary="A booking's reviews you may read")
def booking_reviews(request: ApiRequest, booking_id: int):
    booking = visible_booking(user=request.user, booking_id=booking_id)
    return [_review_out(r, request.user) for r in selectors.booking_reviews(booking=booking, viewer=request.user)]


@router.post("/bookings/{booking_id}", response={201: ReviewOut}, summary="Guest or host: review a booking")
def write(request: ApiRequest, booking_id: int, payload: ReviewIn):
    review = services.write_review(
        author=request.user,
        booking_id=booking_id,
        rating=payload.rating,
        text=payload.text,
        aspects=payload.aspects,
        private_note=payload.private_note,
    )
    return Status(201, _review_out(_reloaded(review.pk), request.user))


@router.post("/{review_id}/response", response=ReviewOut, summary="Reviewee: respond publicly, once")
def respond(request: ApiRequest, review_id: int, payload: ResponseIn):
    review = services.respond_to_review(responder=request.user, review_id=review_id, text=payload.text)
    return _review_out(_reloaded(review.pk), request.user)


@router.post("/{review_id}/reports", response={201: ReviewReportOut}, summary="Report a review as abusive, once")
def report(request: ApiRequest, review_id: int, payload: ReviewReportIn):
    return Status(201, services.report_review(reporter=request.user, review_id=review_id, reason=payload.reason))


@router.post("/reports/{report_id}/decision", response=ReviewReportOut, summary="Staff: hide or keep a reported review")
def decide(request: ApiRequest, report_id: int, payload: DecisionIn):
    return services.moderate_report(
        staff=request.user, report_id=report_id, decision=payload.decision, reason=payload.reason
    )
