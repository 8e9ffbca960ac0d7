"""The change form says where a cheaper change's difference goes: the card part to the card, the credit part back
as Sharing credit (bookings/services/change_money.py), in the reader's language."""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse

from tests.changes.helpers import NOW, booked
from tests.changes.test_promotions import confirmed, with_credit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def form_text(client, booking, language: str) -> str:
    client.force_login(booking.guest)
    url = reverse("bookings:change", kwargs={"booking_id": booking.pk})
    return " ".join(client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode().split())


def test_a_guest_who_paid_with_credit_reads_that_the_credit_part_comes_back_as_credit(client):
    booking = confirmed(guest=with_credit(3_000), use_credit=True)
    assert booking.credit > 0
    english = form_text(client, booking, "en")
    assert (
        "Cheaper: the difference goes back the way you paid: the part paid by card to your card, "
        "the part paid with Sharing credit to your credit." in english
    )
    assert "Cheaper: the difference goes back to your card." not in english
    assert "Dearer: not possible on this booking" in english
    spanish = form_text(client, booking, "es")
    assert "la parte pagada con tarjeta, a tu tarjeta; la parte pagada con crédito de Sharing, a tu crédito" in spanish
    assert "Cheaper" not in spanish


def test_a_guest_who_paid_by_card_only_reads_that_the_difference_goes_back_to_the_card(client):
    booking = booked()
    english = form_text(client, booking, "en")
    assert "Cheaper: the difference goes back to your card." in english
    assert "Sharing credit" not in english
    assert "Dearer: your card is held for the new total" in english
    assert "安くなる場合\uff1a差額はカードに返金されます。" in form_text(client, booking, "ja")
