"""Template tags that put a listing's or a person's reviews into pages other apps own.

    {% load reviews_tags %}
    {% listing_reviews listing %}     (on the listing page)
    {% profile_reviews person %}      (on the public profile)
    {% booking_review_prompt booking %}  (on the booking page: "Write your review")
    {% host_card listing %}           (on the listing page: rating, checks and answer time of its host)

Both read `?reviews_page=N` from the request; the partial's own "more" links
page through /reviews/listing/<id>/ and /reviews/people/<id>/ with htmx.
"""

from __future__ import annotations

from math import ceil
from typing import Any

from django import template
from django.utils import timezone

from accounts.models import User, VerificationKind
from accounts.selectors import has_verified_email
from accounts.verifications import verified_kinds
from bookings.models import Booking
from bookings.selectors import host_response_time
from core.errors import NotFound
from listings.models import Listing
from reviews import selectors
from reviews.models import Review, Role

register = template.Library()


def _viewer_and_page(context: template.Context) -> tuple[Any, str | None]:
    request = context.get("request")
    if request is None:
        return None, None
    return request.user, request.GET.get("reviews_page")


@register.inclusion_tag("reviews/_listing_reviews.html", takes_context=True)
def listing_reviews(context: template.Context, listing: Listing) -> dict[str, Any]:
    viewer, page = _viewer_and_page(context)
    try:
        reviews = selectors.listing_reviews(listing_id=listing.pk, viewer=viewer, page=page)
    except NotFound:
        # A deleted listing shown to its owner: its reviews are no longer listed.
        return {"reviews": None, "listing": listing}
    return {
        "reviews": reviews,
        "listing": listing,
        "user": viewer,
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("reviews/_profile_reviews.html", takes_context=True)
def profile_reviews(context: template.Context, person: User) -> dict[str, Any]:
    viewer, page = _viewer_and_page(context)
    return {
        "reviews": selectors.user_reviews(user_id=person.pk, viewer=viewer, page=page),
        "person": person,
        "user": viewer,
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def stars(rating: float | int | None) -> str:
    """★★★★☆ for 4 (rounded to the nearest whole star)."""
    if rating is None:
        return ""
    full = max(0, min(5, round(float(rating))))
    return "★" * full + "☆" * (5 - full)


@register.inclusion_tag("reviews/_booking_prompt.html", takes_context=True)
def booking_review_prompt(context: template.Context, booking: Booking) -> dict[str, Any]:
    """On the booking page: "Write your review" while the viewer can, else a link to the booking's reviews."""
    request = context.get("request")
    viewer = request.user if request is not None else None
    if viewer is None or not viewer.is_authenticated or selectors.direction_of(booking, viewer) is None:
        return {"show": False}
    can_write = selectors.write_refusal(booking=booking, user=viewer, now=timezone.now()) is None
    return {
        "show": can_write or Review.objects.filter(booking=booking).exists(),
        "can_write": can_write,
        "booking": booking,
        "closes_at": selectors.window_closes_at(booking),
    }


def _answer_time_words(wait: Any) -> str:
    hours = wait.total_seconds() / 3600
    if hours < 1:
        return "within an hour"
    if hours < 24:
        return f"within {ceil(hours)} hour{'s' if ceil(hours) != 1 else ''}"
    return f"within {ceil(hours / 24)} day{'s' if ceil(hours / 24) != 1 else ''}"


@register.inclusion_tag("reviews/_host_card.html", takes_context=True)
def host_card(context: template.Context, listing: Listing) -> dict[str, Any]:
    """The listing page's host: their rating as a host, what Sharing checked, and how fast they answer."""
    host = listing.owner
    documents = verified_kinds(host)
    wait = host_response_time(host_id=host.pk)
    return {
        "host": host,
        "listing": listing,
        "rating": selectors.rating_of(user_id=host.pk, role=Role.HOST),
        "email_verified": has_verified_email(host),
        "licence_verified": listing.kind != "room" and VerificationKind.LICENCE in documents,
        "identity_verified": VerificationKind.IDENTITY in documents,
        "answers": _answer_time_words(wait) if wait is not None else "",
        "is_owner": context.get("is_owner", False),
        "csrf_token": context.get("csrf_token"),
    }
