"""Once issued a document never changes (model, queryset and a trigger refuse); a correction is a credit note."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from core.errors import DomainError, PermissionDenied
from receipts.models import Document, DocumentFile, Kind
from receipts.services import deliver, issue_credit_note, issue_receipt
from tests.conftest import make_user
from tests.receipts.helpers import capture_of, paid_paris_room, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def receipt() -> Document:
    document = issue_receipt(ledger_transaction_id=capture_of(paid_paris_room()).pk)
    assert document is not None
    deliver(document_id=document.pk)
    return document


def test_the_model_refuses_to_save_an_issued_document_again(receipt):
    receipt.total = 1

    with pytest.raises(TypeError, match="credit note"):
        receipt.save()

    assert Document.objects.get(pk=receipt.pk).total == 29120


def test_the_queryset_refuses_updates_and_deletes(receipt):
    with pytest.raises(TypeError):
        Document.objects.filter(pk=receipt.pk).update(total=1)
    with pytest.raises(TypeError):
        Document.objects.filter(pk=receipt.pk).delete()
    with pytest.raises(TypeError):
        receipt.delete()
    with pytest.raises(TypeError):
        DocumentFile.objects.filter(document=receipt).update(pdf=b"forged")

    assert Document.objects.filter(pk=receipt.pk, total=29120).exists()


def test_the_database_refuses_an_update_that_goes_around_the_model(receipt):
    table = Document._meta.db_table
    with pytest.raises(DatabaseError, match="never change"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET total = 1 WHERE id = %s", [receipt.pk])
    with pytest.raises(DatabaseError, match="never change"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {DocumentFile._meta.db_table} SET sha256 = 'x' WHERE document_id = %s", [receipt.pk])

    assert Document.objects.get(pk=receipt.pk).total == 29120


def test_a_correction_is_a_credit_note_that_names_the_original(receipt):
    staff = make_user(is_staff=True)

    credit = issue_credit_note(original_id=receipt.pk, reason="Charged twice by mistake", by=staff)
    deliver(document_id=credit.pk)

    assert (credit.kind, credit.display_number, credit.corrects, credit.total) == (
        Kind.CREDIT_NOTE,
        "C-000001",
        receipt,
        -29120,
    )
    assert credit.recipient == receipt.recipient and credit.booking == receipt.booking
    text = pdf_text(bytes(DocumentFile.objects.get(document=credit).pdf))
    assert "Credit note" in text and "R-000001" in text and "Charged twice by mistake" in text
    assert "-€291.20" in text
    original = Document.objects.get(pk=receipt.pk)
    assert (original.total, original.content) == (receipt.total, receipt.content)


def test_a_document_is_corrected_once_and_only_by_staff(receipt):
    with pytest.raises(PermissionDenied):
        issue_credit_note(original_id=receipt.pk, reason="I want my money", by=receipt.recipient)
    staff = make_user(is_staff=True)
    with pytest.raises(DomainError, match="reason"):
        issue_credit_note(original_id=receipt.pk, reason="  ", by=staff)
    credit = issue_credit_note(original_id=receipt.pk, reason="Wrong amount", by=staff)

    with pytest.raises(DomainError, match="already corrected by C-000001"):
        issue_credit_note(original_id=receipt.pk, reason="Again", by=staff)
    with pytest.raises(DomainError, match="not corrected by another"):
        issue_credit_note(original_id=credit.pk, reason="Undo", by=staff)

    assert Document.objects.filter(kind=Kind.CREDIT_NOTE).count() == 1


def test_staff_correct_a_receipt_from_the_admin_with_a_reason(receipt, client):
    staff = make_user(is_staff=True, is_superuser=True)
    client.force_login(staff)
    changelist = "/admin/receipts/document/"
    asked = {"action": "credit", "_selected_action": [receipt.pk]}

    form = client.post(changelist, asked)
    done = client.post(changelist, {**asked, "apply": "1", "reason": "Refunded outside Stripe"})

    assert form.status_code == 200 and b"reason" in form.content
    assert done.status_code == 302
    credit = Document.objects.get(kind=Kind.CREDIT_NOTE)
    assert credit.corrects == receipt and credit.content["facts"][1] == ["Reason", "Refunded outside Stripe"]
