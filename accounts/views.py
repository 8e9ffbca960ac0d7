"""Public profiles and their editing; blocking and reporting people."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from accounts import languages, safety, selectors, services, verifications
from accounts.forms import ProfileForm, ReportForm
from accounts.models import User
from core.errors import DomainError, NotFound
from core.pages import refusals_as_messages
from core.requests import SignedInRequest
from realtime.models import Message


def profile(request: HttpRequest, user_id: int) -> HttpResponse:
    person = selectors.public_profile(user_id)
    context = {
        "person": person,
        "email_verified": selectors.has_verified_email(person),
        # One badge per document Sharing verified (never the document itself).
        "verified_documents": [verifications.name_of(kind) for kind in verifications.verified_kinds(person)],
        "is_own_profile": request.user.is_authenticated and request.user.pk == person.pk,
        "has_blocked": request.user.is_authenticated
        and safety.blocked_by(request.user).filter(blocked_id=person.pk).exists(),
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
        raise PermissionDenied(gettext_noop("You can only edit your own profile."))
    form = ProfileForm(request.POST or None, request.FILES or None, instance=person)
    if request.method == "POST" and form.is_valid():
        services.update_profile(actor=request.user, profile_owner=person, form=form)
        messages.success(request, "Your profile is saved.")
        return redirect(person.get_absolute_url())
    return render(request, "accounts/profile_edit.html", {"form": form, "person": person})


# --- Block and report (accounts.safety) --------------------------------------------------------------------


def _person_id(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("person") or request.GET.get("person") or 0)
    except ValueError:
        return 0


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback)


@login_required
def blocks(request: SignedInRequest) -> HttpResponse:
    """The people I have blocked (GET), or block one more (POST person=<id>)."""
    if request.method == "POST":
        with refusals_as_messages(request):
            block = safety.block_person(blocker=request.user, person_id=_person_id(request))
            messages.success(
                request,
                f"You blocked {block.blocked.public_name}: neither of you can write to the other or ask to book. "
                "Bookings already made go on as agreed.",
            )
        return _back(request, reverse("accounts:blocks"))
    return render(request, "accounts/blocks.html", {"blocks": safety.blocked_by(request.user)})


@login_required
@require_POST
def unblock(request: SignedInRequest) -> HttpResponse:
    with refusals_as_messages(request):
        safety.unblock_person(blocker=request.user, person_id=_person_id(request))
        messages.success(request, "Unblocked.")
    return _back(request, reverse("accounts:blocks"))


@login_required
def report(request: SignedInRequest) -> HttpResponse:
    """Report a person (?person=<id>) or a message (?message=<id>) to Sharing's staff."""
    form = ReportForm(request.POST or None, initial=request.GET)
    message: Message | None = None
    person: User | None = None
    try:
        if request.GET.get("message") or request.POST.get("message"):
            message_id = int(request.POST.get("message") or request.GET.get("message") or "")
            message = safety.reportable_message(reporter=request.user, message_id=message_id)
        else:
            person = selectors.public_profile(_person_id(request))
    except (ValueError, NotFound) as missing:
        raise Http404(getattr(missing, "message", "No such person or message.")) from None
    except DomainError as refused:
        messages.error(request, refused.message)
        return redirect("realtime:inbox")
    # Exactly one of the two was found above (anything else was a 404 or a refusal).
    reported = message.sender if message is not None else person
    if reported is None:
        raise Http404("No such person or message.")
    back = message.thread.get_absolute_url() if message is not None else reported.get_absolute_url()
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            if message is not None:
                safety.report_message(reporter=request.user, message_id=message.pk, reason=reason)
            else:
                safety.report_person(reporter=request.user, person_id=reported.pk, reason=reason)
        except DomainError as refused:
            form.add_error("reason" if refused.field == "reason" else None, refused.message)
        else:
            messages.success(request, "Thank you: our team will look at this. You can also block this person.")
            return redirect(back)
    context = {"form": form, "message": message, "person": reported}
    return render(request, "accounts/report.html", context, status=400 if form.errors else 200)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The switcher on every page: Django's cookie and redirect, and a signed-in person's profile keeps it."""
    response = django_set_language(request)
    if request.user.is_authenticated:
        languages.choose_language(person=request.user, language=request.POST.get("language", ""))
    return response
