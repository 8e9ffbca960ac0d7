"""Forms of the party pages and the desk; they only parse input, the services decide."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from core.images import normalise_image
from disputes.models import Category

# Checked here as well as in the service so that a bad photo refuses the whole form with Pillow's
# verdict in plain words ("too many pixels", "the limit is 8 MB") before a dispute is opened.
CHECK_SIDE = 64


def _checked_photo(upload: UploadedFile | None) -> UploadedFile | None:
    if upload:
        normalise_image(upload, max_side=CHECK_SIDE)
        upload.seek(0)
    return upload


class OpenDisputeForm(forms.Form):
    category = forms.ChoiceField(choices=Category.choices, label="What went wrong?")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), max_length=4000, label="Tell us what happened"
    )
    photo = forms.FileField(
        required=False, label="A photo (optional)", widget=forms.FileInput(attrs={"accept": "image/*"})
    )

    def clean_photo(self) -> object:
        return _checked_photo(self.cleaned_data.get("photo"))


class EvidenceForm(forms.Form):
    image = forms.FileField(label="Photo", widget=forms.FileInput(attrs={"accept": "image/*"}))
    caption = forms.CharField(max_length=200, required=False)

    def clean_image(self) -> object:
        return _checked_photo(self.cleaned_data.get("image"))


class ResolveForm(forms.Form):
    """Amounts in minor units (cents): the confirm step shows them formatted before anything moves."""

    guest_refund = forms.IntegerField(min_value=0, label="Refund to the guest (cents)")
    host_payout = forms.IntegerField(min_value=0, label="The host keeps in total (cents)")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 70}), max_length=4000, label="Reason (shown to both parties)"
    )


class EvidenceRequestForm(forms.Form):
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 70}), max_length=2000, label="What do you need from them?"
    )
    deadline = forms.DateTimeField(
        label="Deadline (UTC, YYYY-MM-DD HH:MM)",
        initial=lambda: (timezone.now() + timedelta(hours=48)).replace(second=0, microsecond=0),
    )


class SuspensionForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="Shown to the person and kept in the desk's decision log.",
    )
