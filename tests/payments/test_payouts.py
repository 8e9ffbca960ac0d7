"""Releasing escrow to hosts: transfers to connected accounts, waiting payouts, reversals, freezes."""

from __future__ import annotations

import pytest
import requests
from django.urls import reverse

from core.errors import DomainError
from payments import gateway, ledger
from payments.errors import PaymentStateError
from payments.models import ESCROW, PAYOUTS_PAID, PLATFORM_FEES, Payout, PayoutAccount, host_payable
from payments.services import guest_payments, host_payouts, payout_accounts
from tests.conftest import make_user
from tests.payments.fixtures import card, onboard, signed_event
from tests.payments.helpers import captured_payment, host_with_payout_account

pytestmark = pytest.mark.django_db


def transfers_to(account_id: str) -> list:
    return list(gateway.client().v1.transfers.list(params={"destination": account_id, "limit": 100}).data)


def test_payout_goes_to_an_onboarded_host_by_transfer(localstripe, ledger_checked):
    host = host_with_payout_account(localstripe)
    payment = captured_payment(11_200, reference="booking:7")
    payout = host_payouts.release_payout(payment=payment, host=host, host_amount=9_700)

    assert payout.status == Payout.Status.PAID
    transfer = gateway.retrieve_transfer(payout.stripe_transfer_id)
    assert transfer.amount == 9_700
    assert transfer.currency == "eur"
    assert transfer.destination == host.payout_account.stripe_account_id
    assert transfer.transfer_group == "booking:7"
    assert transfer.metadata["payment"] == str(payment.uid)
    assert ledger.escrow_balance(reference="booking:7", currency="EUR") == 0
    assert ledger.balance(PLATFORM_FEES, currency="EUR") == 1_500
    assert ledger.balance(PAYOUTS_PAID, currency="EUR") == 9_700
    assert ledger.balance(host_payable(host.pk), currency="EUR") == 0


def test_releasing_twice_pays_once(localstripe, ledger_checked):
    host = host_with_payout_account(localstripe)
    payment = captured_payment(5_000)
    first = host_payouts.release_payout(payment=payment, host=host, host_amount=4_000)
    second = host_payouts.release_payout(payment=payment, host=host, host_amount=4_000)
    assert first.pk == second.pk
    assert Payout.objects.count() == 1
    assert len(transfers_to(host.payout_account.stripe_account_id)) == 1


def test_resending_a_paid_payout_does_not_transfer_again(localstripe, ledger_checked):
    host = host_with_payout_account(localstripe)
    payout = host_payouts.release_payout(payment=captured_payment(5_000), host=host, host_amount=4_000)
    host_payouts.send_payout(payout=payout)
    host_payouts.retry_waiting_payouts()
    assert len(transfers_to(host.payout_account.stripe_account_id)) == 1


def test_payout_waits_visibly_until_the_host_can_receive_then_goes_out_on_account_updated(
    localstripe, client, ledger_checked
):
    host = host_with_payout_account(localstripe, onboarded=False)
    account = PayoutAccount.objects.get(host=host)
    payout = host_payouts.release_payout(payment=captured_payment(8_000), host=host, host_amount=7_000)
    assert payout.status == Payout.Status.WAITING
    assert ledger.balance(host_payable(host.pk), currency="EUR") == 7_000
    assert transfers_to(account.stripe_account_id) == []

    client.force_login(host)
    page = client.get(reverse("payments:payout_settings"))
    assert "Waiting for the host&#x27;s payout account" in page.content.decode()
    assert "€70.00" in page.content.decode()

    onboard(localstripe, account.stripe_account_id)
    remote = gateway.retrieve_account(account.stripe_account_id)
    body, signature = signed_event("account.updated", remote.to_dict())
    response = client.post(
        reverse("payments:stripe_webhook"), body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )
    assert response.status_code == 200

    payout.refresh_from_db()
    assert payout.status == Payout.Status.PAID
    assert [t.amount for t in transfers_to(account.stripe_account_id)] == [7_000]
    assert PayoutAccount.objects.get(host=host).payouts_enabled
    assert ledger.balance(host_payable(host.pk), currency="EUR") == 0


def test_restricted_account_keeps_the_payout_waiting(localstripe, ledger_checked):
    host = host_with_payout_account(localstripe, onboarded=False)
    account = PayoutAccount.objects.get(host=host)
    onboard(localstripe, account.stripe_account_id, payouts_enabled=False)
    payout_accounts.refresh_payout_account(stripe_account_id=account.stripe_account_id)
    payout = host_payouts.release_payout(payment=captured_payment(3_000), host=host, host_amount=2_500)
    assert payout.status == Payout.Status.WAITING
    assert "setting up payouts" in payout.last_error


def test_release_splits_escrow_after_a_partial_refund(localstripe, ledger_checked):
    host = host_with_payout_account(localstripe)
    payment = captured_payment(10_000)
    guest_payments.refund_payment(payment=payment, amount=4_000)
    host_payouts.release_payout(payment=payment, host=host, host_amount=5_000)
    payment.refresh_from_db()
    assert (payment.refunded_amount, payment.host_payout_amount, payment.platform_fee_amount) == (4_000, 5_000, 1_000)
    assert payment.escrow_amount == 0


def test_payout_over_escrow_is_refused(localstripe, ledger_checked):
    host = host_with_payout_account(localstripe)
    payment = captured_payment(10_000)
    with pytest.raises(DomainError, match=r"only €100\.00"):
        host_payouts.release_payout(payment=payment, host=host, host_amount=10_001)
    assert not Payout.objects.exists()
    assert ledger.escrow_balance(reference="booking:1", currency="EUR") == 10_000


def test_frozen_payment_cannot_be_paid_out(localstripe, ledger_checked):
    host = host_with_payout_account(localstripe)
    payment = guest_payments.freeze_payment(payment=captured_payment(), reason="Dispute opened")
    with pytest.raises(PaymentStateError, match="dispute"):
        host_payouts.release_payout(payment=payment, host=host, host_amount=100)
    assert not Payout.objects.exists()
    guest_payments.unfreeze_payment(payment=payment)
    assert host_payouts.release_payout(payment=payment, host=host, host_amount=100).status == Payout.Status.PAID


def test_uncaptured_payment_cannot_be_paid_out(localstripe, ledger_checked):
    host = host_with_payout_account(localstripe)
    authorised = guest_payments.authorize_payment(
        payer=make_user(), amount=500, currency="EUR", reference="booking:2", payment_method=card()
    )
    with pytest.raises(PaymentStateError, match="never charged"):
        host_payouts.release_payout(payment=authorised, host=host, host_amount=100)
    assert not Payout.objects.exists()


def test_reversing_a_sent_payout_takes_money_back_into_escrow_for_a_refund(localstripe, ledger_checked):
    host = host_with_payout_account(localstripe)
    payment = captured_payment(10_000)
    payout = host_payouts.release_payout(payment=payment, host=host, host_amount=9_000)
    payout = host_payouts.reverse_payout(payout=payout, amount=3_000)
    assert gateway.retrieve_transfer(payout.stripe_transfer_id).amount_reversed == 3_000
    assert ledger.escrow_balance(reference="booking:1", currency="EUR") == 3_000
    guest_payments.refund_payment(payment=payment, amount=3_000)
    with pytest.raises(DomainError, match=r"Only €60\.00"):
        host_payouts.reverse_payout(payout=payout, amount=6_001)


def test_reversing_a_waiting_payout_cancels_it_without_a_transfer(localstripe, ledger_checked):
    host = host_with_payout_account(localstripe, onboarded=False)
    payout = host_payouts.release_payout(payment=captured_payment(5_000), host=host, host_amount=4_000)
    payout = host_payouts.reverse_payout(payout=payout, amount=4_000)
    assert payout.status == Payout.Status.CANCELED
    assert ledger.balance(host_payable(host.pk), currency="EUR") == 0
    assert ledger.balance(ESCROW, currency="EUR") == 4_000


def test_payout_settings_page_needs_login(client):
    response = client.get(reverse("payments:payout_settings"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_starting_onboarding_redirects_to_the_account_link_and_return_refreshes(localstripe, client):
    host = make_user()
    client.force_login(host)
    response = client.post(reverse("payments:payout_settings"), {"country": "FR"})
    assert response.status_code == 302
    assert response["Location"].startswith(f"{localstripe}/_config/onboarding/acct_")
    account = PayoutAccount.objects.get(host=host)
    assert not account.can_receive_payouts

    # The host completes the (stand-in) hosted onboarding page, which sends them back to us.
    page = requests.post(response["Location"], allow_redirects=False, timeout=5)
    assert page.status_code == 302
    assert page.headers["Location"] == "http://testserver" + reverse("payments:payout_onboarding_return")
    back = client.get(reverse("payments:payout_onboarding_return"), follow=True)
    assert "Payouts are set up" in back.content.decode()
    assert PayoutAccount.objects.get(host=host).can_receive_payouts

    # Starting again reuses the same connected account.
    client.post(reverse("payments:payout_settings"))
    assert PayoutAccount.objects.filter(host=host).count() == 1


def test_return_page_without_an_account_explains(client):
    client.force_login(make_user())
    response = client.get(reverse("payments:payout_onboarding_return"), follow=True)
    assert "Start setting up payouts first" in response.content.decode()


def test_a_host_sees_only_their_own_payouts(localstripe, client, ledger_checked):
    host = host_with_payout_account(localstripe, onboarded=False)
    host_payouts.release_payout(payment=captured_payment(5_000, reference="booking:99"), host=host, host_amount=4_000)
    client.force_login(make_user())
    page = client.get(reverse("payments:payout_settings")).content.decode()
    assert "booking:99" not in page
    assert "No payouts yet" in page


@pytest.mark.stripe_in_caller_transaction  # a caller breaking the rule must still not pay twice
def test_a_payout_retried_after_a_rollback_transfers_once(localstripe, ledger_checked):
    from django.db import transaction

    host = host_with_payout_account(localstripe)
    payment = captured_payment(6_000)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert host_payouts.release_payout(payment=payment, host=host, host_amount=5_000).status == Payout.Status.PAID
        raise RuntimeError("the booking could not be saved")
    assert not Payout.objects.exists()
    payout = host_payouts.release_payout(payment=payment, host=host, host_amount=5_000)
    assert payout.status == Payout.Status.PAID
    assert [t.amount for t in transfers_to(host.payout_account.stripe_account_id)] == [5_000]


def refused_transfers():
    """Stripe refusing every transfer (it does not retry them itself)."""
    from unittest import mock

    from payments.errors import PaymentServiceUnavailable

    refusal = PaymentServiceUnavailable("Stripe is not answering. Try again in a few minutes.", code="stripe_error")
    return mock.patch.object(gateway, "create_transfer", side_effect=refusal)


def test_a_refused_transfer_waits_with_its_reason_and_is_retried_after_its_backoff(localstripe, ledger_checked):
    from datetime import timedelta

    from django.utils import timezone

    host = host_with_payout_account(localstripe)
    payment = captured_payment(6_000)
    with refused_transfers():
        payout = host_payouts.release_payout(payment=payment, host=host, host_amount=5_000)
    refused_at = timezone.now()
    assert (payout.status, payout.attempts) == (Payout.Status.WAITING, 1)
    assert payout.last_error == "Try 1 refused by Stripe: Stripe is not answering. Try again in a few minutes."
    assert refused_at < payout.next_attempt_at <= refused_at + timedelta(minutes=5)

    assert host_payouts.retry_waiting_payouts(now=refused_at + timedelta(minutes=1)) == []
    payout.refresh_from_db()
    assert (payout.status, payout.attempts) == (Payout.Status.WAITING, 1)  # not even tried: backing off

    assert host_payouts.retry_waiting_payouts(now=refused_at + timedelta(minutes=6)) == [payout]
    payout.refresh_from_db()
    assert (payout.status, payout.last_error, payout.next_attempt_at) == (Payout.Status.PAID, "", None)
    assert [t.amount for t in transfers_to(host.payout_account.stripe_account_id)] == [5_000]


def test_each_refusal_doubles_the_wait_before_the_next_try(localstripe, ledger_checked):
    from django.utils import timezone

    host = host_with_payout_account(localstripe)
    payment = captured_payment(6_000)
    with refused_transfers():
        payout = host_payouts.release_payout(payment=payment, host=host, host_amount=5_000)
        first_wait = payout.next_attempt_at - timezone.now()
        sent = host_payouts.retry_waiting_payouts(now=payout.next_attempt_at)
        second_try = timezone.now()
    payout.refresh_from_db()
    assert sent == []
    assert payout.attempts == 2
    assert payout.last_error.startswith("Try 2 refused by Stripe")
    assert payout.next_attempt_at - second_try > first_wait  # 10 minutes after 5


def test_a_host_finishing_onboarding_sends_a_backing_off_payout_at_once(localstripe, ledger_checked):
    host = host_with_payout_account(localstripe)
    payment = captured_payment(6_000)
    with refused_transfers():
        payout = host_payouts.release_payout(payment=payment, host=host, host_amount=5_000)

    payout_accounts.refresh_payout_account(stripe_account_id=host.payout_account.stripe_account_id)

    payout.refresh_from_db()
    assert payout.status == Payout.Status.PAID
