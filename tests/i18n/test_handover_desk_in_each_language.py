"""The desk's handover pages (deciding a claim on a car deposit, giving back a contested return charge) read in
the staff member's language: headings, the claim, the form's labels and buttons."""

from __future__ import annotations

import pytest
from django.urls import reverse

from handover import deposits
from tests.disputes.helpers import support_user
from tests.handover.factories import AT_RETURN
from tests.handover.test_contests import _charged, _contest
from tests.handover.test_deposits import _returned_with_deposit
from tests.i18n.test_desk_in_each_language import _no_english_left

pytestmark = pytest.mark.django_db

DECIDE = ["Claim on the deposit of booking", "The owner claims", "Charge to the renter (cents)", ">Decide<"]
GIVE_BACK = ["Return charges of booking", "the renter contests a charge", "Give back to the renter (cents)"]
GIVE_BACK += ["Reason both parties will read", ">Give back<", "Extra kilometres"]


def _page(client, address: str, language: str) -> str:
    response = client.get(address, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, (address, language)
    return response.content.decode()


def test_deciding_a_claim_reads_in_each_language(client):
    booking = _returned_with_deposit()
    deposit = deposits.file_claim(
        host=booking.listing.owner, booking_id=booking.pk, amount=30_000, description="Dent.", now=AT_RETURN
    )
    client.force_login(support_user())
    address = reverse("handover:decide_claim", kwargs={"deposit_id": deposit.pk})
    _no_english_left(lambda language: _page(client, address, language), DECIDE)
    assert "Der Besitzer fordert" in _page(client, address, "de")


def test_giving_back_a_return_charge_reads_in_each_language(client):
    booking, settlement = _charged()
    _contest(booking, settlement)
    client.force_login(support_user())
    address = reverse("handover:refund_charge", kwargs={"booking_id": booking.pk})
    _no_english_left(lambda language: _page(client, address, language), GIVE_BACK)
