"""Public profiles and their editing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts import selectors, services
from accounts.forms import ProfileForm


def profile(request: HttpRequest, user_id: int) -> HttpResponse:
    person = selectors.public_profile(user_id)
    context = {
        "person": person,
        "email_verified": selectors.has_verified_email(person),
        "is_own_profile": request.user.is_authenticated and request.user.pk == person.pk,
        # Support staff (who work disputes) suspend people from here.
        "can_suspend": request.user.is_staff
        and request.user.has_perm("disputes.change_dispute")
        and request.user.pk != person.pk,
    }
    return render(request, "accounts/profile.html", context)


@login_required
def edit_profile(request: HttpRequest, user_id: int) -> HttpResponse:
    person = selectors.public_profile(user_id)
    if person.pk != request.user.pk:
        raise PermissionDenied("You can only edit your own profile.")
    form = ProfileForm(request.POST or None, request.FILES or None, instance=person)
    if request.method == "POST" and form.is_valid():
        services.update_profile(actor=request.user, profile_owner=person, form=form)
        messages.success(request, "Your profile is saved.")
        return redirect(person.get_absolute_url())
    return render(request, "accounts/profile_edit.html", {"form": form, "person": person})
