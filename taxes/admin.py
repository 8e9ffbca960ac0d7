"""Staff's desk for tax rates: VAT per country and occupancy taxes per city, with their validity dates.

Overlapping validity for the same country (VAT) or city (occupancy) is refused with a message that
names the rate in the way; PostgreSQL's exclusion constraints back it up (migration 0001).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from core.money import CURRENCIES
from listings.models import ListingKind
from taxes.models import OccupancyTax, VatRate
from taxes.selectors import overlapping


def _country(value: str) -> str:
    code = (value or "").strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise forms.ValidationError("Give the country as two letters, e.g. FR.")
    return code


def _refuse_overlap(form: forms.ModelForm, *, what: str, key: dict[str, str]) -> None:
    data = form.cleaned_data
    valid_from, valid_to = data.get("valid_from"), data.get("valid_to")
    if valid_from is None:
        return
    if valid_to is not None and valid_to < valid_from:
        form.add_error("valid_to", "The last day cannot come before the first.")
        return
    clash = overlapping(
        form._meta.model, key=key, valid_from=valid_from, valid_to=valid_to, exclude_pk=form.instance.pk
    ).first()
    if clash is not None:
        until = clash.valid_to or "further notice"
        form.add_error(
            "valid_from",
            f"{what} already has a rate from {clash.valid_from} to {until}. End that one first "
            "(set its last day), or choose dates that do not overlap it.",
        )


class VatRateForm(forms.ModelForm):
    # Longer than the column, so that "France" gets the message below rather than a length error.
    country = forms.CharField(max_length=40, help_text="Two letters, e.g. FR.")

    class Meta:
        model = VatRate
        fields = ["country", "rate", "valid_from", "valid_to"]

    def clean_country(self) -> str:
        return _country(self.cleaned_data.get("country", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "country" in data and not self.errors:
            _refuse_overlap(self, what=f"VAT for {data['country']}", key={"country": data["country"]})
        return data


class OccupancyTaxForm(forms.ModelForm):
    country = forms.CharField(max_length=40, help_text="Two letters, e.g. FR.")
    kinds = forms.MultipleChoiceField(
        choices=ListingKind.choices, initial=[ListingKind.ROOM], widget=forms.CheckboxSelectMultiple
    )
    currency = forms.ChoiceField(choices=[("", "—")] + [(code, code) for code in CURRENCIES], required=False)

    class Meta:
        model = OccupancyTax
        fields = ["country", "city", "per_person_night", "currency", "percent", "kinds", "valid_from", "valid_to"]

    def clean_country(self) -> str:
        return _country(self.cleaned_data.get("country", ""))

    def clean_city(self) -> str:
        city = " ".join((self.cleaned_data.get("city") or "").split())
        if not city:
            raise forms.ValidationError("Name the city, as listings spell it.")
        return city

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        per_person, percent = data.get("per_person_night") or 0, data.get("percent") or 0
        if bool(per_person) == bool(percent):
            self.add_error(
                None, "Charge it one way: an amount per person per night (with its currency) or a percentage."
            )
        elif per_person and not data.get("currency"):
            self.add_error("currency", "Say which currency the amount per person per night is in.")
        elif percent and percent > 100:
            self.add_error("percent", "A percentage is at most 100.")
        if percent and not per_person:
            data["currency"] = ""
        if "country" in data and "city" in data and not self.errors:
            _refuse_overlap(
                self,
                what=f"{data['city']} ({data['country']})",
                key={"country": data["country"], "city__iexact": data["city"]},
            )
        return data


@admin.register(VatRate)
class VatRateAdmin(admin.ModelAdmin):
    form = VatRateForm
    list_display = ["country", "rate", "valid_from", "valid_to"]
    list_filter = ["country"]
    search_fields = ["country"]


@admin.register(OccupancyTax)
class OccupancyTaxAdmin(admin.ModelAdmin):
    form = OccupancyTaxForm
    list_display = ["city", "country", "per_person_night", "currency", "percent", "valid_from", "valid_to"]
    list_filter = ["country"]
    search_fields = ["city", "country"]
