"""Receipts and statements read in their reader's language, PDF included (read back with poppler's pdftotext): the
words translated, amounts by the one money formatter and days by Babel in the reader's locale. A PDF asked for in
another language than the stored one is rendered in the asker's. The car's return charges (extra kilometres,
fuel) read in the reader's language on the receipt and on the booking page.

As in test_more_pages_in_each_language: the English document shows the listed words, and no translation does.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings
from django.urls import reverse
from freezegun import freeze_time

from receipts.models import Document
from receipts.services import issue_statement
from receipts.tasks import issue_receipt_task
from tests.i18n.test_more_pages_in_each_language import LANGUAGES
from tests.payments.helpers import host_with_payout_account
from tests.receipts.helpers import capture_of, paid_paris_room, pdf_text
from tests.receipts.test_statements import APRIL_2ND, MARCH, paid_out_in_march

pytestmark = pytest.mark.django_db


def _no_english_left(read: Callable[[str], str], english_words: list[str]) -> dict[str, str]:
    """Each language's text (whitespace squeezed); the English one shows every word, no other shows any."""
    texts = {language: " ".join(read(language).split()) for language in ["en", *LANGUAGES]}
    for words in english_words:
        assert words in texts["en"], ("en", words)  # the words are the document's: their absence means something
    for language in LANGUAGES:
        assert texts[language] != texts["en"]
        for words in english_words:
            assert words not in texts[language], (language, words)
    return texts


def _pdf(client, document: Document) -> Callable[[str], str]:
    def read(language: str) -> str:
        response = client.get(
            reverse("receipts:pdf", kwargs={"document_id": document.pk}), HTTP_ACCEPT_LANGUAGE=language
        )
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        return pdf_text(response.content)

    return read


def test_a_receipt_pdf_reads_in_each_language_with_its_amounts_and_days_in_the_readers_locale(client):
    booking = paid_paris_room()
    issue_receipt_task.call(capture_of(booking).pk)
    receipt = Document.objects.get(booking=booking)
    client.force_login(booking.guest)
    english_words = ["Receipt", "nights", "Cleaning fee", "service fee", "Total of the booking", "Charged to your card"]
    english_words += ["Paid by card to Sharing", "issued", "Amount"]
    texts = _no_english_left(_pdf(client, receipt), english_words)
    assert "291,20 €" in texts["fr"].replace("\u202f", " ").replace("\xa0", " ")
    assert "291,20 €" in texts["de"].replace("\xa0", " ")
    assert "Beleg" in texts["de"] and "領収書" in texts["ja"]


def test_a_hosts_monthly_statement_pdf_reads_in_each_language(client):
    host = host_with_payout_account(settings.STRIPE_API_BASE)
    with freeze_time("2027-03-01 08:00:00", tick=True):
        booking = paid_paris_room(owner=host)
    paid_out_in_march(booking)
    statement = issue_statement(host_id=host.pk, month=MARCH, now=APRIL_2ND)
    client.force_login(host)
    english_words = ["Monthly statement", "Bookings paid out to your balance", "Guest paid", "Your earnings"]
    english_words += ["Payouts to your bank account", "Paid out to you", "Still owed to you", "Period (UTC)"]
    english_words += ["2027-03", "(excluded)", "Host fee VAT", "Sharing's fees are the guest's service fee"]
    texts = _no_english_left(_pdf(client, statement), english_words)
    assert "März 2027" in texts["de"] and "mars 2027" in texts["fr"]  # the month and days by Babel


def test_a_cars_extra_kilometres_read_in_each_language_on_the_receipt_and_the_booking_page(client):
    from handover import services as handover_services
    from handover.models import Settlement
    from payments.models import LedgerTransaction
    from tests.handover.factories import picked_up, rented_car, returned

    booking = picked_up(rented_car(extra_km_price=25, daily_km=200, refuel_price=50))
    returned(booking, host_km=10_281, guest_km=10_280, host_fuel=50, guest_fuel=50)
    handover_services.collect_extra_charge(settlement_id=Settlement.objects.get(booking=booking).pk)
    capture = LedgerTransaction.objects.get(reference=f"extras:{booking.pk}", entries__account="guest_funding")
    issue_receipt_task.call(capture.pk)
    receipt = Document.objects.get(ledger_transaction=capture)
    client.force_login(booking.guest)
    _no_english_left(_pdf(client, receipt), ["km beyond the", "km included", "Charged to your card"])

    def booking_page(language: str) -> str:
        return client.get(booking.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language).content.decode()

    english_words = ["Extra kilometres:", "Fuel or charge missing", "Car handover", "Pickup and return"]
    english_words += ["the owner<", "the renter<", "at the return"]
    _no_english_left(booking_page, english_words)
