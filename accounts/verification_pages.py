"""Pages of a person's verifications (driving licence, identity document): state and upload; photos for reviewers."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy

from accounts import verifications
from accounts.models import VerificationKind
from core.pages import refusal_pages, refusals
from core.private_files import private_image_response
from core.requests import SignedInRequest

# What each kind is for, in the words of its page.
PURPOSE = {
    VerificationKind.LICENCE: gettext_lazy(
        "Renting a car and driving for others on Sharing need a driving licence that Sharing has checked."
    ),
    VerificationKind.IDENTITY: gettext_lazy(
        "Optional: a verified identity shows on your profile, and some hosts welcome verified guests only."
    ),
}

PHOTO_OF = {
    VerificationKind.LICENCE: gettext_lazy("Photo of your driving licence"),
    VerificationKind.IDENTITY: gettext_lazy("Photo of your identity document"),
}


class VerificationForm(forms.Form):
    document = forms.FileField(widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}))
    selfie = forms.FileField(
        label=gettext_lazy("A selfie (a photo of your face)"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "user"}),
    )
    birth_date = forms.DateField(label=gettext_lazy("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, kind: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document"].label = PHOTO_OF[VerificationKind(kind)]


@login_required
@refusal_pages
def verification(request: SignedInRequest, kind: str) -> HttpResponse:
    form = VerificationForm(request.POST or None, request.FILES or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        with refusals(form=form) as refused:
            verifications.submit(user=request.user, kind=kind, **form.cleaned_data)
        if not refused:
            messages.success(request, gettext("Thank you: Sharing checks your document, usually within a day."))
            return redirect(verifications.PAGE[kind])
    context = {
        "kind": VerificationKind(kind),
        "purpose": PURPOSE[VerificationKind(kind)],
        "verification": verifications.verification_of(request.user, kind),
        "form": form,
    }
    return render(request, "accounts/verification.html", context, status=400 if form.errors else 200)


@login_required
@refusal_pages
def verification_photo(request: SignedInRequest, verification_id: int, part: str) -> HttpResponse:
    """A document or selfie: staff who review verifications only, each look logged (private storage)."""
    photo = verifications.view_photo(user=request.user, verification_id=verification_id, part=part)
    return private_image_response(photo)
