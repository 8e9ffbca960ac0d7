"""Pages: my notification settings, and the one-click unsubscribe link of an email (no log-in needed)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from notifications import push, selectors, services
from notifications.tokens import read_unsubscribe_token
from realtime.kinds import get_kind


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            services.set_preference(
                user=request.user,
                kind=request.POST.get("kind", ""),
                channel=request.POST.get("channel", ""),
                enabled=request.POST.get("enabled") == "on",
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Saved.")
        return redirect("notifications:settings")
    context = {"rows": selectors.preferences_of(request.user), "push_enabled": push.push_enabled()}
    return render(request, "notifications/settings.html", context)


# A mail client's one-click POST (RFC 8058) carries no session and no CSRF token; the signed token is the proof.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    what = read_unsubscribe_token(token)
    if what is None:
        return render(request, "notifications/unsubscribe.html", {"bad": True}, status=400)
    context = {"kind": get_kind(what.kind), "channel": what.channel}
    if request.method == "GET":
        # Link scanners follow GETs: only the POST (the button below, or the mail client's) unsubscribes.
        return render(request, "notifications/unsubscribe.html", {**context, "confirm": True})
    try:
        services.unsubscribe(token=token)
    except DomainError as error:
        return render(request, "notifications/unsubscribe.html", {"bad": True, "reason": error.message}, status=400)
    return render(request, "notifications/unsubscribe.html", {**context, "done": True})


# Served from the site's root so that the worker's scope covers every page.
SERVICE_WORKER = finders.find("notifications/sw.js")


def service_worker(request: HttpRequest) -> HttpResponse:
    with open(SERVICE_WORKER, encoding="utf-8") as source:
        response = HttpResponse(source.read(), content_type="application/javascript")
    response["Cache-Control"] = "no-cache"
    return response
