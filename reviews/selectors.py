"""Reads of the reviews app: who sees which review, the pages of a listing's and a person's reviews, due work.

Visibility, in one place: a review is visible to its author alone until it is
published; once published, to everyone; a review hidden by moderation to staff
only (not even its author).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Page, Paginator
from django.db.models import Avg, Q, QuerySet
from django.utils.translation import gettext_noop

from accounts.models import User
from bookings.models import Booking, BookingStatus, BookingTransition
from core.errors import NotFound
from listings.models import Listing, ListingStatus
from reviews.models import (
    REMINDER_BEFORE_CLOSE,
    REVIEW_WINDOW,
    Aspect,
    Direction,
    Review,
    ReviewAspect,
    ReviewWindow,
    Role,
    UserRating,
)

PAGE_SIZE = 10
NOT_YET_REVIEWABLE = gettext_noop("You can review this booking once it has taken place.")
ALREADY_REVIEWED = gettext_noop("You have already reviewed this booking.")
WINDOW_CLOSED = gettext_noop("The 14 days to review this booking are over.")
ONLY_PARTIES = gettext_noop("Only the guest and the host of this booking can review it.")


def review_period_end(booking: Booking) -> datetime | None:
    """When the reviewed service ended, or None if this booking cannot be reviewed (yet or ever).

    Completed bookings end at their end; bookings cancelled once under way end at
    the cancellation. A dispute opened after completion does not take reviews away.
    """
    if booking.status == BookingStatus.COMPLETED:
        return booking.end
    if booking.status == BookingStatus.DISPUTED and booking.status_before_dispute == BookingStatus.COMPLETED:
        return booking.end
    if booking.status in (BookingStatus.CANCELLED_BY_GUEST, BookingStatus.CANCELLED_BY_HOST):
        started = BookingTransition.objects.filter(booking=booking, to_status=BookingStatus.IN_PROGRESS).exists()
        if started:
            return booking.ended_at or booking.end
    return None


def can_see(viewer: User | AnonymousUser | None, review: Review) -> bool:
    if viewer is not None and viewer.is_authenticated and viewer.is_staff:
        return True
    if review.is_hidden:
        return False
    if review.is_published:
        return True
    return viewer is not None and viewer.is_authenticated and viewer.pk == review.author_id


def visible_reviews(viewer: User | AnonymousUser | None) -> QuerySet[Review]:
    """Every review `viewer` may read (see the module docstring)."""
    reviews = Review.objects.all()
    if viewer is not None and viewer.is_authenticated and viewer.is_staff:
        return reviews
    visible = Q(published_at__isnull=False)
    if viewer is not None and viewer.is_authenticated:
        visible |= Q(author_id=viewer.pk)
    return reviews.filter(visible, hidden_at__isnull=True)


def _public(viewer: User | AnonymousUser | None) -> QuerySet[Review]:
    """Published reviews for the public lists; staff also see the hidden ones (marked so on the page)."""
    return (
        visible_reviews(viewer)
        .filter(published_at__isnull=False)
        .select_related("author", "subject", "listing")
        .prefetch_related("aspects")
        .order_by("-published_at", "-pk")
    )


@dataclass
class AspectAverage:
    aspect: str
    label: str
    average: float


@dataclass
class ReviewsPage:
    """One page of reviews with the summary a listing page or a profile shows above them."""

    page: Page
    rating_count: int
    rating_average: float | None
    aspects: list[AspectAverage] = field(default_factory=list)
    roles: dict[str, UserRating | None] = field(default_factory=dict)
    listing: Listing | None = None
    person: User | None = None


def aspect_averages(reviews: QuerySet[Review]) -> list[AspectAverage]:
    """Average of each aspect over the visible, un-hidden reviews given, in a stable order."""
    counted = reviews.filter(hidden_at__isnull=True).order_by().values("pk")
    rows = dict(
        ReviewAspect.objects.filter(review__in=counted)
        .order_by()
        .values("aspect")
        .annotate(avg=Avg("rating"))
        .values_list("aspect", "avg")
    )
    return [AspectAverage(a.value, str(a.label), round(float(rows[a.value]), 2)) for a in Aspect if a.value in rows]


def _paginate(reviews: QuerySet[Review], page: int | str | None) -> Page:
    return Paginator(reviews, PAGE_SIZE).get_page(page)


def listing_reviews(*, listing_id: int, viewer: User | AnonymousUser | None, page: int | str | None = 1) -> ReviewsPage:
    """A listing's published guest reviews, newest first, with its average and aspect averages."""
    listing = Listing.objects.filter(pk=listing_id).exclude(status=ListingStatus.DELETED).first()
    # A paused listing is a 404 for everybody but its owner, as on its own page.
    hidden = listing is not None and listing.status != ListingStatus.ACTIVE
    if listing is None or (hidden and (viewer is None or viewer.pk != listing.owner_id)):
        raise NotFound(gettext_noop("No such listing."))
    reviews = _public(viewer).filter(listing_id=listing.pk, direction=Direction.GUEST_TO_HOST)
    return ReviewsPage(
        page=_paginate(reviews, page),
        rating_count=listing.rating_count,
        rating_average=listing.rating,
        aspects=aspect_averages(reviews),
        listing=listing,
    )


def user_reviews(*, user_id: int, viewer: User | AnonymousUser | None, page: int | str | None = 1) -> ReviewsPage:
    """Published reviews about a person (as a host and as a guest), newest first, with their averages."""
    person = User.objects.filter(pk=user_id, is_active=True).first()
    if person is None:
        raise NotFound(gettext_noop("No such person."))
    reviews = _public(viewer).filter(subject_id=person.pk)
    ratings = {r.role: r for r in UserRating.objects.filter(user=person)}
    count = sum(r.count for r in ratings.values())
    total = sum(r.total for r in ratings.values())
    return ReviewsPage(
        page=_paginate(reviews, page),
        rating_count=count,
        rating_average=total / count if count else None,
        aspects=aspect_averages(reviews.filter(direction=Direction.GUEST_TO_HOST)),
        roles={"host": ratings.get("host"), "guest": ratings.get("guest")},
        person=person,
    )


def booking_reviews(*, booking: Booking, viewer: User) -> list[Review]:
    """The reviews of one booking that `viewer` may read (their own always, the other side's once published)."""
    return list(
        visible_reviews(viewer)
        .filter(booking=booking)
        .select_related("author", "subject")
        .prefetch_related("aspects")
        .order_by("direction")
    )


def direction_of(booking: Booking, user: User) -> str | None:
    """Which review of this booking `user` writes, if any."""
    if user.pk == booking.guest_id:
        return Direction.GUEST_TO_HOST
    if user.pk == booking.listing.owner_id:
        return Direction.HOST_TO_GUEST
    return None


def write_refusal(*, booking: Booking, user: User, now: datetime) -> str | None:
    """Why `user` cannot review this booking now (None if they can): what the write page says instead of a form.

    `services.write_review` makes the same checks under lock; this is for display only.
    """
    direction = direction_of(booking, user)
    if direction is None:
        return ONLY_PARTIES
    ended_at = review_period_end(booking)
    if ended_at is None:
        return NOT_YET_REVIEWABLE
    if Review.objects.filter(booking=booking, direction=direction).exists():
        return ALREADY_REVIEWED
    window = ReviewWindow.objects.filter(booking=booking).first()
    closes_at = window.closes_at if window else ended_at + REVIEW_WINDOW
    if (window and window.closed_at) or now >= closes_at:
        return WINDOW_CLOSED
    return None


def rating_of(*, user_id: int, role: str) -> UserRating | None:
    return UserRating.objects.filter(user_id=user_id, role=role).first()


def guest_rating(*, user_id: int) -> tuple[float, int] | None:
    """A person's average as a guest (hosts' reviews of them) and how many reviews: what a provider sees of
    a rider before accepting (settings.DISPATCH_RIDER_RATING). None before any review."""
    rating = rating_of(user_id=user_id, role=Role.GUEST)
    if rating is None or not rating.count:
        return None
    return round(rating.total / rating.count, 1), rating.count


# --- Due work for the sweep ------------------------------------------------------------------


def due_announcements(*, now: datetime) -> list[int]:
    """Bookings that took place within the last 14 days whose "you can write a review" has not gone out."""
    since = now - REVIEW_WINDOW
    reviewable = (
        Q(status=BookingStatus.COMPLETED, end__gt=since, end__lte=now)
        | Q(status=BookingStatus.DISPUTED, status_before_dispute=BookingStatus.COMPLETED, end__gt=since, end__lte=now)
        | Q(
            status__in=(BookingStatus.CANCELLED_BY_GUEST, BookingStatus.CANCELLED_BY_HOST),
            ended_at__gt=since,
            ended_at__lte=now,
            transitions__to_status=BookingStatus.IN_PROGRESS,
        )
    )
    not_announced = Q(review_window__isnull=True) | Q(review_window__can_write_sent_at__isnull=True)
    return sorted(set(Booking.objects.filter(reviewable).filter(not_announced).values_list("pk", flat=True)))


def due_reminders(*, now: datetime) -> list[int]:
    return list(
        ReviewWindow.objects.filter(
            closed_at__isnull=True,
            reminder_sent_at__isnull=True,
            closes_at__lte=now + REMINDER_BEFORE_CLOSE,
            closes_at__gt=now,
        )
        .order_by("booking_id")
        .values_list("booking_id", flat=True)
    )


def due_closings(*, now: datetime) -> list[int]:
    return list(
        ReviewWindow.objects.filter(closed_at__isnull=True, closes_at__lte=now)
        .order_by("booking_id")
        .values_list("booking_id", flat=True)
    )


def window_closes_at(booking: Booking) -> datetime | None:
    """When the booking's review window closes (None if it cannot be reviewed)."""
    window = ReviewWindow.objects.filter(booking=booking).first()
    if window is not None:
        return window.closes_at
    ended_at = review_period_end(booking)
    return ended_at + REVIEW_WINDOW if ended_at else None
