"""Reviews: two-sided, earned by a stay or a ride that took place, blind until both sides have spoken.

A `ReviewWindow` is the per-booking record of the review period (when it closes,
which notifications went out, when it was published); `Review` is one side's
review; `ReviewAspect` holds the guest's kind-specific ratings; `ReviewReport`
is someone's complaint and the staff decision on it; `UserRating` keeps each
person's average as a host and as a guest (the listing's lives on the listing).
Every write goes through `reviews.services`.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking
from core.text_language import text_language_field
from core.words import counted
from listings.models import Listing, ListingKind

# How long after the end of a booking both sides may write.
REVIEW_WINDOW = timedelta(days=14)
# The "your window closes tomorrow" reminder goes out this long before the close.
REMINDER_BEFORE_CLOSE = timedelta(days=1)

MIN_RATING, MAX_RATING = 1, 5
TEXT_MIN_LENGTH, TEXT_MAX_LENGTH = 10, 2000
NOTE_MAX_LENGTH = 1000
RESPONSE_MAX_LENGTH = 1000
REASON_MAX_LENGTH = 500


class Direction(models.TextChoices):
    GUEST_TO_HOST = "guest_to_host", _("Guest about the host and listing")
    HOST_TO_GUEST = "host_to_guest", _("Host about the guest")


class Role(models.TextChoices):
    """Which side a person was on in the reviews counted by a `UserRating`."""

    HOST = "host", _("As a host")
    GUEST = "guest", _("As a guest")


class Aspect(models.TextChoices):
    CLEANLINESS = "cleanliness", _("Cleanliness")
    ACCURACY = "accuracy", _("Accuracy")
    COMMUNICATION = "communication", _("Communication")
    LOCATION = "location", _("Location")
    VALUE = "value", _("Value")
    CONDITION = "condition", _("Condition")
    CONVENIENCE = "convenience", _("Convenience")
    PUNCTUALITY = "punctuality", _("Punctuality")
    SAFETY = "safety", _("Safety")


# What a guest rates, per kind of listing, in the order forms show them.
ASPECTS_BY_KIND: dict[str, tuple[str, ...]] = {
    ListingKind.ROOM: (Aspect.CLEANLINESS, Aspect.ACCURACY, Aspect.COMMUNICATION, Aspect.LOCATION, Aspect.VALUE),
    ListingKind.CAR: (Aspect.CONDITION, Aspect.ACCURACY, Aspect.COMMUNICATION, Aspect.CONVENIENCE),
    ListingKind.DRIVER: (Aspect.PUNCTUALITY, Aspect.SAFETY, Aspect.COMMUNICATION, Aspect.VALUE),
}


class ReportDecision(models.TextChoices):
    PENDING = "", _("Waiting for a decision")
    HIDE = "hide", _("Hidden")
    KEEP = "keep", _("Kept")


class ReviewWindow(models.Model):
    """The review period of one booking, and which of its notifications already went out (each once)."""

    booking = models.OneToOneField(
        Booking, verbose_name=_("booking"), on_delete=models.PROTECT, related_name="review_window"
    )
    ended_at = models.DateTimeField(_("ended at"), help_text=_("When the service ended: the window opens then."))
    closes_at = models.DateTimeField(_("closes at"))
    can_write_sent_at = models.DateTimeField(_("can write sent at"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    # Set when the window's reviews were published (both written, or the window closed).
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("review window")
        verbose_name_plural = _("review windows")
        indexes = [
            models.Index(fields=["closed_at", "closes_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("ended_at")), name="review_window_closes_after_end"),
        ]

    def __str__(self) -> str:
        return f"Review window of booking {self.booking_id}"

    @property
    def remind_at(self):
        return self.closes_at - REMINDER_BEFORE_CLOSE


class Review(models.Model):
    booking = models.ForeignKey(Booking, verbose_name=_("booking"), on_delete=models.PROTECT, related_name="reviews")
    # The booking's listing, copied so listing pages read one index.
    listing = models.ForeignKey(Listing, verbose_name=_("listing"), on_delete=models.PROTECT, related_name="reviews")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="reviews_written"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("subject"), on_delete=models.PROTECT, related_name="reviews_received"
    )
    direction = models.CharField(_("direction"), max_length=16, choices=Direction.choices)
    rating = models.PositiveSmallIntegerField(_("rating"))
    text = models.TextField(_("text"), max_length=TEXT_MAX_LENGTH)
    text_language = text_language_field()
    # For the reviewee only (shown to them once published), never on public pages.
    private_note = models.TextField(_("private note"), max_length=NOTE_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    response = models.TextField(_("response"), max_length=RESPONSE_MAX_LENGTH, blank=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)

    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("hidden by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    hidden_reason = models.CharField(_("hidden reason"), max_length=REASON_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-published_at", "-pk"]
        indexes = [
            models.Index(fields=["listing", "direction", "-published_at"], name="review_listing_newest"),
            models.Index(fields=["subject", "-published_at"], name="review_subject_newest"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["booking", "direction"], name="review_one_per_side"),
            models.CheckConstraint(
                condition=Q(rating__gte=MIN_RATING, rating__lte=MAX_RATING), name="review_rating_range"
            ),
            models.CheckConstraint(condition=Q(direction__in=Direction.values), name="review_direction_known"),
            models.CheckConstraint(condition=~Q(author=F("subject")), name="review_not_about_oneself"),
            models.CheckConstraint(condition=~Q(text=""), name="review_text_not_empty"),
            # One response, only once published, and the two fields go together.
            models.CheckConstraint(
                condition=Q(responded_at__isnull=True, response="")
                | Q(responded_at__isnull=False, published_at__isnull=False) & ~Q(response=""),
                name="review_response_after_publication",
            ),
            models.CheckConstraint(
                condition=Q(hidden_at__isnull=True) | ~Q(hidden_reason=""), name="review_hidden_with_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} on booking {self.booking_id}: {self.rating}/5"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class ReviewAspect(models.Model):
    """One kind-specific rating of a guest's review (cleanliness of a room, punctuality of a driver...)."""

    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="aspects")
    aspect = models.CharField(_("aspect"), max_length=20, choices=Aspect.choices)
    rating = models.PositiveSmallIntegerField(_("rating"))

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["review", "aspect"], name="review_aspect_once"),
            models.CheckConstraint(
                condition=Q(rating__gte=MIN_RATING, rating__lte=MAX_RATING), name="review_aspect_rating_range"
            ),
            models.CheckConstraint(condition=Q(aspect__in=Aspect.values), name="review_aspect_known"),
        ]

    def __str__(self) -> str:
        return f"{self.get_aspect_display()}: {self.rating}/5"


class ReviewReport(models.Model):
    """Someone finds a review abusive; staff hide or keep it, and the reason stays on record."""

    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reporter"), on_delete=models.PROTECT, related_name="review_reports"
    )
    reason = models.TextField(_("reason"), max_length=REASON_MAX_LENGTH)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    decision = models.CharField(
        _("decision"), max_length=4, choices=ReportDecision.choices, default=ReportDecision.PENDING, blank=True
    )
    decision_reason = models.CharField(_("decision reason"), max_length=REASON_MAX_LENGTH, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("review report")
        verbose_name_plural = _("review reports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["decision", "created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["review", "reporter"], name="review_report_once_per_person"),
            models.CheckConstraint(
                condition=Q(decision__in=ReportDecision.values), name="review_report_decision_known"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="review_report_has_reason"),
            models.CheckConstraint(
                condition=Q(decision="", decided_at__isnull=True)
                | ~Q(decision="") & Q(decided_at__isnull=False) & ~Q(decision_reason=""),
                name="review_report_decision_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"Report on review {self.review_id} by {self.reporter_id}"


class UserRating(models.Model):
    """A person's published, visible reviews as a host or as a guest: the average is total / count."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="ratings"
    )
    role = models.CharField(_("role"), max_length=5, choices=Role.choices)
    count = models.PositiveIntegerField(_("count"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)

    class Meta:
        verbose_name = _("user rating")
        verbose_name_plural = _("user ratings")
        indexes = [models.Index(fields=["role", "count"])]
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="user_rating_one_per_role"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_rating_role_known"),
            # Every counted rating is between 1 and 5.
            models.CheckConstraint(
                condition=Q(total__gte=F("count") * MIN_RATING, total__lte=F("count") * MAX_RATING),
                name="user_rating_total_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.role}: {counted(self.count, 'review')}"

    @property
    def average(self) -> float | None:
        return self.total / self.count if self.count else None
