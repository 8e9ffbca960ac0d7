"""The staff desk's dispute pages read in the staff member's language: the dispute's page (with the money trail),
the resolve form and its preview of who gets what (the refund's split, the taxes given back, the warnings).

As in test_more_pages_in_each_language: each page in English shows the listed words, and no translation does.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.disputes.helpers import open_as_guest, support_user
from tests.i18n.test_more_pages_in_each_language import LANGUAGES
from tests.taxes.test_dispute_preview import _released_taxed_booking

pytestmark = pytest.mark.django_db

CHANGE_PAGE = [
    "Held for this booking",
    "in escrow",
    "already released to the host",
    "A resolution can hand out at most",
    "Paid by the guest",
    "Dispute thread",
    "Bookings as guest",
    "Reviews received",
    "Other disputes",
    "Decisions on this dispute",
    "No decision yet",
    "Money trail",
    "Held by Sharing",
    "Taxes collected",
    "Ask for more evidence",
]
RESOLVE_FORM = [
    "the guest paid",
    "Type the amounts in",
    "not in cents",
    "Refund to the guest",
    "The host keeps in total",
    "Reason (shown to both parties)",
    "Show who gets what",
    "Disputes</a> \u203a",  # the breadcrumb
]
PREVIEW = [
    "Check before confirming",
    "Sharing would keep",
    "neither the guest nor the host gets it",
    "The guest receives back",
    "to the card",
    "to the guest's credit",
    "Taken back from the host",
    "Taken back from the taxes collected",
    "Stays with Sharing",
    "Reason shown to both parties",
    "Confirm: move the money",
    "Change the amounts",
]


def _no_english_left(fetch, english_words: list[str]) -> None:
    english = fetch("en")
    for words in english_words:
        assert words in english, ("en", words)  # the words are the page's, so their absence means something
    for language in LANGUAGES:
        page = fetch(language)
        assert page != english
        for words in english_words:
            assert words not in page, (language, words)


def test_the_desks_dispute_pages_are_in_each_language_with_no_english_left(client):
    booking = _released_taxed_booking()
    dispute = open_as_guest(booking, now=booking.payout_release_at + timedelta(hours=1))
    client.force_login(support_user())
    change = reverse("admin:disputes_dispute_change", args=[dispute.pk])
    resolve = reverse("admin:disputes_dispute_resolve", args=[dispute.pk])
    # Nothing to the host, and the guest gets back more than the host's payout: that payout is taken back, then
    # the refund's share of the taxes and of Sharing's fee; Sharing keeps the rest (the warning shows).
    refund = booking.host_payout + (booking.total - booking.host_payout) // 2
    form = {"guest_refund": str(Decimal(refund).scaleb(-2)), "host_payout": "0", "reason": "Cold."}

    def page(address: str, language: str, data: dict | None = None) -> str:
        if data is None:
            response = client.get(address, HTTP_ACCEPT_LANGUAGE=language)
        else:
            response = client.post(address, data, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, (address, language, response.status_code)
        return response.content.decode()

    _no_english_left(lambda language: page(change, language), CHANGE_PAGE)
    _no_english_left(lambda language: page(resolve, language), RESOLVE_FORM)
    _no_english_left(lambda language: page(resolve, language, form), PREVIEW)
    german = page(resolve, "de", form)
    assert "Vor dem Bestätigen prüfen" in german
