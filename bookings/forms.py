"""The book form: dates for rooms, date-times for cars and driving services, and how many people."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from listings import horizon
from listings.models import Listing, ListingKind


class BookingForm(forms.Form):
    start = forms.DateTimeField()
    end = forms.DateTimeField()
    guests = forms.IntegerField(
        min_value=1, initial=1, error_messages={"min_value": _("Book for at least one person.")}
    )
    promo_code = forms.CharField(max_length=32, required=False, label=_("Promo code"))
    use_credit = forms.BooleanField(required=False, label=_("Use my credit"))

    def __init__(self, *args: Any, listing: Listing, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.listing = listing
        if listing.kind == ListingKind.ROOM:
            self.fields["start"] = forms.DateField(label=_("Check-in"), widget=forms.DateInput(attrs={"type": "date"}))
            self.fields["end"] = forms.DateField(label=_("Check-out"), widget=forms.DateInput(attrs={"type": "date"}))
        else:
            local = {"type": "datetime-local", "step": 1800 if listing.kind == ListingKind.DRIVER else 3600}
            self.fields["start"] = forms.DateTimeField(
                label=_("From"), widget=forms.DateTimeInput(attrs=local, format="%Y-%m-%dT%H:%M")
            )
            self.fields["end"] = forms.DateTimeField(
                label=_("Until"), widget=forms.DateTimeInput(attrs=local, format="%Y-%m-%dT%H:%M")
            )
        self.fields["guests"].label = _("Guests") if listing.kind == ListingKind.ROOM else _("People")
        self.fields["guests"].widget.attrs["max"] = listing.capacity
        # The pickers offer only the listing's horizon; the services check it whatever is sent.
        today = horizon.today_at(listing.time_zone)
        last = horizon.last_day(time_zone=listing.time_zone, horizon_days=listing.booking_horizon_days)
        if listing.kind == ListingKind.ROOM:
            bounds = {"min": today.isoformat(), "max": last.isoformat()}
        else:
            bounds = {"min": f"{today.isoformat()}T00:00", "max": f"{last.isoformat()}T23:30"}
        for name in ("start", "end"):
            self.fields[name].widget.attrs.update(bounds)

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
