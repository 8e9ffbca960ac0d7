"""Every write of the reviews app: one function per operation, one transaction each.

Locking order, everywhere, the same as the bookings app's: the listing row first,
then the booking, then its review window and reviews, then the per-person
aggregates in (user id, role) order. Two publications touching one listing or
one person therefore queue instead of deadlocking, and the aggregates (the
listing's `rating_count`/`rating_sum`, `UserRating`) change in the very
transaction that publishes or hides a review, with F() updates so they stay exact.

Time-driven steps (closing a window, the reminder) are idempotent: the delayed
tasks in `reviews.tasks` and the `advance_reviews` sweep both call them. A review
window opens when bookings say a booking ended (`booking_ended`, named in
settings.BOOKING_ENDED_HOOKS, called after their commit); the sweep announces
whatever that missed.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from bookings.models import Booking
from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from core.tasks import schedule_on_commit
from core.text_language import author_language
from listings.models import Listing
from realtime import notify
from realtime.wording import words
from reviews import selectors, tasks
from reviews.checks import check_aspects, check_rating, clean_text
from reviews.models import (
    NOTE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    RESPONSE_MAX_LENGTH,
    REVIEW_WINDOW,
    TEXT_MAX_LENGTH,
    TEXT_MIN_LENGTH,
    Direction,
    ReportDecision,
    Review,
    ReviewAspect,
    ReviewReport,
    ReviewWindow,
    Role,
    UserRating,
)
from reviews.text import plain_text

BOOKING_NOT_FOUND = gettext_noop("No such booking.")
REVIEW_NOT_FOUND = gettext_noop("No such review.")
WINDOW_CLOSED = selectors.WINDOW_CLOSED

logger = logging.getLogger(__name__)


# --- Helpers ------------------------------------------------------------------------------


def _lock_booking(booking_id: int) -> Booking:
    """Lock the booking's listing, then the booking (the bookings app's order); NotFound if none."""
    listing_id = Booking.objects.filter(pk=booking_id).values_list("listing_id", flat=True).first()
    if listing_id is None:
        raise NotFound(BOOKING_NOT_FOUND)
    # No select_related here: on PostgreSQL FOR UPDATE would lock the joined user rows too.
    listing = Listing.objects.select_for_update().get(pk=listing_id)
    booking = Booking.objects.select_for_update().get(pk=booking_id)
    booking.listing = listing
    return booking


def _lock_review(review_id: int) -> Review:
    """Lock the review's listing, then the review; NotFound if there is no such review."""
    listing_id = Review.objects.filter(pk=review_id).values_list("listing_id", flat=True).first()
    if listing_id is None:
        raise NotFound(REVIEW_NOT_FOUND)
    Listing.objects.select_for_update().filter(pk=listing_id).first()
    return Review.objects.select_for_update().get(pk=review_id)


def _window(booking: Booking, ended_at: datetime) -> tuple[ReviewWindow, bool]:
    """The booking's review window, locked, created on first need; the caller holds the booking lock."""
    window = ReviewWindow.objects.select_for_update().filter(booking=booking).first()
    if window is not None:
        return window, False
    window = ReviewWindow.objects.create(booking=booking, ended_at=ended_at, closes_at=ended_at + REVIEW_WINDOW)
    return window, True


def _schedule_window_tasks(window: ReviewWindow, now: datetime) -> None:
    if window.remind_at > now:
        schedule_on_commit(tasks.remind_reviewers_task, window.booking_id, at=window.remind_at)
    schedule_on_commit(tasks.close_review_window_task, window.booking_id, at=window.closes_at)


def _parties(booking: Booking) -> dict[str, User]:
    """Who writes which review of this booking."""
    return {Direction.GUEST_TO_HOST: booking.guest, Direction.HOST_TO_GUEST: booking.listing.owner}


def _notify(recipients: list[User], kind: str, booking: Booking, message: str) -> None:
    """`message` is English, marked with gettext_noop where written: each reader gets it in their language."""
    if not recipients:
        return
    said = words(message)
    notify(
        recipients,
        kind,
        {
            "booking_id": booking.pk,
            "listing_title": booking.listing.title,
            "url": reverse("reviews:write", kwargs={"booking_id": booking.pk}),
            "message": message,
            "message_words": said,
            # The line the notification bell shows (realtime.Notification.text).
            "title": f"{booking.listing.title}: {message}",
        },
    )


def _aggregate_keys(review: Review) -> list[tuple[int, str]]:
    role = Role.HOST if review.direction == Direction.GUEST_TO_HOST else Role.GUEST
    return [(review.subject_id, role)]


def _count(reviews: list[Review], sign: int) -> None:
    """Add (sign=1) or remove (sign=-1) reviews from the listing's and people's averages.

    The caller holds the listing lock. Person rows are touched in (user, role)
    order so two transactions never wait on each other in a circle.
    """
    by_key: dict[tuple[int, str], list[int]] = {}
    for review in reviews:
        if review.direction == Direction.GUEST_TO_HOST:
            Listing.objects.filter(pk=review.listing_id).update(
                rating_count=F("rating_count") + sign, rating_sum=F("rating_sum") + sign * review.rating
            )
        for key in _aggregate_keys(review):
            by_key.setdefault(key, []).append(review.rating)
    for (user_id, role), ratings in sorted(by_key.items()):
        rating, _ = UserRating.objects.get_or_create(user_id=user_id, role=role)
        UserRating.objects.filter(pk=rating.pk).update(
            count=F("count") + sign * len(ratings), total=F("total") + sign * sum(ratings)
        )


def _publish(window: ReviewWindow, booking: Booking, now: datetime, message: str) -> list[Review]:
    """Publish every written review of the booking at once and count them; the caller holds the locks."""
    reviews = list(Review.objects.select_for_update().filter(booking=booking, published_at__isnull=True))
    for review in reviews:
        review.published_at = now
        review.save(update_fields=["published_at"])
    _count([r for r in reviews if not r.is_hidden], +1)
    window.closed_at = now
    window.save(update_fields=["closed_at"])
    if reviews:
        # Last in the transaction: notify() holds a lock until commit.
        _notify([booking.guest, booking.listing.owner], "review.published", booking, message)
    return reviews


# --- Writing --------------------------------------------------------------------------------


def write_review(
    *,
    author: User,
    booking_id: int,
    rating: int,
    text: str,
    aspects: dict[str, int] | None = None,
    private_note: str = "",
    now: datetime | None = None,
) -> Review:
    """The guest or the host reviews a booking that took place, within 14 days of its end.

    The review stays visible to its author alone until the other side has written
    too (then both are published at once) or the window closes.
    """
    now = now or timezone.now()
    text = clean_text(text, field="text", max_length=TEXT_MAX_LENGTH, min_length=TEXT_MIN_LENGTH)
    note = plain_text(private_note or "")
    if len(note) > NOTE_MAX_LENGTH:
        too_long = gettext_noop("The private note is too long: at most %(count)s characters.")
        raise DomainError(too_long, params={"count": NOTE_MAX_LENGTH}, field="private_note", code="too_long")
    rating = check_rating(rating, field="rating", label=gettext_noop("your stay"))
    with transaction.atomic():
        booking = _lock_booking(booking_id)
        parties = _parties(booking)
        direction = selectors.direction_of(booking, author)
        if direction is None:
            if author.is_staff:
                raise PermissionDenied(selectors.ONLY_PARTIES)
            raise NotFound(BOOKING_NOT_FOUND)
        ended_at = selectors.review_period_end(booking)
        if ended_at is None:
            raise Conflict(selectors.NOT_YET_REVIEWABLE, code="not_reviewable")
        if Review.objects.filter(booking=booking, direction=direction).exists():
            raise Conflict(selectors.ALREADY_REVIEWED, code="already_reviewed")
        window, created = _window(booking, ended_at)
        if window.closed_at is not None or now >= window.closes_at:
            raise Conflict(WINDOW_CLOSED, code="window_closed")
        aspect_ratings = check_aspects(booking.listing.kind, direction, aspects)
        other_direction = next(d for d in parties if d != direction)
        try:
            with transaction.atomic():
                review = Review.objects.create(
                    booking=booking,
                    listing=booking.listing,
                    author=author,
                    subject=parties[other_direction],
                    direction=direction,
                    rating=rating,
                    text=text,
                    text_language=author_language(author),
                    private_note=note,
                    created_at=now,
                )
        except IntegrityError as error:
            raise Conflict(selectors.ALREADY_REVIEWED, code="already_reviewed") from error
        ReviewAspect.objects.bulk_create(
            [ReviewAspect(review=review, aspect=name, rating=value) for name, value in aspect_ratings.items()]
        )
        if created:
            _schedule_window_tasks(window, now)
        if Review.objects.filter(booking=booking, direction=other_direction).exists():
            _publish(window, booking, now, gettext_noop("You have both written: your reviews are now public."))
            review.refresh_from_db(fields=["published_at"])
    return review


# --- Time-driven steps ------------------------------------------------------------------------


def announce_review_window(*, booking_id: int, now: datetime | None = None) -> ReviewWindow:
    """Tell both sides they can review a booking that just took place (once; later calls change nothing)."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock_booking(booking_id)
        ended_at = selectors.review_period_end(booking)
        if ended_at is None:
            raise Conflict(gettext_noop("This booking cannot be reviewed."), code="not_reviewable")
        window, created = _window(booking, ended_at)
        if window.can_write_sent_at is not None:
            return window
        if window.closed_at is not None or now >= window.closes_at:
            raise Conflict(WINDOW_CLOSED, code="window_closed")
        if created:
            _schedule_window_tasks(window, now)
        window.can_write_sent_at = now
        window.save(update_fields=["can_write_sent_at"])
        _notify(
            _yet_to_write(booking),
            "review.can_write",
            booking,
            gettext_noop("How did it go? You have 14 days to write a review."),
        )
    return window


def booking_ended(*, booking_id: int, now: datetime | None = None) -> None:
    """Bookings' port (settings.BOOKING_ENDED_HOOKS): a booking that took place just ended, so both
    sides can review it now rather than at the next `advance_reviews` sweep."""
    try:
        announce_review_window(booking_id=booking_id, now=now)
    except DomainError as error:
        # Told late (a catch-up after its 14 days) or about a booking that cannot be reviewed: nothing to open.
        logger.info("booking %s ended: no review window opened (%s)", booking_id, error.message)


def _yet_to_write(booking: Booking) -> list[User]:
    """The parties of the booking who have not written their review."""
    written = set(Review.objects.filter(booking=booking).values_list("direction", flat=True))
    return [person for direction, person in _parties(booking).items() if direction not in written]


def remind_reviewers(*, booking_id: int, now: datetime | None = None) -> ReviewWindow:
    """A day before the window closes, remind whoever has not written yet (once)."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock_booking(booking_id)
        window = ReviewWindow.objects.select_for_update().filter(booking=booking).first()
        if window is None:
            raise NotFound(gettext_noop("Nobody can review this booking yet."))
        if window.reminder_sent_at is not None or window.closed_at is not None:
            return window
        if now < window.remind_at:
            raise Conflict(gettext_noop("The reminder is not due yet."), code="not_due")
        if now >= window.closes_at:
            raise Conflict(WINDOW_CLOSED, code="window_closed")
        window.reminder_sent_at = now
        window.save(update_fields=["reminder_sent_at"])
        _notify(
            _yet_to_write(booking),
            "review.reminder",
            booking,
            gettext_noop("Last day to review: the window closes tomorrow."),
        )
    return window


def close_review_window(*, booking_id: int, now: datetime | None = None) -> ReviewWindow:
    """When the 14 days are over, publish whatever was written (even one side only). Idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock_booking(booking_id)
        window = ReviewWindow.objects.select_for_update().filter(booking=booking).first()
        if window is None:
            raise NotFound(gettext_noop("Nobody can review this booking yet."))
        if window.closed_at is not None:
            return window
        if now < window.closes_at:
            raise Conflict(gettext_noop("The review window is still open."), code="not_due")
        _publish(window, booking, now, gettext_noop("The review window closed: the reviews are now public."))
    return window


def advance_reviews(*, now: datetime | None = None) -> dict[str, int]:
    """Catch up every due review step: announcements, reminders, closings. Running it twice changes nothing.

    Each booking goes through its own service call and transaction; one another
    worker handled meanwhile is skipped.
    """
    now = now or timezone.now()
    steps: list[tuple[str, Any, Any]] = [
        ("announced", selectors.due_announcements, announce_review_window),
        ("reminded", selectors.due_reminders, remind_reviewers),
        ("closed", selectors.due_closings, close_review_window),
    ]
    counts: dict[str, int] = {}
    for name, due, service in steps:
        counts[name] = 0
        for booking_id in list(due(now=now)):
            try:
                service(booking_id=booking_id, now=now)
            except DomainError:
                continue
            counts[name] += 1
    return counts


# --- Responses, reports, moderation -------------------------------------------------------------


def respond_to_review(*, responder: User, review_id: int, text: str, now: datetime | None = None) -> Review:
    """The person reviewed answers publicly, once, after publication."""
    now = now or timezone.now()
    text = clean_text(text, field="response", max_length=RESPONSE_MAX_LENGTH, what=gettext_noop("Your response"))
    with transaction.atomic():
        review = _lock_review(review_id)
        if not selectors.can_see(responder, review):
            raise NotFound(REVIEW_NOT_FOUND)
        if responder.pk != review.subject_id:
            raise PermissionDenied(gettext_noop("Only the person reviewed can respond to this review."))
        if review.responded_at is not None:
            raise Conflict(gettext_noop("You have already responded to this review."), code="already_responded")
        review.response = text
        review.responded_at = now
        review.save(update_fields=["response", "responded_at"])
    return review


def report_review(*, reporter: User, review_id: int, reason: str, now: datetime | None = None) -> ReviewReport:
    """Anyone who can see a review may report it as abusive, once."""
    now = now or timezone.now()
    reason = clean_text(reason, field="reason", max_length=REASON_MAX_LENGTH, what=gettext_noop("The reason"))
    with transaction.atomic():
        review = _lock_review(review_id)
        if not reporter.is_authenticated or not selectors.can_see(reporter, review):
            raise NotFound(REVIEW_NOT_FOUND)
        if reporter.pk == review.author_id:
            raise PermissionDenied(gettext_noop("You cannot report your own review."))
        if ReviewReport.objects.filter(review=review, reporter=reporter).exists():
            raise Conflict(
                gettext_noop("You have already reported this review. Our team will look at it."),
                code="already_reported",
            )
        try:
            with transaction.atomic():
                report = ReviewReport.objects.create(review=review, reporter=reporter, reason=reason, created_at=now)
        except IntegrityError as error:
            raise Conflict(gettext_noop("You have already reported this review."), code="already_reported") from error
    return report


def _hide(review: Review, *, staff: User, reason: str, now: datetime) -> None:
    """Hide a review and take it out of the averages; the caller holds the listing and review locks."""
    if review.is_hidden:
        return
    review.hidden_at = now
    review.hidden_by = staff
    review.hidden_reason = reason
    review.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    if review.is_published:
        _count([review], -1)


def _require_staff(user: User) -> None:
    if not (user.is_authenticated and user.is_staff):
        raise PermissionDenied(gettext_noop("Only staff can moderate reviews."))


def moderate_report(
    *, staff: User, report_id: int, decision: str, reason: str, now: datetime | None = None
) -> ReviewReport:
    """Staff decide a report: hide the review (out of pages and averages) or keep it; who, when and why are kept."""
    now = now or timezone.now()
    _require_staff(staff)
    if decision not in (ReportDecision.HIDE, ReportDecision.KEEP):
        raise DomainError(gettext_noop("Decide to hide or keep the review."), field="decision", code="bad_decision")
    reason = clean_text(
        reason, field="reason", max_length=REASON_MAX_LENGTH, what=gettext_noop("The reason for the decision")
    )
    review_id = ReviewReport.objects.filter(pk=report_id).values_list("review_id", flat=True).first()
    if review_id is None:
        raise NotFound(gettext_noop("No such report."))
    with transaction.atomic():
        review = _lock_review(review_id)
        report = ReviewReport.objects.select_for_update().get(pk=report_id)
        if report.decision:
            if report.decision == decision:
                return report
            raise Conflict(gettext_noop("This report was already decided."), code="already_decided")
        if decision == ReportDecision.HIDE:
            _hide(review, staff=staff, reason=reason, now=now)
        report.decision = decision
        report.decision_reason = reason
        report.decided_by = staff
        report.decided_at = now
        report.save(update_fields=["decision", "decision_reason", "decided_by", "decided_at"])
    return report


def hide_review(*, staff: User, review_id: int, reason: str, now: datetime | None = None) -> Review:
    """Staff hide a review without a report (from the admin); the reason is kept on the review."""
    now = now or timezone.now()
    _require_staff(staff)
    reason = clean_text(reason, field="reason", max_length=REASON_MAX_LENGTH, what=gettext_noop("The reason"))
    with transaction.atomic():
        review = _lock_review(review_id)
        _hide(review, staff=staff, reason=reason, now=now)
    return review
