"""Money records in the admin: readable by staff, never editable (corrections are new transactions)."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_tools import ReadOnlyInline, ReadOnlyMixin
from core.errors import DomainError
from core.money import format_money
from payments import tax_report
from payments.models import (
    LedgerEntry,
    LedgerTransaction,
    MoneyOperation,
    Payment,
    Payout,
    PayoutAccount,
    StripeEvent,
    StripeMismatch,
)
from payments.templatetags.money_trail import money_trail


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    pass


class LedgerEntryInline(ReadOnlyInline):
    model = LedgerEntry
    fields = ("account", "amount", "currency")
    readonly_fields = fields


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ("pk", "created_at", "reference", "what")
    search_fields = ("reference", "description")
    list_filter = ("created_at",)
    inlines = [LedgerEntryInline]

    @admin.display(description=_("What"))
    def what(self, ledger_tx: LedgerTransaction) -> str:
        return ledger_tx.text


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("pk", "transaction", "account", "signed_amount")
    list_filter = ("account", "currency")
    search_fields = ("account", "transaction__reference")

    @admin.display(description=_("amount"))
    def signed_amount(self, entry: LedgerEntry) -> str:
        return format_money(entry.amount, entry.currency)

    def get_urls(self):
        own = [
            path(
                "tax-report/",
                self.admin_site.admin_view(self.tax_report_view),
                name="payments_ledgerentry_tax_report",
            )
        ]
        return own + super().get_urls()

    def tax_report_view(self, request: HttpRequest) -> HttpResponse:
        """?month=YYYY-MM: the month's taxes per jurisdiction as CSV (payments.tax_report); a bad month is a 400."""
        if not self.has_view_permission(request):
            raise DjangoPermissionDenied
        try:
            month = tax_report.parse_month(request.GET.get("month"))
        except DomainError as error:
            return HttpResponseBadRequest(error.message, content_type="text/plain; charset=utf-8")
        body = tax_report.report_csv(month, tax_report.monthly_tax_report(month))
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="taxes-{month:%Y-%m}.csv"'
        return response


class PaymentLedgerInline(ReadOnlyInline):
    """The payment's money trail, right on its page."""

    model = LedgerTransaction
    fk_name = "payment"
    fields = ("created_at", "what")
    readonly_fields = fields

    @admin.display(description=_("What"))
    def what(self, ledger_tx: LedgerTransaction) -> str:
        return ledger_tx.text

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("pk", "reference", "payer", "total", "status", "frozen", "created_at")
    list_filter = ("status", "frozen", "currency")
    search_fields = ("reference", "stripe_payment_intent_id", "payer__email")
    inlines = [PaymentLedgerInline]
    fields = (
        "reference",
        "payer",
        "amount",
        "currency",
        "status",
        "captured_amount",
        "refunded_amount",
        "host_payout_amount",
        "platform_fee_amount",
        "frozen",
        "frozen_reason",
        "failure_message",
        "stripe_payment_intent_id",
        "stripe_dispute_id",
        "created_at",
        "updated_at",
        "money_trail_table",
    )
    readonly_fields = ("money_trail_table",)

    @admin.display(description=_("money trail of this reference"))
    def money_trail_table(self, payment: Payment) -> str:
        return render_to_string("payments/_money_trail.html", money_trail(payment.reference))

    @admin.display(description=_("amount"))
    def total(self, payment: Payment) -> str:
        return format_money(payment.amount, payment.currency)


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    """Payouts; filter on "waiting" for the ones stuck, with why (`last_error`) and the scheduler's next try."""

    list_display = (
        "pk",
        "host",
        "payment",
        "amount",
        "currency",
        "status",
        "attempts",
        "needs_staff",
        "last_error",
        "next_attempt_at",
        "created_at",
        "paid_at",
    )
    list_filter = ("status", "needs_staff")
    search_fields = ("host__email", "stripe_transfer_id", "payment__reference")
    actions = ["try_again"]

    @admin.action(description=_("Try the transfer again (same key; the scheduler resumes its retries)"))
    def try_again(self, request: HttpRequest, queryset: object) -> None:
        from payments.services.host_payouts import send_payout

        waiting = queryset.filter(status=Payout.Status.WAITING)  # type: ignore[attr-defined]
        waiting.update(needs_staff=False, attempts=0, next_attempt_at=None)
        sent = sum(send_payout(payout=payout).status == Payout.Status.PAID for payout in waiting)
        said = ngettext("%(count)d payout sent.", "%(count)d payouts sent.", sent)
        self.message_user(request, said % {"count": sent})


@admin.register(PayoutAccount)
class PayoutAccountAdmin(ReadOnlyAdmin):
    list_display = ("host", "stripe_account_id", "charges_enabled", "payouts_enabled", "refreshed_at")
    search_fields = ("host__email", "stripe_account_id")


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    """Stripe's events; filter on "Failed too often: needs staff" for the ones the scheduler stopped retrying."""

    list_display = ("event_id", "type", "status", "attempts", "next_attempt_at", "received_at", "processed_at")
    list_filter = ("status", "type")
    search_fields = ("event_id",)
    actions = ["process_again"]

    @admin.action(description=_("Process again (the handler re-reads Stripe; nothing is recorded twice)"))
    def process_again(self, request: HttpRequest, queryset: object) -> None:
        from payments.webhooks import process_event

        stuck = queryset.filter(status__in=[StripeEvent.Status.FAILED, StripeEvent.Status.GAVE_UP])  # type: ignore[attr-defined]
        stuck.update(status=StripeEvent.Status.FAILED, attempts=0, next_attempt_at=None)
        done = sum(process_event(event=event).status == StripeEvent.Status.PROCESSED for event in stuck.all())
        said = ngettext("%(count)d event processed.", "%(count)d events processed.", done)
        self.message_user(request, said % {"count": done})


@admin.register(MoneyOperation)
class MoneyOperationAdmin(ReadOnlyAdmin):
    """The money outbox, and its staff queue: filter on "Failed: needs staff"."""

    list_display = ("pk", "kind", "payment", "amount", "status", "attempts", "next_attempt_at", "last_error")
    list_filter = ("status", "kind")
    search_fields = ("payment__reference", "uid", "stripe_object_id")
    actions = ["send_again"]

    @admin.action(description=_("Send again to Stripe (same key and amount)"))
    def send_again(self, request: HttpRequest, queryset: object) -> None:
        from django.utils import timezone

        from payments.outbox import send_operation

        sent = 0
        for operation in queryset.filter(status=MoneyOperation.Status.FAILED):  # type: ignore[attr-defined]
            # Back to pending with a fresh budget of tries; the key is the row's, so nothing happens twice.
            MoneyOperation.objects.filter(pk=operation.pk, status=MoneyOperation.Status.FAILED).update(
                status=MoneyOperation.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
            )
            if send_operation(operation_id=operation.pk).status == MoneyOperation.Status.DONE:
                sent += 1
        self.message_user(
            request,
            ngettext("%(count)d operation went through.", "%(count)d operations went through.", sent) % {"count": sent},
        )


@admin.register(StripeMismatch)
class StripeMismatchAdmin(ReadOnlyAdmin):
    """The reconciliation's staff queue (`manage.py reconcile_stripe`): open rows are what still differs."""

    list_display = ("key", "what", "ours", "stripe", "found_at", "last_seen_at", "resolved_at")
    list_filter = ("what", ("resolved_at", admin.EmptyFieldListFilter))
    search_fields = ("key", "payment__reference")
