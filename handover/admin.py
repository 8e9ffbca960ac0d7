"""The desk's view of car handovers: reports, returns and deposits, read-only (decisions go through services)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin_tools import ReadOnlyMixin
from handover.models import Deposit, HandoverReport, ReportAnswer, Settlement


@admin.register(HandoverReport)
class HandoverReportAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["booking", "stage", "side", "odometer_km", "fuel_percent", "created_at", "confirmed_at", "page"]
    list_filter = ["stage", "side"]
    search_fields = ["booking__id", "author__email"]

    @admin.display(description=_("Reports and photos"))
    def page(self, report: HandoverReport) -> str:
        return format_html(
            '<a href="{}">Open</a>', reverse("handover:detail", kwargs={"booking_id": report.booking_id})
        )


@admin.register(ReportAnswer)
class ReportAnswerAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The other side's final answer to each report; a contest with its parts, reason and dispute."""

    list_display = ["report", "kind", "side", "answered_by", "contested_fields", "dispute_id", "created_at"]
    list_filter = ["kind", "side"]
    search_fields = ["report__booking__id", "answered_by__email"]


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["booking", "driven_km", "included_km", "extra_km", "extra_amount", "currency", "charge_status"]
    list_filter = ["charge_status"]


@admin.register(Deposit)
class DepositAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Claims waiting for a decision first; the decision itself is made on the desk page (amount and reason)."""

    list_display = [
        "booking",
        "amount",
        "currency",
        "status",
        "held_at",
        "release_after",
        "claim_amount",
        "renewal_error",
        "decision",
    ]
    list_filter = ["status"]
    ordering = ["status", "release_after"]

    @admin.display(description=_("Claim"))
    def decision(self, deposit: Deposit) -> str:
        if deposit.claim_amount is None:
            return "-"
        url = reverse("handover:decide_claim", kwargs={"deposit_id": deposit.pk})
        return format_html('<a href="{}">{}</a>', url, "Decide" if deposit.status == "claimed" else "See")
