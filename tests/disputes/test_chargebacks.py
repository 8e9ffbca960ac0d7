"""A chargeback reported by Stripe (charge.dispute.created) becomes exactly one dispute through the sweep."""

from __future__ import annotations

from io import StringIO

import pytest
import requests
from django.core.management import call_command

from bookings.models import BookingStatus
from disputes.models import Category, Dispute, Source
from payments import gateway
from tests.disputes.helpers import open_as_guest, paid_booking, payment_of
from tests.payments.fixtures import signed_event

pytestmark = pytest.mark.django_db


def chargeback(client, base: str, booking) -> str:
    """The guest's bank disputes the charge; Stripe tells the webhook, which freezes the payment."""
    payment = payment_of(booking)
    charge_id = gateway.latest_charge_id(gateway.retrieve_payment_intent(payment.stripe_payment_intent_id))
    dispute = requests.post(f"{base}/_config/charges/{charge_id}/dispute", timeout=5).json()
    body, signature = signed_event("charge.dispute.created", dispute)
    response = client.post(
        "/payments/stripe/webhook/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )
    assert response.status_code == 200
    assert payment_of(booking).stripe_dispute_id == dispute["id"]
    return dispute["id"]


def sweep() -> str:
    out = StringIO()
    call_command("open_chargeback_disputes", stdout=out)
    return out.getvalue().strip()


def test_the_sweep_opens_exactly_one_dispute_per_chargeback(client, stripe_api):
    booking = paid_booking()
    stripe_dispute_id = chargeback(client, stripe_api, booking)
    assert sweep() == "opened=1"
    assert sweep() == "opened=0"
    dispute = Dispute.objects.get()
    assert dispute.source == Source.CHARGEBACK
    assert dispute.stripe_dispute_id == stripe_dispute_id
    assert dispute.category == Category.PAYMENT
    assert dispute.opened_by is None
    booking.refresh_from_db()
    assert booking.status == BookingStatus.DISPUTED
    assert payment_of(booking).frozen


def test_the_webhook_itself_opens_the_dispute_once_it_commits(client, stripe_api, django_capture_on_commit_callbacks):
    booking = paid_booking()

    with django_capture_on_commit_callbacks(execute=True):
        stripe_dispute_id = chargeback(client, stripe_api, booking)

    dispute = Dispute.objects.get()
    assert dispute.stripe_dispute_id == stripe_dispute_id
    assert dispute.source == Source.CHARGEBACK
    assert sweep() == "opened=0"


def test_a_chargeback_joins_the_dispute_already_open_on_the_booking(client, stripe_api):
    booking = paid_booking()
    existing = open_as_guest(booking)
    stripe_dispute_id = chargeback(client, stripe_api, booking)
    assert sweep() == "opened=1"
    assert sweep() == "opened=0"
    assert Dispute.objects.get() == existing
    existing.refresh_from_db()
    assert existing.stripe_dispute_id == stripe_dispute_id
