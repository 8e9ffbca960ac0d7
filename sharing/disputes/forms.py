"""Forms of the party pages and the desk; they only parse input, the services decide."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone

from sharing.disputes.models import Category


class OpenDisputeForm(forms.Form):
    category = forms.ChoiceField(choices=Category.choices, label="What went wrong?")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), max_length=4000, label="Tell us what happened"
    )
    photo = forms.ImageField(required=False, label="A photo (optional)")


class EvidenceForm(forms.Form):
    image = forms.ImageField(label="Photo")
    caption = forms.CharField(max_length=200, required=False)


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
