"""The admin's desk: disputes with their booking, money, thread, evidence and the parties' history.

Nothing on the desk moves money except the resolve view, which is a POST with a confirm
step calling `services.resolve_dispute`. Bulk actions only record that staff looked.
Every decision lands in AdminDecision and is listed on the dispute's page.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, gettext_lazy, ngettext

from accounts.admin import UserAdmin
from accounts.models import User
from core.admin_tools import ReadOnlyInline
from core.money import format_money
from core.pages import one_by_one, refusals
from core.requests import SignedInRequest
from disputes import selectors, services
from disputes.forms import EvidenceRequestForm, ResolveForm
from disputes.models import STALE_AFTER, AdminDecision, Dispute, DisputeEvidence
from realtime.models import Thread
from realtime.selectors import recent_messages


def decisions_for(obj: Model) -> QuerySet[AdminDecision]:
    """The audit log of one object, newest first (other apps' admin pages can show it the same way)."""
    content_type = ContentType.objects.get_for_model(obj)
    return AdminDecision.objects.filter(content_type=content_type, object_id=obj.pk).select_related("staff")


class AgeFilter(admin.SimpleListFilter):
    title = gettext_lazy("age")
    parameter_name = "age"
    BUCKETS = {"24h": (None, 1), "1-3d": (1, 3), "3-7d": (3, 7), "7d+": (7, None)}

    def lookups(self, request, model_admin):
        return [
            ("24h", gettext("Under 24 hours")),
            ("1-3d", gettext("1 to 3 days")),
            ("3-7d", gettext("3 to 7 days")),
            ("7d+", gettext("Over a week")),
        ]

    def queryset(self, request, queryset):
        if self.value() not in self.BUCKETS:
            return queryset
        low, high = self.BUCKETS[self.value()]
        now = timezone.now()
        if low is not None:
            queryset = queryset.filter(created_at__lte=now - timedelta(days=low))
        if high is not None:
            queryset = queryset.filter(created_at__gt=now - timedelta(days=high))
        return queryset


class AmountFilter(admin.SimpleListFilter):
    """By what the guest paid for the booking (minor units, so 10000 is 100.00)."""

    title = gettext_lazy("amount paid")
    parameter_name = "amount"
    BUCKETS = {"lt100": (None, 10_000), "100-500": (10_000, 50_000), "500+": (50_000, None)}

    def lookups(self, request, model_admin):
        return [("lt100", gettext("Under 100")), ("100-500", gettext("100 to 500")), ("500+", gettext("500 and more"))]

    def queryset(self, request, queryset):
        if self.value() not in self.BUCKETS:
            return queryset
        low, high = self.BUCKETS[self.value()]
        if low is not None:
            queryset = queryset.filter(booking__total__gte=low)
        if high is not None:
            queryset = queryset.filter(booking__total__lt=high)
        return queryset


class FlaggedFilter(admin.SimpleListFilter):
    title = gettext_lazy("needs attention")
    parameter_name = "flagged"

    def lookups(self, request, model_admin):
        return [("stale", gettext("Untouched by staff for 72 h"))]

    def queryset(self, request, queryset):
        if self.value() == "stale":
            return queryset.filter(pk__in=selectors.stale_disputes().values("pk"))
        return queryset


class EvidenceInline(ReadOnlyInline):
    model = DisputeEvidence
    fields = ("thumbnail", "caption", "uploader", "created_at")
    readonly_fields = fields

    @admin.display(description=gettext_lazy("photo"))
    def thumbnail(self, evidence: DisputeEvidence) -> str:
        return format_html(
            '<a href="{}"><img src="{}" alt="{}" style="max-width:160px;max-height:120px"></a>',
            evidence.image.url,
            evidence.image.url,
            gettext("evidence"),
        )


def _looked_at(count: int) -> str:
    said = ngettext("%(count)d dispute marked as looked at.", "%(count)d disputes marked as looked at.", count)
    return said % {"count": count}


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ("pk", "booking_link", "category", "status", "source", "created_at", "paid", "flag")
    list_filter = ("status", AgeFilter, "category", AmountFilter, FlaggedFilter, "source")
    # Text fields only: an id search with a huge number overflows SQLite's integers.
    search_fields = (
        "booking__guest__email",
        "booking__listing__owner__email",
        "booking__listing__title",
        "description",
        "=stripe_dispute_id",
    )
    list_select_related = ("booking",)
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in Dispute._meta.fields]
    inlines = [EvidenceInline]
    actions = ["mark_reviewed"]
    change_form_template = "disputes/admin/change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # disputes are opened by the parties or by a chargeback, never by hand

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description=gettext_lazy("booking"))
    def booking_link(self, dispute: Dispute) -> str:
        return format_html('<a href="{}">#{}</a>', dispute.booking.get_absolute_url(), dispute.booking_id)

    @admin.display(description=gettext_lazy("paid by the guest"))
    def paid(self, dispute: Dispute) -> str:
        return format_money(dispute.booking.total, dispute.booking.currency)

    @admin.display(description=gettext_lazy("flag"))
    def flag(self, dispute: Dispute) -> str:
        return "⚑ " + gettext("untouched 72 h") if dispute.is_stale() else ""

    @admin.action(description=gettext_lazy("Mark as looked at (clears the 72-hour flag; moves no money)"))
    @one_by_one(done=_looked_at)
    def mark_reviewed(self, request: SignedInRequest, dispute: Dispute) -> None:
        services.mark_reviewed(staff=request.user, dispute_id=dispute.pk, reason="Looked at on the desk")

    # --- The dispute page -------------------------------------------------------------------

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        dispute = self.get_object(request, object_id)
        if dispute is not None and self.has_view_or_change_permission(request, dispute):
            extra_context = {**(extra_context or {}), **self._desk_context(request, dispute)}
        # Every field is read-only: decisions go through the resolve and evidence views, never "Save".
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _desk_context(self, request: HttpRequest, dispute: Dispute) -> dict:
        booking = dispute.booking
        thread = Thread.objects.filter(key=dispute.thread_key).first()
        limits = selectors.settlement_limits(booking)
        return {
            "dispute": dispute,
            "booking": booking,
            "reference": selectors.booking_reference(booking),
            "limits": limits,
            "available": format_money(limits.available, limits.currency),
            "thread": thread,
            "thread_messages": recent_messages(thread, limit=50) if thread else [],
            "histories": [
                (gettext("Guest"), selectors.party_history(person=booking.guest, exclude_dispute=dispute)),
                (gettext("Host"), selectors.party_history(person=booking.listing.owner, exclude_dispute=dispute)),
            ],
            "decisions": decisions_for(dispute),
            "stale": dispute.is_stale(),
            "stale_hours": int(STALE_AFTER.total_seconds() // 3600),
            "can_act": self.has_change_permission(request, dispute) and not dispute.is_resolved,
        }

    # --- Custom views: resolve, ask for evidence ---------------------------------------------

    def get_urls(self):
        own = [
            path(
                "<int:dispute_id>/resolve/",
                self.admin_site.admin_view(self.resolve_view),
                name="disputes_dispute_resolve",
            ),
            path(
                "<int:dispute_id>/request-evidence/",
                self.admin_site.admin_view(self.request_evidence_view),
                name="disputes_dispute_request_evidence",
            ),
        ]
        return own + super().get_urls()

    def _dispute_for_action(self, request: HttpRequest, dispute_id: int) -> Dispute:
        dispute = (
            Dispute.objects.select_related("booking", "booking__listing", "booking__guest")
            .filter(pk=dispute_id)
            .first()
        )
        if dispute is None:
            raise Http404("No such dispute.")
        if not self.has_change_permission(request, dispute):
            raise DjangoPermissionDenied
        return dispute

    def _change_url(self, dispute: Dispute) -> str:
        return reverse("admin:disputes_dispute_change", args=[dispute.pk])

    def resolve_view(self, request: SignedInRequest, dispute_id: int) -> HttpResponse:
        """GET: the form. POST: the preview (who gets what). POST with `confirm`: the money moves."""
        dispute = self._dispute_for_action(request, dispute_id)
        limits = selectors.settlement_limits(dispute.booking)
        form = ResolveForm(request.POST or None, currency=limits.currency)
        plan = None
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            with refusals(form=form):
                if "confirm" in request.POST:
                    services.resolve_dispute(
                        staff=request.user,
                        dispute_id=dispute.pk,
                        guest_refund=data["guest_refund"],
                        host_payout=data["host_payout"],
                        reason=data["reason"],
                    )
                    messages.success(
                        request,
                        gettext("Dispute #%(number)s is resolved; both parties were told why.")
                        % {"number": dispute.pk},
                    )
                    return HttpResponseRedirect(self._change_url(dispute))
                plan = services.plan_settlement(
                    dispute=dispute, guest_refund=data["guest_refund"], host_payout=data["host_payout"]
                )
        booking = dispute.booking
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Resolve dispute #%(number)s") % {"number": dispute.pk},
            "dispute": dispute,
            "form": form,
            "plan": plan,
            # The refund's way back by tender, as the settlement will split it (shown before confirming).
            "split": selectors.refund_split(booking, refund=plan.guest_refund) if plan else None,
            # What comes back from Sharing's side, by source: the taxes collected at the release, then its fee.
            "sources": selectors.fee_sources(booking, refund=plan.guest_refund, fee_back=plan.fee_back)
            if plan
            else None,
            # Sharing's fees on the booking, to say whether what Sharing would keep is more than them.
            "sharing_fees": booking.guest_service_fee + booking.host_service_fee,
            "limits": limits,
            "available": format_money(limits.available, limits.currency),
            "change_url": self._change_url(dispute),
        }
        status = 400 if form.errors else 200
        return TemplateResponse(request, "disputes/admin/resolve.html", context, status=status)

    def request_evidence_view(self, request: SignedInRequest, dispute_id: int) -> HttpResponse:
        dispute = self._dispute_for_action(request, dispute_id)
        form = EvidenceRequestForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            with refusals(form=form) as refused:
                services.request_more_evidence(
                    staff=request.user,
                    dispute_id=dispute.pk,
                    message=form.cleaned_data["message"],
                    deadline=form.cleaned_data["deadline"],
                )
            if not refused:
                messages.success(request, gettext("Both parties were asked for more evidence."))
                return HttpResponseRedirect(self._change_url(dispute))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Ask for more evidence on dispute #%(number)s") % {"number": dispute.pk},
            "dispute": dispute,
            "form": form,
            "change_url": self._change_url(dispute),
        }
        return TemplateResponse(
            request, "disputes/admin/request_evidence.html", context, status=400 if form.errors else 200
        )


@admin.register(AdminDecision)
class AdminDecisionAdmin(admin.ModelAdmin):
    """The audit log: readable, never editable."""

    list_display = ("at", "staff", "action", "content_type", "object_id", "reason")
    list_filter = ("action", "content_type")
    search_fields = ("reason", "staff__email")
    readonly_fields = ("at", "staff", "action", "reason", "details", "content_type", "object_id")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


# People on the desk: the person's admin page also lists the staff decisions about them
# (suspensions and their lifting), who took each, when and why.
admin.site.unregister(User)


@admin.register(User)
class PersonDeskAdmin(UserAdmin):
    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return [*super().get_readonly_fields(request, obj), "staff_decisions"]

    def get_fieldsets(self, request: HttpRequest, obj: object = None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None:
            fieldsets.append(("Staff decisions about this person", {"fields": ["staff_decisions"]}))
        return fieldsets

    @admin.display(description=gettext_lazy("Decisions"))
    def staff_decisions(self, person: User) -> str:
        decisions = decisions_for(person)
        if not decisions:
            return "None"
        items = format_html_join(
            "",
            "<li>{} · {} · {}: {}</li>",
            (
                (f"{decision.at:%Y-%m-%d %H:%M}", decision.staff, decision.get_action_display(), decision.reason)
                for decision in decisions
            ),
        )
        return format_html("<ul>{}</ul>", items)
