"""End to end: the harness signs and posts its own events to the running site, as Stripe would."""

from __future__ import annotations

import uuid

import pytest
import requests
from django.conf import settings

from payments.models import Payout, PayoutAccount, StripeEvent
from payments.services import host_payouts
from tests.payments.fixtures import onboard
from tests.payments.helpers import captured_payment, host_with_payout_account
from tests.support.waiting import wait_for


@pytest.mark.django_db(transaction=True)
def test_account_updated_from_the_harness_releases_the_waiting_payout(localstripe, live_server, ledger_checked):
    response = requests.post(
        f"{localstripe}/_config/webhooks/{uuid.uuid4().hex}",
        data={
            "url": f"{live_server.url}/payments/stripe/webhook/",
            "secret": settings.STRIPE_WEBHOOK_SECRET,
            "events[]": ["account.updated"],
        },
        timeout=5,
    )
    response.raise_for_status()
    host = host_with_payout_account(localstripe, onboarded=False)
    payout = host_payouts.release_payout(payment=captured_payment(4_000), host=host, host_amount=3_500)
    assert payout.status == Payout.Status.WAITING

    onboard(localstripe, PayoutAccount.objects.get(host=host).stripe_account_id)
    # localstripe posts events about a second after the change; wait for it, at most 15 s. The handler pays the
    # payout in its own transaction and marks the event processed in the next one, so wait for both: checking the
    # event the moment the payout is paid raced the second commit on a loaded machine.
    processed = StripeEvent.objects.filter(type="account.updated", status=StripeEvent.Status.PROCESSED)
    wait_for(
        lambda: Payout.objects.filter(pk=payout.pk, status=Payout.Status.PAID).exists() and processed.exists(),
        timeout=15,
        what="the payout paid and the account.updated event processed",
    )
    payout.refresh_from_db()
    assert payout.status == Payout.Status.PAID
    assert processed.exists()
