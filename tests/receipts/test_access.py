"""A person's documents are theirs alone: pages and API answer strangers 404, visitors must log in."""

from __future__ import annotations

import pytest
from django.test import Client

from receipts.models import Document
from receipts.services import deliver, issue_receipt
from tests.conftest import make_user
from tests.receipts.helpers import capture_of, paid_paris_room, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def receipt() -> Document:
    document = issue_receipt(ledger_transaction_id=capture_of(paid_paris_room()).pk)
    assert document is not None
    deliver(document_id=document.pk)
    return document


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_the_guest_downloads_their_receipt_from_the_page_and_the_api(receipt):
    guest = signed_in(receipt.recipient)

    page = guest.get(f"/receipts/{receipt.pk}.pdf")
    api = guest.get(f"/api/v1/documents/{receipt.pk}/pdf")
    listed = guest.get(f"/api/v1/documents/?booking={receipt.booking_id}").json()

    assert page.status_code == api.status_code == 200
    assert page["Content-Type"] == "application/pdf"
    assert "R-000001" in pdf_text(page.content) and "R-000001" in pdf_text(api.content)
    assert [(d["number"], d["kind"], d["total"], d["currency"]) for d in listed] == [
        ("R-000001", "receipt", 29120, "EUR")
    ]
    assert listed[0]["pdf_url"] == f"/api/v1/documents/{receipt.pk}/pdf"


def test_strangers_get_404_on_someone_elses_receipt_and_see_none_in_lists(receipt):
    host = signed_in(receipt.booking.listing.owner)  # the host sees the booking, not the guest's receipt
    stranger = signed_in(make_user())

    for client in (host, stranger):
        assert client.get(f"/receipts/{receipt.pk}.pdf").status_code == 404
        assert client.get(f"/receipts/{receipt.pk}.csv").status_code == 404
        assert client.get(f"/api/v1/documents/{receipt.pk}").status_code == 404
        assert client.get(f"/api/v1/documents/{receipt.pk}/pdf").status_code == 404
        assert client.get(f"/api/v1/documents/?booking={receipt.booking_id}").json() == []
        assert "R-000001" not in client.get("/receipts/").content.decode()


def test_visitors_are_asked_to_log_in(receipt):
    visitor = Client()

    assert visitor.get(f"/receipts/{receipt.pk}.pdf").status_code == 302
    assert visitor.get(f"/api/v1/documents/{receipt.pk}/pdf").status_code == 401


def test_only_statements_have_a_csv(receipt):
    guest = signed_in(receipt.recipient)

    assert guest.get(f"/receipts/{receipt.pk}.csv").status_code == 404
    assert guest.get(f"/api/v1/documents/{receipt.pk}/csv").status_code == 404


def test_the_booking_page_links_the_guests_receipt_and_not_the_hosts(receipt):
    booking = receipt.booking

    as_guest = signed_in(receipt.recipient).get(booking.get_absolute_url()).content.decode()
    as_host = signed_in(booking.listing.owner).get(booking.get_absolute_url()).content.decode()

    assert f'href="/receipts/{receipt.pk}.pdf"' in as_guest and "Receipt R-000001" in as_guest
    assert f"/receipts/{receipt.pk}.pdf" not in as_host
