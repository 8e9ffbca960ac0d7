"""The desk's preview shows how the refund would go back by tender (card, credit, Sharing's promotion) before
staff confirm, by the same rule and from the same "what is left" the settlement then uses."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from disputes.models import AdminDecision
from disputes.selectors import refund_split
from tests.disputes.helpers import open_as_guest, paid_booking, support_user
from tests.disputes.test_promotion_refunds import promoted_booking

pytestmark = pytest.mark.django_db


def euros(minor: int) -> str:
    return f"€{Decimal(minor).scaleb(-2):,.2f}"


def test_the_preview_shows_the_refunds_split_by_tender_and_the_confirmed_settlement_follows_it(client):
    booking, _code = promoted_booking()
    dispute = open_as_guest(booking)
    refund = booking.total // 2
    split = refund_split(booking, refund=refund)
    assert split is not None and split.card > 0 and split.credit > 0 and split.promotion > 0
    assert split.total == refund
    client.force_login(support_user())
    url = reverse("admin:disputes_dispute_resolve", args=[dispute.pk])
    form = {"guest_refund": str(Decimal(refund).scaleb(-2)), "host_payout": "0", "reason": "Half of it."}
    text = client.post(url, form).content.decode()
    assert "to the card" in text and "to the guest's credit" in text
    for part in (split.card, split.credit, split.promotion):
        assert euros(part) in text
    assert client.post(url, {**form, "confirm": "1"}).status_code == 302
    decision = AdminDecision.objects.get(action=AdminDecision.Action.RESOLVE_DISPUTE)
    recorded = decision.details["refund_by_tender"]
    assert (recorded["card"], recorded["credit"], recorded["promotion"]) == (split.card, split.credit, split.promotion)


def test_a_card_only_booking_previews_all_of_the_refund_to_the_card(client):
    booking = paid_booking()
    split = refund_split(booking, refund=5_000)
    assert split is not None and (split.card, split.credit, split.promotion) == (5_000, 0, 0)


def test_no_split_is_shown_for_a_refund_larger_than_what_is_left():
    booking = paid_booking()
    assert refund_split(booking, refund=booking.total + 1) is None
    assert refund_split(booking, refund=0) is None
