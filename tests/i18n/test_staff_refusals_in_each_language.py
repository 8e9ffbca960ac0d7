"""Refusals that staff meet on the desk and in the money services, with amounts in them, read in the asker's
language with the amounts written the reader's way (core.money.format_money); the code stays the same."""

from __future__ import annotations

import pytest
from django.utils import translation

from core.errors import DomainError
from core.money import format_money
from payments.services import guest_payments, host_payouts
from tests.disputes.helpers import open_as_guest, paid_booking, payment_of, support_user
from tests.disputes.test_desk import resolve_url, units
from tests.i18n.test_more_pages_in_each_language import LANGUAGES

pytestmark = pytest.mark.django_db


def test_the_desks_refusal_of_more_than_is_held_is_in_the_staff_members_language(client):
    booking = paid_booking()
    dispute = open_as_guest(booking)
    client.force_login(support_user())
    form = {"guest_refund": units(booking.total), "host_payout": "0.01", "reason": "Everything.", "confirm": "1"}

    def refused(language: str) -> str:
        response = client.post(resolve_url(dispute), form, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 400
        return response.content.decode()

    assert "The refund and the payout together can be at most" in refused("en")
    for language in LANGUAGES:
        assert "can be at most" not in refused(language), language
    with translation.override("de"):
        held = format_money(booking.total, booking.currency)
    assert "," in held  # German decimals
    assert f"Erstattung und Auszahlung zusammen dürfen höchstens {held} betragen" in refused("de")


def test_a_refund_beyond_what_is_held_is_refused_in_the_readers_language_with_its_amounts():
    payment = payment_of(paid_booking())
    too_much = payment.escrow_amount + 100
    with translation.override("ja"), pytest.raises(DomainError) as japanese:
        guest_payments.refund_payment(payment=payment, amount=too_much)
    with translation.override("de"), pytest.raises(DomainError) as german:
        guest_payments.refund_payment(payment=payment, amount=too_much)
    with translation.override("de"):
        amount, held = format_money(too_much, payment.currency), format_money(payment.escrow_amount, payment.currency)
    assert german.value.message == f"Erstattung von {amount} abgelehnt: Es sind nur noch {held} verwahrt."
    assert "の返金はできません" in japanese.value.message
    assert japanese.value.code == german.value.code


def test_a_fee_given_back_beyond_what_was_kept_and_a_bad_amount_are_refused_in_french():
    payment = payment_of(paid_booking())
    with translation.override("fr"), pytest.raises(DomainError) as fee:
        host_payouts.return_platform_fee(payment=payment, amount=500)
    with translation.override("fr"):
        kept = format_money(0, payment.currency)
    assert fee.value.message == f"Seuls {kept} de frais ont été gardés sur ce paiement."
    with translation.override("fr"), pytest.raises(DomainError) as zero:
        guest_payments.refund_payment(payment=payment, amount=0)
    assert zero.value.message == "Le montant du remboursement doit être un montant positif en centimes."
