"""Staff view of email and push deliveries: what was sent, what is waiting, and what failed for good (and why)."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications import bounces, services
from notifications.models import Delivery, Preference, PushSubscription, UndeliverableAddress


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("id", "recipient", "channel", "kind", "status", "attempts", "due_at", "sent_at", "last_error")
    list_filter = ("status", "channel", "kind")
    search_fields = ("recipient__email", "kind")
    raw_id_fields = ("notification", "recipient", "batched_into")
    readonly_fields = [f.name for f in Delivery._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Send the selected failed deliveries again"))
    def retry(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = services.retry_failed(delivery_ids=list(queryset.values_list("pk", flat=True)))
        messages.success(
            request,
            ngettext("%(count)s delivery queued again.", "%(count)s deliveries queued again.", count)
            % {"count": count},
        )


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "channel", "enabled", "updated_at")
    list_filter = ("channel", "enabled")
    search_fields = ("user__email", "kind")
    raw_id_fields = ("user",)


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "user_agent", "created_at", "last_success_at")
    search_fields = ("user__email",)
    raw_id_fields = ("user",)


@admin.register(UndeliverableAddress)
class UndeliverableAddressAdmin(admin.ModelAdmin):
    """Addresses no notification email goes to, because the provider reported a bounce or a spam complaint."""

    list_display = ("email", "person", "reason", "provider", "occurred_at", "detail")
    list_filter = ("reason", "provider")
    search_fields = ("email",)
    readonly_fields = [f.name for f in UndeliverableAddress._meta.fields]
    actions = ["clear"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("person"))
    def person(self, record: UndeliverableAddress) -> str:
        owner = get_user_model().objects.filter(email__iexact=record.email).first()
        return str(owner) if owner else "(nobody has this address now)"

    @admin.action(description=_("Email these addresses again (the person fixed their mailbox)"))
    def clear(self, request: HttpRequest, queryset: QuerySet[UndeliverableAddress]) -> None:
        count = bounces.clear(emails=list(queryset.values_list("email", flat=True)))
        messages.success(
            request,
            ngettext("%(count)s address will get email again.", "%(count)s addresses will get email again.", count)
            % {"count": count},
        )
