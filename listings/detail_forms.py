"""The forms of each kind's own details on the listing form: a room's beds and times, a car's prices and limits,
a driver's radius (the listing's common fields are in listings/forms.py)."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from listings.forms import MONEY, to_major, to_minor
from listings.models import Fuel, ListingKind, Transmission


class RoomForm(forms.Form):
    bedrooms = forms.IntegerField(label=_("Bedrooms"), min_value=0, max_value=50, initial=1)
    beds = forms.IntegerField(label=_("Beds"), min_value=1, max_value=100, initial=1)
    amenities = forms.CharField(
        label=_("Amenities"), required=False, help_text=_("Separated by commas: wifi, kitchen, washer…")
    )
    check_in_time = forms.TimeField(
        label=_("Check-in time"), initial=time(15), widget=forms.TimeInput(attrs={"type": "time"})
    )
    check_out_time = forms.TimeField(
        label=_("Check-out time"), initial=time(11), widget=forms.TimeInput(attrs={"type": "time"})
    )
    house_rules = forms.CharField(
        label=_("House rules"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def service_details(self, currency: str) -> dict:
        data = dict(self.cleaned_data)
        data["amenities"] = [item.strip() for item in data["amenities"].split(",") if item.strip()]
        return data

    @staticmethod
    def initial_for(details) -> dict:
        return {
            "bedrooms": details.bedrooms,
            "beds": details.beds,
            "amenities": ", ".join(details.amenities),
            "check_in_time": details.check_in_time,
            "check_out_time": details.check_out_time,
            "house_rules": details.house_rules,
        }


class CarForm(forms.Form):
    make = forms.CharField(label=_("Make"), max_length=60)
    model = forms.CharField(label=_("Model"), max_length=60)
    year = forms.IntegerField(label=_("Year"), min_value=1950, max_value=2100)
    transmission = forms.ChoiceField(label=_("Transmission"), choices=Transmission.choices)
    fuel = forms.ChoiceField(label=_("Fuel"), choices=Fuel.choices)
    day_price = forms.DecimalField(
        **MONEY,
        min_value=Decimal("0.01"),
        label=_("Price per day"),
        help_text=_(
            "The most 24 hours cost: a rental is priced by the hour, each day capped at this price "
            "(and so are the hours after the last full day)."
        ),
    )
    daily_distance_limit_km = forms.IntegerField(
        min_value=0, max_value=5000, initial=200, label=_("Km included per day")
    )
    extra_km_price = forms.DecimalField(
        **MONEY,
        min_value=Decimal("0"),
        initial=0,
        label=_("Price per extra km"),
        help_text=_("Charged after the return for each km beyond the included km per day."),
    )
    deposit_amount = forms.DecimalField(
        **MONEY,
        min_value=Decimal("0"),
        initial=0,
        required=False,
        label=_("Security deposit"),
        help_text=_("Held on the renter's card from pickup until 48 hours after the return; 0 for none."),
    )
    min_renter_age = forms.IntegerField(
        min_value=18,
        max_value=99,
        required=False,
        label=_("Minimum age of renters"),
        help_text=_("Checked against the date of birth on the renter's verified licence; empty for none."),
    )
    refuel_price_per_percent = forms.DecimalField(
        **MONEY,
        min_value=Decimal("0"),
        initial=0,
        required=False,
        label=_("Refuel price per % missing"),
        help_text=_("Charged per percentage point of fuel or charge below the pickup level at the return; 0 for none."),
    )

    def service_details(self, currency: str) -> dict:
        """The details for the services, amounts in minor units of the listing's currency (DomainError if inexact)."""
        data = dict(self.cleaned_data)
        for name in ("day_price", "extra_km_price"):
            try:
                data[name] = to_minor(data[name], currency)
            except ValueError as error:
                raise DomainError(str(error), field=name) from None
        for name in ("deposit_amount", "refuel_price_per_percent"):
            try:
                data[name] = to_minor(data.get(name) or Decimal("0"), currency)
            except ValueError as error:
                raise DomainError(str(error), field=name) from None
        return data

    @staticmethod
    def initial_for(details) -> dict:
        fields = ("make", "model", "year", "transmission", "fuel", "daily_distance_limit_km", "min_renter_age")
        initial = {name: getattr(details, name) for name in fields}
        currency = details.listing.currency
        initial.update(
            day_price=to_major(details.day_price, currency), extra_km_price=to_major(details.extra_km_price, currency)
        )
        initial["deposit_amount"] = to_major(details.deposit_amount, currency)
        initial["refuel_price_per_percent"] = to_major(details.refuel_price_per_percent, currency)
        return initial


class DriverForm(forms.Form):
    languages = forms.CharField(
        label=_("Languages"), max_length=200, required=False, help_text=_("e.g. French, English")
    )
    brings_car = forms.BooleanField(required=False, initial=True, label=_("I bring my own car"))
    service_radius_km = forms.FloatField(
        min_value=0.5,
        max_value=200,
        initial=15,
        label=_("Service radius (km)"),
        help_text=_("How far you come to people."),
    )

    def service_details(self, currency: str) -> dict:
        return dict(self.cleaned_data)

    @staticmethod
    def initial_for(details) -> dict:
        return {name: getattr(details, name) for name in ("languages", "brings_car", "service_radius_km")}


DETAIL_FORMS: dict[str, type[RoomForm | CarForm | DriverForm]] = {
    ListingKind.ROOM: RoomForm,
    ListingKind.CAR: CarForm,
    ListingKind.DRIVER: DriverForm,
}
