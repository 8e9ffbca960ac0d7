"""The host's promo code form (amounts typed in the currency's units, turned into minor units exactly)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from core.money import CURRENCIES, CURRENCY_CHOICE_ERRORS, to_minor
from listings.models import Listing, ListingKind


class HostCodeForm(forms.Form):
    code = forms.CharField(max_length=32, help_text="Letters, digits and dashes, e.g. SUMMER-10.")
    listing = forms.ModelChoiceField(queryset=Listing.objects.none(), required=False, empty_label="All my listings")
    percent = forms.DecimalField(
        required=False, min_value=Decimal("0.01"), max_value=100, decimal_places=2, label="Percent off"
    )
    amount_off = forms.DecimalField(required=False, min_value=Decimal("0.01"), label="Or an amount off")
    currency = forms.ChoiceField(
        choices=[("", "Any")] + [(code, code) for code in CURRENCIES],
        required=False,
        error_messages=CURRENCY_CHOICE_ERRORS,
    )
    min_spend = forms.DecimalField(required=False, min_value=0, label="Minimum total")
    kinds = forms.MultipleChoiceField(
        choices=ListingKind.choices, required=False, widget=forms.CheckboxSelectMultiple, help_text="Empty: all."
    )
    first_booking_only = forms.BooleanField(required=False)
    per_person_limit = forms.IntegerField(min_value=1, max_value=100, initial=1)
    budget = forms.DecimalField(required=False, min_value=Decimal("0.01"), label="Total budget")
    valid_from = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    valid_until = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def __init__(self, *args: Any, host: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["listing"].queryset = Listing.objects.filter(owner=host).exclude(status="deleted")  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("valid_from", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        currency = data.get("currency") or ""
        for name in ("amount_off", "min_spend", "budget"):
            value = data.get(name)
            if value in (None, Decimal(0)):
                data[name] = 0 if name != "budget" else None
                continue
            if not currency:
                self.add_error("currency", "An amount, a minimum or a budget needs a currency.")
                return data
            try:
                data[name] = to_minor(value, currency)
            except ValueError as error:
                self.add_error(name, str(error))
        return data
