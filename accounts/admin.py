"""The admin desk for people: accounts, and the queue of reports on people and messages."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpResponse

from accounts import safety
from accounts.models import PersonReport, ReportDecision, User
from core.admin_tools import ReportQueueAdmin
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

    @admin.display(description="Message", boolean=True)
    def reported_message(self, report: PersonReport) -> bool:
        return report.message_id is not None

    def decide_report(self, *, staff: User, report_id: int, decision: str, reason: str) -> object:
        return safety.decide_report(staff=staff, report_id=report_id, decision=decision, reason=reason)

    @admin.action(description="Close: action taken", permissions=["change"])
    def action_taken(self, request: SignedInRequest, queryset: QuerySet) -> HttpResponse | None:
        return self.decide(request, queryset, ReportDecision.ACTION, "action_taken", "Action taken")

    @admin.action(description="Close: no action needed", permissions=["change"])
    def no_action(self, request: SignedInRequest, queryset: QuerySet) -> HttpResponse | None:
        return self.decide(request, queryset, ReportDecision.DISMISS, "no_action", "No action needed")
