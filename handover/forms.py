"""The handover report form: odometer, fuel or charge, notes and a photo from every fixed angle."""

from __future__ import annotations

from django import forms

from handover.models import Angle


class ReportForm(forms.Form):
    odometer_km = forms.IntegerField(label="Odometer (km)", min_value=0, max_value=2_000_000)
    fuel_percent = forms.IntegerField(label="Fuel or charge (%)", min_value=0, max_value=100)
    notes = forms.CharField(
        label="Notes (scratches, dents, cleanliness)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for angle in Angle:
            # Plain file fields: the service checks each photo as every upload is checked (core.images).
            self.fields[angle.value] = forms.FileField(
                label=f"Photo: {angle.label.lower()}",
                widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
            )
