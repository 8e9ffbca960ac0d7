"""Forms of the party pages and the desk; they only parse input, the services decide."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from core.images import normalise_image
from core.money import currency_exponent, minor_units
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
    category = forms.ChoiceField(choices=Category.choices, label=gettext_lazy("What went wrong?"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), max_length=4000, label=gettext_lazy("Tell us what happened")
    )
    photo = forms.FileField(
        required=False, label=gettext_lazy("A photo (optional)"), widget=forms.FileInput(attrs={"accept": "image/*"})
    )

    def clean_photo(self) -> object:
        return _checked_photo(self.cleaned_data.get("photo"))


class EvidenceForm(forms.Form):
    image = forms.FileField(label=gettext_lazy("Photo"), widget=forms.FileInput(attrs={"accept": "image/*"}))
    caption = forms.CharField(label=gettext_lazy("Caption"), max_length=200, required=False)

    def clean_image(self) -> object:
        return _checked_photo(self.cleaned_data.get("image"))


class ResolveForm(forms.Form):
    """Amounts typed in the booking's currency (12.50 is twelve euros fifty), cleaned to minor units.

    The desk once took cents without saying so: typing 50 meaning euros settled 0.50 EUR and
    Sharing kept the rest. The labels name the currency, and more decimals than it has are refused.
    """

    guest_refund = forms.DecimalField(min_value=0, label=gettext_lazy("Refund to the guest"))
    host_payout = forms.DecimalField(min_value=0, label=gettext_lazy("The host keeps in total"))
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 70}),
        max_length=4000,
        label=gettext_lazy("Reason (shown to both parties)"),
    )

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency.upper()
        step = str(Decimal(1).scaleb(-currency_exponent(self.currency)))
        for name in ("guest_refund", "host_payout"):
            field = self.fields[name]
            field.label = gettext("%(label)s (%(currency)s)") % {"label": field.label, "currency": self.currency}
            field.widget.attrs.update({"step": step, "inputmode": "decimal"})
            field.help_text = gettext("In %(currency)s, not cents: 50 is 50 %(currency)s.") % {
                "currency": self.currency
            }

    def _minor(self, name: str) -> int:
        try:
            return minor_units(self.cleaned_data[name], self.currency)
        except ValueError as error:
            raise forms.ValidationError(str(error), code="decimals") from None

    def clean_guest_refund(self) -> int:
        return self._minor("guest_refund")

    def clean_host_payout(self) -> int:
        return self._minor("host_payout")


class EvidenceRequestForm(forms.Form):
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 70}),
        max_length=2000,
        label=gettext_lazy("What do you need from them?"),
    )
    deadline = forms.DateTimeField(
        label=gettext_lazy("Deadline (UTC, YYYY-MM-DD HH:MM)"),
        initial=lambda: (timezone.now() + timedelta(hours=48)).replace(second=0, microsecond=0),
    )


class SuspensionForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        label=gettext_lazy("Reason"),
        help_text=gettext_lazy("Shown to the person and kept in the desk's decision log."),
    )
