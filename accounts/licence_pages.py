"""Pages of a person's driving licence: its state and the upload form; the photo for its owner and reviewers."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from accounts import licences
from core.pages import refusal_pages, refusals
from core.private_files import private_image_response
from core.requests import SignedInRequest


class LicenceForm(forms.Form):
    image = forms.FileField(
        label="Photo of your driving licence",
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )


@login_required
@refusal_pages
def licence(request: SignedInRequest) -> HttpResponse:
    form = LicenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        with refusals(form=form) as refused:
            licences.submit_licence(user=request.user, image=form.cleaned_data["image"])
        if not refused:
            messages.success(request, "Thank you: Sharing checks your licence, usually within a day.")
            return redirect("accounts:licence")
    status = 400 if form.errors else 200
    context = {"licence": licences.licence_of(request.user), "form": form}
    return render(request, "accounts/licence.html", context, status=status)


@login_required
@refusal_pages
def licence_document(request: SignedInRequest, licence_id: int) -> HttpResponse:
    """The licence photo: its owner and staff who review licences only (private storage, never public media)."""
    return private_image_response(licences.visible_document(user=request.user, licence_id=licence_id).document)
