"""Helpers shared by the admin desk: read-only record pages and the report queues (people, listings, reviews)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.functional import Promise

from core.pages import apply_each
from core.requests import SignedInRequest, User


class ReadOnlyMixin:
    """Records kept for the books (ledger, payments, reviews): nobody adds, changes or deletes them by hand."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows shown under their parent's admin page, never edited there."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


def ask_reason_then_apply(
    request: HttpRequest,
    queryset: QuerySet,
    *,
    action: str,
    title: str | Promise,
    apply: Callable[[Model, str], object],
) -> HttpResponse | None:
    """An admin action that asks for the reason on an intermediate page, then applies a service to each object.

    The reason is required because every moderation decision is kept on record.
    """
    reason = (request.POST.get("reason") or "").strip()
    if "apply" not in request.POST or not reason:
        if "apply" in request.POST:
            messages.error(request, "Give a reason: it is kept on record.")
        context = {"title": title, "queryset": queryset, "action": action, "opts": queryset.model._meta}
        return TemplateResponse(request, "admin/ask_reason.html", context)
    done = apply_each(request, queryset, lambda obj: apply(obj, reason))
    messages.success(request, f"{title}: {done} done.")
    return None


class ReportQueueAdmin(admin.ModelAdmin):
    """A staff queue of reports: nobody files or deletes a report here, every decision asks for a reason.

    Subclasses name the app's decide service in `decide_report` and declare one action per decision,
    each calling `self.decide(...)`, so the reason page and the per-report refusals are written once.
    """

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def decide_report(self, *, staff: User, report_id: int, decision: str, reason: str) -> object:
        raise NotImplementedError("a report queue names the service that decides its reports")

    def decide(self, request: SignedInRequest, queryset: QuerySet, decision: str, action: str, title: str):
        return ask_reason_then_apply(
            request,
            queryset,
            action=action,
            title=title,
            apply=lambda report, reason: self.decide_report(
                staff=request.user, report_id=report.pk, decision=decision, reason=reason
            ),
        )
