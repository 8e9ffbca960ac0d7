"""Listings on the admin desk: the queue of reported listings, decided through the services."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from core.admin_tools import ReportQueueAdmin
from core.requests import SignedInRequest, User
from listings import services
from listings.models import Listing, ListingReport, ListingReportDecision


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "owner", "city", "unit_price", "currency", "created_at"]
    list_filter = ["kind", "status", "instant_book", "cancellation_policy"]
    search_fields = ["title", "city", "owner__email"]
    readonly_fields = [field.name for field in Listing._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ListingReport)
class ListingReportAdmin(ReportQueueAdmin):
    """The moderation queue: open reports first; removing a listing soft-deletes it, with the reason kept."""

    list_display = ["listing", "reporter", "created_at", "decision", "decided_by", "decided_at"]
    list_filter = ["decision"]
    search_fields = ["listing__title", "reporter__email", "reason"]
    readonly_fields = [field.name for field in ListingReport._meta.fields]
    actions = ["remove_listing", "keep_listing"]

    def decide_report(self, *, staff: User, report_id: int, decision: str, reason: str) -> object:
        return services.decide_listing_report(staff=staff, report_id=report_id, decision=decision, reason=reason)

    @admin.action(description=_("Remove the reported listings"), permissions=["change"])
    def remove_listing(self, request: SignedInRequest, queryset: QuerySet) -> HttpResponse | None:
        return self.decide(request, queryset, ListingReportDecision.REMOVE, "remove_listing", "Remove listings")

    @admin.action(description=_("Keep the reported listings"), permissions=["change"])
    def keep_listing(self, request: SignedInRequest, queryset: QuerySet) -> HttpResponse | None:
        return self.decide(request, queryset, ListingReportDecision.KEEP, "keep_listing", "Keep listings")
