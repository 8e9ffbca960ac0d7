"""Pages for hosts' payout settings, and the endpoint Stripe posts webhook events to."""

from __future__ import annotations

import json
import logging

import stripe
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.pages import refusals
from core.requests import SignedInRequest
from payments import gateway, selectors, webhooks
from payments.models import Payment
from payments.services import guest_payments, payout_accounts
from payments.settlement import SETTLEMENT_CURRENCIES

logger = logging.getLogger(__name__)


@login_required
def payout_settings(request: SignedInRequest) -> HttpResponse:
    if request.method == "POST":
        with refusals(request) as refused:
            url = payout_accounts.start_payout_onboarding(
                host=request.user,
                refresh_url=request.build_absolute_uri(reverse("payments:payout_onboarding_refresh")),
                return_url=request.build_absolute_uri(reverse("payments:payout_onboarding_return")),
                country=str(request.POST.get("country", ""))[:2],
            )
        return redirect("payments:payout_settings") if refused else redirect(url)
    context = {
        "account": selectors.payout_account_for(request.user),
        "country": payout_accounts.payout_country(request.user),
        "countries": [(code, sorted(currencies)) for code, currencies in sorted(SETTLEMENT_CURRENCIES.items())],
        "payouts": selectors.payouts_for_host(request.user)[:50],
    }
    return render(request, "payments/payout_settings.html", context)


@login_required
def payout_onboarding_return(request: SignedInRequest) -> HttpResponse:
    """Where Stripe sends the host back: re-read the account, since the redirect itself proves nothing."""
    account = selectors.payout_account_for(request.user)
    if account is None:
        messages.error(request, "Start setting up payouts first.")
        return redirect("payments:payout_settings")
    with refusals(request) as refused:
        account = payout_accounts.refresh_payout_account(stripe_account_id=account.stripe_account_id)
    if refused:
        return redirect("payments:payout_settings")
    if account.can_receive_payouts:
        messages.success(request, "Payouts are set up: your earnings will be sent to your account.")
    else:
        messages.warning(request, "Stripe still needs some details before it can send you money.")
    return redirect("payments:payout_settings")


@login_required
def payout_onboarding_refresh(request: HttpRequest) -> HttpResponse:
    """Stripe sends the host here when the onboarding link expired: show the page to start again."""
    messages.info(request, "That setup link expired. Start again below.")
    return redirect("payments:payout_settings")


def _next_url(request: HttpRequest) -> str:
    target = request.GET.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and allowed else reverse("home")


@login_required
def payment_authenticate(request: HttpRequest, payment_id: int) -> HttpResponse:
    """3-D Secure for a payment that needs it: Stripe.js runs the bank's check, then we re-read Stripe."""
    # Someone else's payment is a 404, like one that does not exist.
    payment = get_object_or_404(Payment, pk=payment_id, payer=request.user)
    if request.method == "POST":
        with refusals(request) as refused:
            payment = guest_payments.refresh_payment(payment=payment)
        if refused:
            return redirect(request.get_full_path())
        if payment.status in (Payment.Status.AUTHORIZED, Payment.Status.CARD_SAVED):
            messages.success(request, "Your card is confirmed.")
        elif payment.status == Payment.Status.FAILED:
            messages.error(request, payment.failure_message or "Your card could not be confirmed. Try another card.")
        else:
            messages.warning(request, "Your bank has not confirmed the card yet.")
            return redirect(request.get_full_path())
        return redirect(_next_url(request))
    if payment.status != Payment.Status.REQUIRES_ACTION:
        return redirect(_next_url(request))
    return render(request, "payments/authenticate.html", {"payment": payment})


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    payload = request.body
    try:
        gateway.construct_event(payload, request.headers.get("Stripe-Signature"))
    except stripe.SignatureVerificationError:
        return JsonResponse({"detail": "Invalid Stripe signature."}, status=400)
    except ValueError:
        return JsonResponse({"detail": "The body is not a Stripe event."}, status=400)
    # The SDK's Event object is read-only; the stored copy is the plain verified JSON.
    data = json.loads(payload)
    if not isinstance(data, dict) or not data.get("id"):
        return JsonResponse({"detail": "The event has no id."}, status=400)
    obj = (data.get("data") or {}).get("object") if isinstance(data.get("data"), dict) else None
    if not isinstance(obj, dict) or not obj.get("id"):
        # Every handled event names its object; a payload without one can never be processed.
        return JsonResponse({"detail": "The event names no object."}, status=400)
    event, created = webhooks.record_event(data)
    if not created and event.status in (event.Status.PROCESSED, event.Status.IGNORED):
        return JsonResponse({"status": "already processed"})
    event = webhooks.process_event(event=event)
    # A failed event is stored and retried by `manage.py retry_stripe_events`, so it is acknowledged.
    return JsonResponse({"status": event.status})
