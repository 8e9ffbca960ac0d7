"""Payments in the JSON API: a host's payout account and a payer's own payments (3-D Secure follow-up)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_noop
from ninja import Router, Schema

from core.api import session_or_token_auth
from core.errors import NotFound
from core.requests import ApiRequest
from payments import selectors
from payments.models import Payment
from payments.services import guest_payments, payout_accounts

router = Router(tags=["payments"], auth=session_or_token_auth)


class PayoutOut(Schema):
    id: int
    reference: str
    amount: int
    currency: str
    status: str
    reversed_amount: int
    waiting_reason: str


class PayoutAccountOut(Schema):
    has_account: bool
    can_receive_payouts: bool
    payouts: list[PayoutOut]


class OnboardingOut(Schema):
    url: str


class PaymentOut(Schema):
    id: int
    reference: str
    amount: int
    currency: str
    status: str
    client_secret: str
    failure_message: str


def _payout_account(request: ApiRequest) -> PayoutAccountOut:
    account = selectors.payout_account_for(request.user)
    payouts = [
        PayoutOut(
            id=p.pk,
            reference=p.payment.reference,
            amount=p.amount,
            currency=p.currency,
            status=p.status,
            reversed_amount=p.reversed_amount,
            waiting_reason=p.last_error if p.status == p.Status.WAITING else "",
        )
        for p in selectors.payouts_for_host(request.user)[:100]
    ]
    return PayoutAccountOut(
        has_account=account is not None,
        can_receive_payouts=bool(account and account.can_receive_payouts),
        payouts=payouts,
    )


@router.get("/payout-account", response=PayoutAccountOut)
def payout_account(request: ApiRequest) -> PayoutAccountOut:
    return _payout_account(request)


@router.post("/payout-account/onboarding", response=OnboardingOut)
def start_onboarding(request: ApiRequest) -> OnboardingOut:
    url = payout_accounts.start_payout_onboarding(
        host=request.user,
        refresh_url=request.build_absolute_uri(reverse("payments:payout_onboarding_refresh")),
        return_url=request.build_absolute_uri(reverse("payments:payout_onboarding_return")),
    )
    return OnboardingOut(url=url)


def _own_payment(request: ApiRequest, payment_id: int) -> Payment:
    # Someone else's payment is reported as missing, not as forbidden, so ids reveal nothing.
    payment = Payment.objects.filter(pk=payment_id, payer=request.user).first()
    if payment is None:
        raise NotFound(gettext_noop("No such payment."))
    return payment


def _payment_out(payment: Payment) -> PaymentOut:
    return PaymentOut(
        id=payment.pk,
        reference=payment.reference,
        amount=payment.amount,
        currency=payment.currency,
        status=payment.status,
        client_secret=payment.client_secret if payment.status == Payment.Status.REQUIRES_ACTION else "",
        failure_message=payment.failure_message,
    )


@router.get("/{int:payment_id}", response=PaymentOut)
def payment_detail(request: ApiRequest, payment_id: int) -> PaymentOut:
    return _payment_out(_own_payment(request, payment_id))


@router.post("/{int:payment_id}/refresh", response=PaymentOut)
def refresh(request: ApiRequest, payment_id: int) -> PaymentOut:
    """After the app ran 3-D Secure with Stripe's SDK: re-read the payment's state from Stripe."""
    return _payment_out(guest_payments.refresh_payment(payment=_own_payment(request, payment_id)))
