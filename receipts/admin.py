"""The desk's view of issued documents: read-only; a correction is a credit note (asks for the reason)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from core.admin_tools import ReadOnlyMixin, ask_reason_then_apply
from core.requests import SignedInRequest
from receipts import services
from receipts.models import Document, NumberSeries


@admin.register(Document)
class DocumentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("display_number", "kind", "recipient", "booking", "currency", "total", "issued_at", "corrects")
    list_filter = ("kind", "series", "issuer")
    search_fields = ("recipient__email", "source")
    raw_id_fields = ("recipient", "booking", "ledger_transaction", "corrects")
    readonly_fields = [field.name for field in Document._meta.fields]
    actions = ["credit"]
    date_hierarchy = "issued_at"

    @admin.action(description=_("Correct with a credit note (asks for the reason)"))
    def credit(self, request: SignedInRequest, queryset: QuerySet[Document]) -> HttpResponse | None:
        return ask_reason_then_apply(
            request,
            queryset,
            action="credit",
            title="Issue credit notes",
            apply=lambda document, reason: services.issue_credit_note(
                original_id=document.pk, reason=reason, by=request.user
            ),
        )


@admin.register(NumberSeries)
class NumberSeriesAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("issuer", "series", "last_number")
