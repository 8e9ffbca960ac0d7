"""A card that needs 3-D Secure: the request waits, offered to nobody, until the requester's bank confirms the card."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.errors import AuthenticationRequired, CardRefused, Conflict, NotFound
from dispatch.inputs import Need
from dispatch.models import DispatchRequest, Offer, RequestState
from dispatch.services.acceptance import accept_offer
from dispatch.services.common import earliest_pickup
from dispatch.services.requests import cancel_request, complete_authentication, expire_request, request_now
from payments import gateway
from payments.models import Payment
from realtime.models import Notification
from tests.conftest import make_user
from tests.dispatch.factories import HERE, NOW, provider
from tests.payments.fixtures import THREE_D_SECURE, card, complete_3d_secure
from tests.support.threads import run_concurrently

pytestmark = pytest.mark.django_db

API = "/api/v1/dispatch"


def where(**extra) -> dict:
    return {"kind": "driver", "latitude": HERE[0], "longitude": HERE[1], "hours": 2, **extra}


def need(**extra) -> Need:
    return Need.parse(**where(**extra))


def ask_with_3ds(requester=None, *, now=NOW) -> AuthenticationRequired:
    with pytest.raises(AuthenticationRequired) as pending:
        request_now(requester=requester or make_user(), payment_method=card(THREE_D_SECURE), now=now, need=need())
    return pending.value


def bank_says(settings, request: DispatchRequest, *, yes: bool) -> None:
    payment = Payment.objects.get(pk=request.payment_id)
    complete_3d_secure(settings.STRIPE_API_BASE, payment.stripe_payment_intent_id, payment.client_secret, success=yes)


def intent_of(request: DispatchRequest):
    return gateway.retrieve_payment_intent(Payment.objects.get(pk=request.payment_id).stripe_payment_intent_id)


def test_the_request_waits_for_the_bank_offered_to_nobody_then_goes_live(settings, ledger_checked):
    near = provider(km=1)
    pending = ask_with_3ds()
    request = pending.subject

    assert request.state == RequestState.AUTHENTICATING
    assert pending.url.startswith(reverse("payments:payment_authenticate", args=[request.payment_id]))
    assert pending.client_secret
    assert Payment.objects.get(pk=request.payment_id).status == Payment.Status.REQUIRES_ACTION
    assert not Offer.objects.filter(request=request).exists()
    assert not Notification.objects.filter(recipient=near.owner).exists()
    with pytest.raises(Conflict, match="not confirmed the card yet"):
        complete_authentication(requester=request.requester, request_id=request.pk, now=NOW)

    bank_says(settings, request, yes=True)
    later = NOW + timedelta(seconds=40)
    live = complete_authentication(requester=request.requester, request_id=request.pk, now=later)
    again = complete_authentication(requester=request.requester, request_id=request.pk, now=later)

    assert live.state == again.state == RequestState.REQUESTED
    # A fresh timeout from the moment it went live, and one first wave however often the page is reloaded.
    assert live.expires_at == later + timedelta(seconds=settings.DISPATCH_TIMEOUT_SECONDS)
    assert list(Offer.objects.filter(request=request).values_list("listing_id", "wave")) == [(near.pk, 0)]
    assert DispatchRequest.objects.get(pk=request.pk).waves_sent == 1
    assert Notification.objects.filter(recipient=near.owner, kind="dispatch.offer").count() == 1

    # The job is then paid from that same, confirmed hold.
    booking = accept_offer(provider=near.owner, request_id=request.pk, now=later).booking
    payment = Payment.objects.get(pk=request.payment_id)
    assert (payment.reference, payment.status, payment.captured_amount) == (
        f"booking:{booking.pk}",
        Payment.Status.CAPTURED,
        booking.total,
    )
    assert Payment.objects.filter(payer=request.requester).count() == 1


def test_a_request_waiting_for_the_bank_blocks_a_second_one():
    provider(km=1)
    requester = make_user()
    ask_with_3ds(requester)
    with pytest.raises(Conflict) as duplicate:
        request_now(requester=requester, payment_method=card(), now=NOW, need=need())
    assert duplicate.value.code == "duplicate_request"
    assert Payment.objects.filter(payer=requester).count() == 1


def test_a_bank_that_says_no_closes_the_request_and_nothing_stays_held(settings, ledger_checked):
    near = provider(km=1)
    request = ask_with_3ds().subject
    bank_says(settings, request, yes=False)

    with pytest.raises(CardRefused) as refused:
        complete_authentication(requester=request.requester, request_id=request.pk, now=NOW)

    assert refused.value.code == "payment_failed"
    request.refresh_from_db()
    assert request.state == RequestState.CANCELLED and request.closed_at == NOW
    assert Payment.objects.get(pk=request.payment_id).status == Payment.Status.FAILED
    intent = intent_of(request)
    assert intent.status == "requires_payment_method" and intent.amount_capturable == 0
    assert not Offer.objects.filter(request=request).exists()
    assert not Notification.objects.filter(recipient=near.owner).exists()
    # Asking again with another card works: the closed request no longer blocks.
    assert request_now(requester=request.requester, payment_method=card(), now=NOW, need=need()).offers.exists()


def test_an_abandoned_bank_step_expires_and_releases_the_hold(settings, ledger_checked):
    near = provider(km=1)
    request = ask_with_3ds().subject

    still = expire_request(request_id=request.pk, now=request.expires_at - timedelta(seconds=1))
    assert still.state == RequestState.AUTHENTICATING
    expired = expire_request(request_id=request.pk, now=request.expires_at)

    assert expired.state == RequestState.EXPIRED
    assert Payment.objects.get(pk=request.payment_id).status == Payment.Status.CANCELED
    assert intent_of(request).status == "canceled"
    notice = Notification.objects.get(recipient=request.requester, kind="dispatch.expired")
    assert "Nothing is held on your card" in notice.payload["message"]
    assert not Notification.objects.filter(recipient=near.owner).exists()
    # Finishing the bank step afterwards does not bring it back.
    assert (
        complete_authentication(requester=request.requester, request_id=request.pk, now=request.expires_at).state
        == RequestState.EXPIRED
    )
    assert not Offer.objects.filter(request=request).exists()


def test_the_sweep_expires_a_stale_request_still_at_the_bank(ledger_checked):
    provider(km=1)
    request = ask_with_3ds().subject
    with mock.patch("django.utils.timezone.now", return_value=request.expires_at + timedelta(seconds=1)):
        call_command("advance_dispatch", stdout=mock.Mock())
    request.refresh_from_db()
    assert request.state == RequestState.EXPIRED
    assert Payment.objects.get(pk=request.payment_id).status == Payment.Status.CANCELED


def test_finishing_the_bank_step_late_expires_the_request_instead_of_going_live(settings, ledger_checked):
    provider(km=1)
    request = ask_with_3ds().subject
    bank_says(settings, request, yes=True)
    late = complete_authentication(requester=request.requester, request_id=request.pk, now=request.expires_at)
    assert late.state == RequestState.EXPIRED
    assert Payment.objects.get(pk=request.payment_id).status == Payment.Status.CANCELED
    assert not Offer.objects.filter(request=request).exists()


def test_a_bank_step_that_outlasts_a_later_pickup_closes_the_request_instead_of_going_live(settings, ledger_checked):
    asked_at = NOW + timedelta(minutes=4, seconds=30)  # 09:04:30: 09:20 is the earliest pickup it may choose
    near = provider(km=1, now=asked_at)
    pickup = NOW.replace(minute=20)
    assert earliest_pickup(asked_at) == pickup
    with pytest.raises(AuthenticationRequired) as pending:
        request_now(requester=make_user(), payment_method=card(THREE_D_SECURE), now=asked_at, need=need(when=pickup))
    request = pending.value.subject
    bank_says(settings, request, yes=True)
    back = asked_at + timedelta(seconds=60)  # within the timeout, but a provider can no longer be there by 09:20

    with pytest.raises(Conflict) as too_late:
        complete_authentication(requester=request.requester, request_id=request.pk, now=back)

    assert (too_late.value.code, too_late.value.field) == ("pickup_passed", "when")
    request.refresh_from_db()
    assert request.state == RequestState.CANCELLED
    assert Payment.objects.get(pk=request.payment_id).status == Payment.Status.CANCELED
    assert intent_of(request).status == "canceled"
    assert not Offer.objects.filter(request=request).exists()
    assert not Notification.objects.filter(recipient=near.owner).exists()


def test_the_requester_can_cancel_while_at_the_bank(ledger_checked):
    provider(km=1)
    request = ask_with_3ds().subject
    cancelled = cancel_request(requester=request.requester, request_id=request.pk, now=NOW)
    assert cancelled.state == RequestState.CANCELLED
    assert intent_of(request).status == "canceled"


def test_nobody_else_can_complete_someone_elses_bank_step(settings, client):
    provider(km=1)
    request = ask_with_3ds().subject
    bank_says(settings, request, yes=True)
    stranger = make_user()

    with pytest.raises(NotFound):
        complete_authentication(requester=stranger, request_id=request.pk, now=NOW)
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        client.force_login(stranger)
        assert client.get(f"/dispatch/requests/{request.pk}/authenticated/").status_code == 404
        assert client.post(f"{API}/requests/{request.pk}/authenticated").status_code == 404
        assert client.get(reverse("payments:payment_authenticate", args=[request.payment_id])).status_code == 404

    request.refresh_from_db()
    assert request.state == RequestState.AUTHENTICATING
    assert not Offer.objects.filter(request=request).exists()


def test_from_the_need_page_through_the_bank_page_to_a_live_request(settings, client):
    near = provider(km=1)
    requester = make_user()
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        client.force_login(requester)
        response = client.post("/dispatch/", where(payment_method=card(THREE_D_SECURE)))
        job = DispatchRequest.objects.get(requester=requester)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("payments:payment_authenticate", args=[job.payment_id]))
        # Back on the need page, or on the request page, the requester is sent to finish the bank step.
        assert client.get("/dispatch/")["Location"] == f"/dispatch/requests/{job.pk}/"
        waiting = client.get(f"/dispatch/requests/{job.pk}/").content.decode()
        assert "Your bank asks you to confirm your card" in waiting and "Confirm with your bank" in waiting

        bank_says(settings, job, yes=True)
        back = client.post(response["Location"])  # the bank page re-reads Stripe, then sends them on
        assert back["Location"] == f"/dispatch/requests/{job.pk}/authenticated/"
        live = client.get(back["Location"])
        assert live["Location"] == f"/dispatch/requests/{job.pk}/"
        assert "Looking for a provider" in client.get(live["Location"]).content.decode()
    assert DispatchRequest.objects.get(pk=job.pk).state == RequestState.REQUESTED
    assert Offer.objects.filter(request=job, listing=near).exists()


def test_the_api_answers_202_with_the_bank_step_then_completes(settings, client):
    provider(km=1)
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        client.force_login(make_user())
        created = client.post(
            f"{API}/requests", where(payment_method=card(THREE_D_SECURE)), content_type="application/json"
        )
        assert created.status_code == 202, created.json()
        body = created.json()
        job = DispatchRequest.objects.get(pk=body["request"]["id"])
        assert body["status"] == "requires_action" and body["request"]["state"] == "authenticating"
        assert body["client_secret"] and body["authentication_url"].startswith(
            reverse("payments:payment_authenticate", args=[job.payment_id])
        )
        assert body["complete_url"] == f"{API}/requests/{job.pk}/authenticated"

        early = client.post(body["complete_url"])
        assert early.status_code == 409 and "not confirmed the card yet" in early.json()["detail"]
        bank_says(settings, job, yes=True)
        done = client.post(body["complete_url"])
        assert done.status_code == 200 and done.json()["state"] == "requested"


@pytest.mark.django_db(transaction=True)
def test_returning_from_the_bank_twice_at_once_sends_one_first_wave(settings):
    """Real threads (a double click, two tabs): the request row's lock lets one of them send the wave."""
    near = provider(km=1)
    request = ask_with_3ds().subject
    bank_says(settings, request, yes=True)

    def back_from_the_bank():
        return complete_authentication(requester=request.requester, request_id=request.pk, now=NOW)

    results, errors = run_concurrently([back_from_the_bank] * 4)

    assert not errors, errors[:2]
    assert {r.state for r in results} == {RequestState.REQUESTED}
    assert list(Offer.objects.filter(request=request).values_list("listing_id", flat=True)) == [near.pk]
    assert DispatchRequest.objects.get(pk=request.pk).waves_sent == 1
    assert Notification.objects.filter(recipient=near.owner, kind="dispatch.offer").count() == 1
