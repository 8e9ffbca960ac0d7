"""Exchange rates on the admin desk: read-only, with a warning when search's rates are refused, missing or stale."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse

from core.admin_tools import ReadOnlyMixin
from core.models import ExchangeRate, RateLoad
from core.rates import staff_warning


class _WarnsAboutRates(ReadOnlyMixin, admin.ModelAdmin):
    """Rates come only from `manage.py load_rates`; the list pages say when search's rates need attention."""

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        warning = staff_warning()
        if warning:
            messages.warning(request, warning)
        return super().changelist_view(request, extra_context)


@admin.register(ExchangeRate)
class ExchangeRateAdmin(_WarnsAboutRates):
    list_display = ["day", "currency", "per_euro", "loaded_at"]
    list_filter = ["currency"]
    date_hierarchy = "day"


@admin.register(RateLoad)
class RateLoadAdmin(_WarnsAboutRates):
    list_display = ["attempted_at", "accepted", "day", "source", "message"]
    list_filter = ["accepted"]
