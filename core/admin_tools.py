"""Helpers shared by the admin desk: read-only record pages and moderation actions (reviews, listings)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from core.pages import apply_each


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
    title: str,
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
