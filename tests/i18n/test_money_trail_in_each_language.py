"""The money trail (the booking page's bookkeeping rows, the desk's dispute and payment pages) reads in the
reader's language: each ledger row keeps its description's words and amounts (realtime.wording) and renders
them at read time; a row written before that reads as the English it stored."""

from __future__ import annotations

import pytest
from django.db import connection
from django.template import Context, Template
from django.utils import translation

from payments.models import LedgerTransaction
from payments.services.host_payouts import return_platform_fee
from tests.disputes.helpers import payment_of, released_booking
from tests.i18n.test_more_pages_in_each_language import LANGUAGES

pytestmark = pytest.mark.django_db

ENGLISH = ["captured into escrow", "released: host payout and", "back into escrow", "Guest payment #"]


def _trail(reference: str, language: str) -> str:
    with translation.override(language):
        return Template("{% load money_trail %}{% money_trail reference %}").render(Context({"reference": reference}))


def test_the_ledger_rows_read_in_each_language_with_their_amounts_written_the_readers_way():
    booking = released_booking()
    payment = payment_of(booking)
    return_platform_fee(payment=payment, amount=150)
    fee_back = LedgerTransaction.objects.filter(reference=payment.reference).last()
    assert fee_back.description == f"Sharing's fee on payment #{payment.pk}: €1.50 back into escrow"

    english = _trail(payment.reference, "en")
    for words in ENGLISH:
        assert words in english, words
    for language in LANGUAGES:
        page = _trail(payment.reference, language)
        for words in ENGLISH:
            assert words not in page, (language, words)
    german = _trail(payment.reference, "de")
    assert f"Gebühr von Sharing auf Zahlung #{payment.pk}: 1,50\xa0€ zurück in die Verwahrung" in german
    assert f"Gastzahlung #{payment.pk} eingezogen und von Sharing verwahrt" in german
    assert f"ゲストのお支払い#{payment.pk}を受領し、Sharingでお預かりしました" in _trail(payment.reference, "ja")


def test_the_booking_page_shows_the_guest_the_rows_in_their_language(client):
    booking = released_booking()
    payment = payment_of(booking)
    client.force_login(booking.guest)
    page = client.get(booking.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert f"Paiement du voyageur n° {payment.pk} encaissé et conservé par Sharing" in page
    assert "captured into escrow" not in page


def test_a_row_written_before_its_words_were_kept_reads_as_stored():
    booking = released_booking()
    payment = payment_of(booking)
    capture = LedgerTransaction.objects.filter(reference=payment.reference).first()
    with connection.cursor() as cursor:  # as the rows written before 0015 are (the ledger is append-only)
        cursor.execute("UPDATE payments_ledgertransaction SET description_words = NULL WHERE id = %s", [capture.pk])
    japanese = _trail(payment.reference, "ja")
    assert f"Guest payment #{payment.pk} captured into escrow" in japanese
    assert "お預かり分を確定" in japanese  # the rows that kept their words still read in Japanese
