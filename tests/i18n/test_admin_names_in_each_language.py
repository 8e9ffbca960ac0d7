"""The admin's sidebar and index name apps and models in the staff member's language, and the desk's dispute
page labels its read-only fields in it too (verbose names marked with gettext_lazy)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.disputes.helpers import open_as_guest, paid_booking
from tests.i18n.test_desk_in_each_language import _no_english_left

pytestmark = pytest.mark.django_db

INDEX = [
    "Disputes and the admin&#x27;s desk",
    "Payments and ledger",
    "Ledger transactions",
    "Admin decisions",
    "Handover reports",
    "Promo codes",
    "Stripe mismatches",
    "Receipts and statements",
    "Notifications and conversations",
]
DISPUTE_FIELDS = ["Opened by", "Evidence deadline", "Last staff action at", "Payout taken back", "Resolved by"]


def _page(client, address: str, language: str) -> str:
    response = client.get(address, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, (address, language)
    return response.content.decode()


def test_the_admin_index_names_apps_and_models_in_each_language(admin_client):
    _no_english_left(lambda language: _page(admin_client, reverse("admin:index"), language), INDEX)
    german = _page(admin_client, reverse("admin:index"), "de")
    assert "Zahlungen und Hauptbuch" in german and "Buchungsvorgänge" in german
    japanese = _page(admin_client, reverse("admin:index"), "ja")
    assert "紛争と運営デスク" in japanese and "運営の決定" in japanese


def test_the_dispute_page_labels_its_fields_in_each_language(admin_client):
    dispute = open_as_guest(paid_booking())
    address = reverse("admin:disputes_dispute_change", args=[dispute.pk])
    _no_english_left(lambda language: _page(admin_client, address, language), DISPUTE_FIELDS)
    assert "Frist für Nachweise" in _page(admin_client, address, "de")
