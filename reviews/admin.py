"""Reviews in the admin: read-only records, and moderation actions that go through the services.

Every hide/keep asks for a reason first (an intermediate page), then calls
`services.moderate_report` or `services.hide_review`, so who decided, when and
why is recorded and the averages move in the same transaction.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from core.admin_tools import ReadOnlyInline, ReadOnlyMixin, ReportQueueAdmin, ask_reason_then_apply
from core.requests import SignedInRequest, User
from reviews import services
from reviews.models import ReportDecision, Review, ReviewAspect, ReviewReport, ReviewWindow, UserRating


class ModeratedRecords(ReadOnlyMixin):
    """Reviews and reports are records: staff moderate them through actions, never by editing."""

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_staff


class ReviewAspectInline(ReadOnlyInline):
    model = ReviewAspect
    fields = ("aspect", "rating")
    readonly_fields = fields


class ReviewReportInline(ReadOnlyInline):
    model = ReviewReport
    fk_name = "review"
    fields = ("reporter", "reason", "created_at", "decision", "decision_reason", "decided_by", "decided_at")
    readonly_fields = fields


@admin.register(Review)
class ReviewAdmin(ModeratedRecords, admin.ModelAdmin):
    list_display = ("pk", "booking", "direction", "rating", "author", "subject", "published_at", "hidden_at")
    list_filter = ("direction", "rating", ("published_at", admin.EmptyFieldListFilter), "hidden_at")
    search_fields = ("text", "author__email", "subject__email", "listing__title")
    raw_id_fields = ("booking", "listing", "author", "subject", "hidden_by")
    inlines = [ReviewAspectInline, ReviewReportInline]
    actions = ["hide_reviews"]
    date_hierarchy = "created_at"

    @admin.action(description=_("Hide the selected reviews (asks for a reason)"), permissions=["moderate"])
    def hide_reviews(self, request: SignedInRequest, queryset: QuerySet[Review]) -> HttpResponse | None:
        return ask_reason_then_apply(
            request,
            queryset,
            action="hide_reviews",
            title="Hide reviews",
            apply=lambda review, reason: services.hide_review(staff=request.user, review_id=review.pk, reason=reason),
        )


@admin.register(ReviewReport)
class ReviewReportAdmin(ModeratedRecords, ReportQueueAdmin):
    list_display = ("pk", "review", "reporter", "created_at", "decision", "decided_by", "decided_at")
    list_filter = ("decision",)
    search_fields = ("reason", "review__text", "reporter__email")
    raw_id_fields = ("review", "reporter", "decided_by")
    actions = ["hide_reported_reviews", "keep_reported_reviews"]

    def decide_report(self, *, staff: User, report_id: int, decision: str, reason: str) -> object:
        return services.moderate_report(staff=staff, report_id=report_id, decision=decision, reason=reason)

    @admin.action(description=_("Hide the reported reviews (asks for a reason)"), permissions=["moderate"])
    def hide_reported_reviews(self, request: SignedInRequest, queryset: QuerySet[ReviewReport]) -> HttpResponse | None:
        return self.decide(request, queryset, ReportDecision.HIDE, "hide_reported_reviews", "Hide reported reviews")

    @admin.action(description=_("Keep the reported reviews (asks for a reason)"), permissions=["moderate"])
    def keep_reported_reviews(self, request: SignedInRequest, queryset: QuerySet[ReviewReport]) -> HttpResponse | None:
        return self.decide(request, queryset, ReportDecision.KEEP, "keep_reported_reviews", "Keep reported reviews")


@admin.register(ReviewWindow)
class ReviewWindowAdmin(ModeratedRecords, admin.ModelAdmin):
    list_display = ("booking", "ended_at", "closes_at", "can_write_sent_at", "reminder_sent_at", "closed_at")
    raw_id_fields = ("booking",)


@admin.register(UserRating)
class UserRatingAdmin(ModeratedRecords, admin.ModelAdmin):
    list_display = ("user", "role", "count", "total", "average")
    list_filter = ("role",)
    raw_id_fields = ("user",)
