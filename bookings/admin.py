"""Bookings in the admin: searchable and readable with their history; status changes go through the services."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from bookings.models import Booking, BookingTransition, PaymentSchedule, PendingCheckout, StuckTransition


class BookingTransitionInline(admin.TabularInline):
    model = BookingTransition
    fields = ("at", "from_status", "to_status", "by", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ("id", "listing", "guest", "status", "start", "end", "total", "currency", "created_at")
    list_filter = ("status", "cancellation_policy", "listing__kind")
    search_fields = ("id", "listing__title", "guest__email", "listing__owner__email")
    date_hierarchy = "start"
    list_select_related = ("listing", "guest")
    inlines = [BookingTransitionInline]

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        # Every field: a status or an amount edited by hand would bypass the locks,
        # the calendar and (next) the money. Use the services instead.
        return [field.name for field in Booking._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(PendingCheckout)
class PendingCheckoutAdmin(admin.ModelAdmin):
    """3-D Secure checkouts: read-only; the sweep releases the unfinished ones after an hour."""

    list_display = ("uid", "listing", "guest", "total", "currency", "payment_id", "booking", "created_at")
    search_fields = ("uid", "guest__email", "listing__title")
    list_select_related = ("listing", "guest")

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return [field.name for field in PendingCheckout._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(PaymentSchedule)
class PaymentScheduleAdmin(admin.ModelAdmin):
    """Far-ahead bookings' payments: read-only; the scheduler charges, and lapses the unpaid (services.schedule)."""

    list_display = ("booking", "state", "charge_at", "pay_by", "paid_at", "failure_message")
    list_filter = ("state",)
    search_fields = ("booking__pk", "booking__guest__email")
    list_select_related = ("booking",)

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return [field.name for field in PaymentSchedule._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(StuckTransition)
class StuckTransitionAdmin(admin.ModelAdmin):
    """The staff queue of time-driven transitions that keep failing (filter on "gave up")."""

    list_display = ("step", "object_id", "attempts", "gave_up", "last_error", "next_attempt_at", "resolved_at")
    list_filter = ("gave_up", "step", ("resolved_at", admin.EmptyFieldListFilter))
    search_fields = ("object_id", "last_error")
    readonly_fields = (
        "step",
        "object_id",
        "attempts",
        "last_error",
        "first_failed_at",
        "last_failed_at",
        "resolved_at",
    )
    actions = ["try_again"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Try again at the next sweep (fresh tries)"))
    def try_again(self, request: HttpRequest, queryset: object) -> None:
        from django.utils import timezone

        count = queryset.update(gave_up=False, attempts=0, next_attempt_at=timezone.now())  # type: ignore[attr-defined]
        said = ngettext(
            "%(count)d transition will be tried again at the next sweep.",
            "%(count)d transitions will be tried again at the next sweep.",
            count,
        )
        self.message_user(request, said % {"count": count})
