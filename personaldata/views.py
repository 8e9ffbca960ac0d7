"""The "My data" page: download my data, delete my account."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from core.errors import DomainError, NotFound
from personaldata import services
from personaldata.models import DataExport


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    context = {
        "exports": DataExport.objects.filter(user=request.user).defer("archive")[:5],
        "reasons_to_keep": services.reasons_to_keep(request.user),
    }
    return render(request, "personaldata/my_data.html", context)


@login_required
@require_POST
def export(request: HttpRequest) -> HttpResponse:
    try:
        services.request_export(user=request.user)
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, gettext("We are preparing your archive and will email you a link when it is ready."))
    return redirect("personaldata:my_data")


@login_required
def download(request: HttpRequest, token: str) -> HttpResponse:
    try:
        archive = services.download(user=request.user, token=token)
    except NotFound as missing:
        raise Http404(missing.message) from None
    except DomainError as refused:
        messages.error(request, refused.message)
        return redirect("personaldata:my_data")
    response = HttpResponse(archive.archive, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sharing-data-{archive.ready_at:%Y-%m-%d}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def delete_account(request: HttpRequest) -> HttpResponse:
    try:
        services.delete_account(user=request.user, confirm_email=request.POST.get("confirm_email", ""))
    except DomainError as refused:
        messages.error(request, refused.message)
        return redirect("personaldata:my_data")
    logout(request)
    messages.success(request, gettext("Your account is deleted. Thank you for having been part of Sharing."))
    return redirect("home")
