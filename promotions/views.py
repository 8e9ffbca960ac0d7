"""Pages of promotions: a host's promo codes, my invitation link and credit, and the invitation link itself."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.pages import refusal_pages, refusals
from core.requests import SignedInRequest
from promotions import referrals, selectors, services
from promotions.forms import HostCodeForm
from promotions.signals import SESSION_KEY
from promotions.terms import Funder


@login_required
@refusal_pages
def host_codes(request: SignedInRequest) -> HttpResponse:
    """The host's own codes (funded by the host, for their listings) and the form to make one."""
    form = HostCodeForm(request.POST or None, host=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusals(form=form) as refused:
            services.create_code(
                by=request.user,
                code=data["code"],
                funded_by=Funder.HOST,
                listing_id=data["listing"].pk if data["listing"] else None,
                percent=data["percent"],
                amount_off=data["amount_off"],
                currency=data["currency"],
                min_spend=data["min_spend"],
                kinds=data["kinds"],
                first_booking_only=data["first_booking_only"],
                per_person_limit=data["per_person_limit"],
                budget=data["budget"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
            )
        if not refused:
            messages.success(request, "Your promo code is ready to share.")
            return redirect("promotions:host_codes")
    context = {"form": form, "codes": selectors.codes_of_host(host=request.user)}
    return render(request, "promotions/host_codes.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
@refusal_pages
def deactivate(request: SignedInRequest, code_id: int) -> HttpResponse:
    services.deactivate_code(by=request.user, code_id=code_id)
    messages.success(request, "That code can no longer be used.")
    return redirect("promotions:host_codes")


@login_required
def invite(request: SignedInRequest) -> HttpResponse:
    """My invitation link and my credit."""
    code = referrals.referral_code_for(request.user)
    context = {
        "link": request.build_absolute_uri(f"/promotions/invite/{code}/"),
        "credits": selectors.credit_accounts(user=request.user),
        "invited": request.user.referrals_made.count(),
    }
    return render(request, "promotions/invite.html", context)


def invitation(request: HttpRequest, code: str) -> HttpResponse:
    """The invitation link: remembers who invited, then sign-up (the code is checked when it is used)."""
    request.session[SESSION_KEY] = code[:16]
    if request.user.is_authenticated:
        messages.info(request, "Invitations are for new accounts: you already have one.")
        return redirect("promotions:invite")
    return redirect("account_signup")
