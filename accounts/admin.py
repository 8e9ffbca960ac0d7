"""The admin desk for people: accounts, and the queue of reports on people and messages."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import safety, verifications
from accounts.models import DocumentPart, DocumentView, PersonReport, ReportDecision, User, Verification
from core.admin_tools import ReportQueueAdmin, ask_reason_then_apply
from core.pages import apply_each
from core.requests import SignedInRequest


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["-date_joined"]
    list_display = ["email", "display_name", "city", "is_staff", "is_active", "is_suspended", "date_joined"]
    # "Suspended" is the desk's queue of suspended people; suspend from the person's profile page.
    list_filter = ["is_suspended", "is_staff", "is_superuser", "is_active"]
    readonly_fields = ["is_suspended", "suspended_at", "suspension_reason"]
    search_fields = ["email", "display_name", "city"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["display_name", "avatar", "bio", "languages", "city"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Suspension", {"fields": ["is_suspended", "suspended_at", "suspension_reason"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(PersonReport)
class PersonReportAdmin(ReportQueueAdmin):
    """The staff queue of reports on people and messages: open ones first, each with its context."""

    list_display = ["person", "reporter", "reported_message", "created_at", "decision", "decided_by"]
    list_filter = [("decision", admin.EmptyFieldListFilter), "decision"]
    search_fields = ["person__email", "person__display_name", "reporter__email", "reason", "context"]
    readonly_fields = [field.name for field in PersonReport._meta.fields]
    fields = ["person", "reporter", "message", "reason", "context", "created_at", "decision", "decision_reason"]
    actions = ["action_taken", "no_action"]

    @admin.display(description=_("Message"), boolean=True)
    def reported_message(self, report: PersonReport) -> bool:
        return report.message_id is not None

    def decide_report(self, *, staff: User, report_id: int, decision: str, reason: str) -> object:
        return safety.decide_report(staff=staff, report_id=report_id, decision=decision, reason=reason)

    @admin.action(description=_("Close: action taken"), permissions=["change"])
    def action_taken(self, request: SignedInRequest, queryset: QuerySet) -> HttpResponse | None:
        return self.decide(request, queryset, ReportDecision.ACTION, "action_taken", "Action taken")

    @admin.action(description=_("Close: no action needed"), permissions=["change"])
    def no_action(self, request: SignedInRequest, queryset: QuerySet) -> HttpResponse | None:
        return self.decide(request, queryset, ReportDecision.DISMISS, "no_action", "No action needed")


class ReviewerOnlyAdmin(admin.ModelAdmin):
    """Seen only by staff with the "review verifications" permission; never added or deleted."""

    def _reviewer(self, request) -> bool:
        return verifications.can_review(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._reviewer(request)

    def has_module_permission(self, request) -> bool:
        return self._reviewer(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Verification)
class VerificationAdmin(ReviewerOnlyAdmin):
    """The queue of identity documents and licences to check: pending first; verify, or refuse with the reason
    the person reads. Opening a photo is recorded (the "Document views" list)."""

    list_display = ["user", "kind", "status", "birth_date", "submitted_at", "decided_by", "decided_at", "photos"]
    list_filter = ["status", "kind"]
    ordering = ["status", "submitted_at"]
    search_fields = ["user__email", "user__display_name"]
    readonly_fields = [field.name for field in Verification._meta.fields] + ["photos"]
    actions = ["verify", "refuse"]

    def has_change_permission(self, request, obj=None) -> bool:
        return self._reviewer(request)

    @admin.display(description=_("Photos"))
    def photos(self, verification: Verification) -> str:
        links = [
            format_html(
                '<a href="{}">{}</a>',
                reverse("accounts:verification_photo", kwargs={"verification_id": verification.pk, "part": part}),
                label,
            )
            for part, label in DocumentPart.choices
            if getattr(verification, part)
        ]
        return format_html_join(" · ", "{}", ((link,) for link in links)) if links else "-"

    @admin.action(description=_("Verify the document"), permissions=["change"])
    def verify(self, request: SignedInRequest, queryset: QuerySet) -> None:
        done = apply_each(request, queryset, lambda v: verifications.verify(staff=request.user, verification_id=v.pk))
        said = ngettext("%(count)d document verified.", "%(count)d documents verified.", done)
        self.message_user(request, said % {"count": done})

    @admin.action(description=_("Refuse the document (with the reason)"), permissions=["change"])
    def refuse(self, request: SignedInRequest, queryset: QuerySet) -> HttpResponse | None:
        return ask_reason_then_apply(
            request,
            queryset,
            action="refuse",
            title=_("Refuse identity documents or licences"),
            apply=lambda v, reason: verifications.refuse(staff=request.user, verification_id=v.pk, reason=reason),
        )


@admin.register(DocumentView)
class DocumentViewAdmin(ReviewerOnlyAdmin):
    """Who opened which photo of whose document, and when (written by accounts.verifications, never edited)."""

    list_display = ["viewed_at", "staff", "verification", "part"]
    list_filter = ["part"]
    search_fields = ["staff__email", "verification__user__email"]
    readonly_fields = [field.name for field in DocumentView._meta.fields]

    def has_change_permission(self, request, obj=None) -> bool:
        return False
