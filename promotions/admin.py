"""Staff's desk for promo codes: Sharing-funded codes are made here (through the service), any code can be stopped."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.admin_tools import ReadOnlyMixin
from core.errors import DomainError
from core.money import CURRENCIES
from listings.models import ListingKind
from promotions import services
from promotions.models import CreditAccount, CreditMovement, PromoCode, Redemption, Referral
from promotions.terms import Funder


class PlatformCodeForm(forms.ModelForm):
    """Staff make Sharing-funded codes; amounts in minor units (cents, or yen) of `currency`."""

    percent = forms.DecimalField(required=False, min_value=Decimal("0.01"), max_value=100, decimal_places=2)
    currency = forms.ChoiceField(choices=[("", "Any")] + [(code, code) for code in CURRENCIES], required=False)
    kind_choices = forms.MultipleChoiceField(
        choices=ListingKind.choices, required=False, widget=forms.CheckboxSelectMultiple, label="Kinds"
    )

    class Meta:
        model = PromoCode
        fields = [
            "code",
            "amount_off",
            "currency",
            "min_spend",
            "first_booking_only",
            "per_person_limit",
            "budget",
            "valid_from",
            "valid_until",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.request_user = kwargs.pop("request_user", None)
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors or self.request_user is None:
            return data
        try:
            services.code_terms(by=self.request_user, **_code_arguments(data))
        except DomainError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        return data


def _code_arguments(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": data["code"],
        "funded_by": Funder.PLATFORM,
        "percent": data.get("percent"),
        "amount_off": data.get("amount_off") or 0,
        "currency": data.get("currency") or "",
        "min_spend": data.get("min_spend") or 0,
        "kinds": data.get("kind_choices") or [],
        "first_booking_only": data.get("first_booking_only", False),
        "per_person_limit": data.get("per_person_limit") or 1,
        "budget": data.get("budget"),
        "valid_from": data["valid_from"],
        "valid_until": data["valid_until"],
    }


@admin.register(PromoCode)
class PromoCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "funded_by", "host", "percent_bps", "amount_off", "currency", "budget", "spent", "active"]
    list_filter = ["funded_by", "active"]
    search_fields = ["code"]
    actions = ["stop_codes"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = PlatformCodeForm
            form = super().get_form(request, obj, change=change, **kwargs)
            user = request.user

            class PlatformCodeFormForUser(form):  # type: ignore[valid-type, misc]
                def __init__(self, *args: Any, **inner: Any) -> None:
                    super().__init__(*args, request_user=user, **inner)

            return PlatformCodeFormForUser
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return [*PlatformCodeForm.Meta.fields[:1], "percent", *PlatformCodeForm.Meta.fields[1:], "kind_choices"]
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return []
        # Once made, a code's terms are what its guests were promised: only stopping it is allowed.
        return [field.name for field in PromoCode._meta.fields]

    def save_model(self, request: HttpRequest, obj: PromoCode, form: Any, change: bool) -> None:
        if change:
            return
        # The form already checked the terms with the service (PlatformCodeForm.clean).
        made = services.create_code(by=cast(User, request.user), **_code_arguments(form.cleaned_data))
        obj.pk = made.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Stop the selected codes"))
    def stop_codes(self, request: HttpRequest, queryset: Any) -> None:
        for code in queryset:
            services.deactivate_code(by=cast(User, request.user), code_id=code.pk)
        messages.success(request, "Stopped.")


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["code", "guest", "reference", "amount", "returned", "currency", "status", "created_at"]
    list_filter = ["status"]


@admin.register(Referral)
class ReferralAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["referrer", "referred", "created_at", "rewarded_at", "rewarded_reference"]


@admin.register(CreditAccount)
class CreditAccountAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["user", "currency", "balance"]


@admin.register(CreditMovement)
class CreditMovementAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["account", "amount", "reason", "reference", "created_at"]
