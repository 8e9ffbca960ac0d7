"""Hosts' payout accounts (Stripe Connect Express): onboarding, and re-reading what Stripe says they can do."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.errors import NotFound
from payments import gateway
from payments.gateway import idempotency_key
from payments.models import PayoutAccount
from payments.services import host_payouts


def start_payout_onboarding(*, host: User, refresh_url: str, return_url: str) -> str:
    """The URL where the host sets up payouts; creates their connected account on first use."""
    account = PayoutAccount.objects.filter(host_id=host.pk).first()
    if account is None:
        stripe_account = gateway.create_connected_account(
            email=host.email,
            country=settings.STRIPE_CONNECT_COUNTRY,
            idempotency_key=idempotency_key("host", host.pk, "connect-account"),
            metadata={"host": str(host.pk)},
        )
        now = timezone.now()
        with transaction.atomic():
            # The idempotency key makes a concurrent second attempt get the same Stripe account.
            account, _ = PayoutAccount.objects.get_or_create(
                host=host,
                defaults={"stripe_account_id": stripe_account.id, "created_at": now, "refreshed_at": now},
            )
    link = gateway.create_account_link(
        account_id=account.stripe_account_id, refresh_url=refresh_url, return_url=return_url
    )
    return link.url


def refresh_payout_account(*, stripe_account_id: str) -> PayoutAccount:
    """Re-read the connected account's flags from Stripe; when it can receive money, send what waits."""
    remote = gateway.retrieve_account(stripe_account_id)
    with transaction.atomic():
        account = PayoutAccount.objects.select_for_update().filter(stripe_account_id=stripe_account_id).first()
        if account is None:
            raise NotFound("No host has this payout account.")
        account.charges_enabled = bool(remote.charges_enabled)
        account.payouts_enabled = bool(remote.payouts_enabled)
        account.details_submitted = bool(remote.details_submitted)
        account.refreshed_at = timezone.now()
        account.save(update_fields=["charges_enabled", "payouts_enabled", "details_submitted", "refreshed_at"])
    if account.can_receive_payouts:
        host_payouts.retry_waiting_payouts(host=account.host)
    return account
