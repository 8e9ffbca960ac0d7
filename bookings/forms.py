"""The book form: dates for rooms, date-times for cars and driving services, and how many people."""

from __future__ import annotations

from typing import Any

from django import forms

from listings.models import Listing, ListingKind


class BookingForm(forms.Form):
    start = forms.DateTimeField()
    end = forms.DateTimeField()
    guests = forms.IntegerField(min_value=1, initial=1)

    def __init__(self, *args: Any, listing: Listing, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.listing = listing
        if listing.kind == ListingKind.ROOM:
            self.fields["start"] = forms.DateField(label="Check-in", widget=forms.DateInput(attrs={"type": "date"}))
            self.fields["end"] = forms.DateField(label="Check-out", widget=forms.DateInput(attrs={"type": "date"}))
        else:
            local = {"type": "datetime-local", "step": 1800 if listing.kind == ListingKind.DRIVER else 3600}
            self.fields["start"] = forms.DateTimeField(
                label="From", widget=forms.DateTimeInput(attrs=local, format="%Y-%m-%dT%H:%M")
            )
            self.fields["end"] = forms.DateTimeField(
                label="Until", widget=forms.DateTimeInput(attrs=local, format="%Y-%m-%dT%H:%M")
            )
        self.fields["guests"].label = "Guests" if listing.kind == ListingKind.ROOM else "People"
        self.fields["guests"].widget.attrs["max"] = listing.capacity

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start"), data.get("end")
        # Date-times typed in the form are the listing's local time, not the server's.
        if self.listing.kind != ListingKind.ROOM:
            for name, value in (("start", start), ("end", end)):
                if value is not None:
                    data[name] = value.replace(tzinfo=None)
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=300, required=False)
