"""Pages: my notification settings, the one-click unsubscribe link of an email (no log-in needed), and the
email provider's bounce/complaint webhook."""

from __future__ import annotations

import functools
import logging

from anymail.exceptions import AnymailWebhookValidationFailure
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.module_loading import import_string
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from notifications import bounces, push, selectors, services
from notifications.tokens import read_unsubscribe_token
from realtime.kinds import get_kind

logger = logging.getLogger(__name__)


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and request.POST.get("address") == "try-again":
        if bounces.try_address_again(user=request.user):
            messages.success(request, gettext("We will email you at this address again."))
        return redirect("notifications:settings")
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
            messages.success(request, gettext("Saved."))
        return redirect("notifications:settings")
    context = {
        "rows": selectors.preferences_of(request.user),
        "push_enabled": push.push_enabled(),
        "undeliverable": bounces.undeliverable_address_of(request.user),
    }
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


# anymail's tracking webhook view of each provider EMAIL_PROVIDER may name.
TRACKING_VIEWS = {
    "amazon_ses": "anymail.webhooks.amazon_ses.AmazonSESTrackingWebhookView",
    "brevo": "anymail.webhooks.brevo.BrevoTrackingWebhookView",
    "mailersend": "anymail.webhooks.mailersend.MailerSendTrackingWebhookView",
    "mailgun": "anymail.webhooks.mailgun.MailgunTrackingWebhookView",
    "mailjet": "anymail.webhooks.mailjet.MailjetTrackingWebhookView",
    "mailtrap": "anymail.webhooks.mailtrap.MailtrapTrackingWebhookView",
    "mandrill": "anymail.webhooks.mandrill.MandrillCombinedWebhookView",
    "postal": "anymail.webhooks.postal.PostalTrackingWebhookView",
    "postmark": "anymail.webhooks.postmark.PostmarkTrackingWebhookView",
    "resend": "anymail.webhooks.resend.ResendTrackingWebhookView",
    "sendgrid": "anymail.webhooks.sendgrid.SendGridTrackingWebhookView",
    "sparkpost": "anymail.webhooks.sparkpost.SparkPostTrackingWebhookView",
    "unisender_go": "anymail.webhooks.unisender_go.UnisenderGoTrackingWebhookView",
}


@functools.cache
def _tracking_view(provider: str):
    """The provider's anymail view, refusing with a 400 (not a 500) a body it cannot read."""
    base = import_string(TRACKING_VIEWS[provider])

    class Checked(base):  # type: ignore[valid-type,misc]
        def parse_events(self, request: HttpRequest) -> list:
            try:
                return super().parse_events(request)
            except (ValueError, KeyError, TypeError, AttributeError, IndexError) as error:
                raise AnymailWebhookValidationFailure(f"Unreadable {self.esp_name} webhook: {error!r}") from error

    return Checked.as_view()


@csrf_exempt
def email_tracking_webhook(request: HttpRequest, provider: str) -> HttpResponse:
    """The provider posts delivery events here; anymail checks the basic auth (and the signature where the
    provider signs), parses them, and notifications.bounces marks bounced or complaining addresses.

    Only the configured provider's route exists, and only with ANYMAIL_WEBHOOK_SECRET set: a webhook
    anyone could post to would let anyone stop someone's email.
    """
    if (
        provider != settings.EMAIL_PROVIDER
        or provider not in TRACKING_VIEWS
        or not settings.ANYMAIL.get("WEBHOOK_SECRET")
    ):
        raise Http404("No email provider webhook here.")
    try:
        return _tracking_view(provider)(request)
    except ImproperlyConfigured as error:  # e.g. Mailgun without its webhook signing key
        logger.error("email provider webhook %s is not set up: %s", provider, error)
        raise Http404("No email provider webhook here.") from error
