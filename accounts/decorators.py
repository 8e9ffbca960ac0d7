"""View guards shared by the apps where a person acts (listing, booking)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

# allauth 65 moved the resend helper out of account.utils (the decorator it documents for this uses it).
from allauth.account.internal.flows.email_verification import send_verification_email_for_user
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect

from accounts.selectors import has_verified_email
from core.requests import SignedInRequest


def verified_email_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in and email confirmed, or sent to confirm it first (a new link is mailed)."""

    @login_required
    @wraps(view)
    def wrapper(request: SignedInRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not has_verified_email(request.user):
            send_verification_email_for_user(request, request.user)
            messages.warning(
                request,
                "Confirm your email address first: we have sent you a new link.",
            )
            return redirect("account_email_verification_sent")
        return view(request, *args, **kwargs)

    return wrapper
