"""Handover forms: a report (odometer, fuel or charge, notes, a photo per angle), a contest of one, the desk's."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from handover.models import CONTEST_REASON_MAX, Angle

# One label per photo, whole, so each language words it its own way.
PHOTO_LABELS = {
    Angle.FRONT: gettext_lazy("Photo: front"),
    Angle.BACK: gettext_lazy("Photo: back"),
    Angle.LEFT: gettext_lazy("Photo: left side"),
    Angle.RIGHT: gettext_lazy("Photo: right side"),
    Angle.INTERIOR: gettext_lazy("Photo: interior"),
    Angle.DASHBOARD: gettext_lazy("Photo: dashboard (odometer and fuel)"),
}


class ReportForm(forms.Form):
    odometer_km = forms.IntegerField(label=gettext_lazy("Odometer (km)"), min_value=0, max_value=2_000_000)
    fuel_percent = forms.IntegerField(label=gettext_lazy("Fuel or charge (%)"), min_value=0, max_value=100)
    notes = forms.CharField(
        label=gettext_lazy("Notes (scratches, dents, cleanliness)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for angle in Angle:
            # Plain file fields: the service checks each photo as every upload is checked (core.images).
            self.fields[angle.value] = forms.FileField(
                label=PHOTO_LABELS[angle],
                widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
            )


class ContestForm(forms.Form):
    """The other party contests parts of a report; the service checks the reason's length and the parts again."""

    # The API calls them `fields`; not here, where a form's `fields` is its own list of fields.
    contested = forms.MultipleChoiceField(
        label=gettext_lazy("What is wrong"),
        choices=[
            ("odometer", gettext_lazy("Odometer")),
            ("fuel", gettext_lazy("Fuel or charge level")),
            ("condition", gettext_lazy("Photos and condition")),
        ],
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(
        label=gettext_lazy("Why you contest it (at least 10 characters)"),
        max_length=CONTEST_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ClaimForm(forms.Form):
    """The owner's claim on the deposit, in minor units as the API takes it (the page shows the currency)."""

    amount = forms.IntegerField(label=gettext_lazy("Amount to claim (cents)"), min_value=1)
    description = forms.CharField(
        label=gettext_lazy("What happened to the car"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )


class ClaimDecisionForm(forms.Form):
    amount = forms.IntegerField(label=gettext_lazy("Charge to the renter (cents)"), min_value=0)
    reason = forms.CharField(
        label=gettext_lazy("Reason both parties will read"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class RefundChargeForm(forms.Form):
    """Support gives back part or all of a contested return charge (minor units, as the API takes them)."""

    charge = forms.ChoiceField(
        label=gettext_lazy("Charge"),
        choices=[("kilometres", gettext_lazy("Extra kilometres")), ("fuel", gettext_lazy("Fuel or charge"))],
    )
    amount = forms.IntegerField(label=gettext_lazy("Give back to the renter (cents)"), min_value=1)
    reason = forms.CharField(
        label=gettext_lazy("Reason both parties will read"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
