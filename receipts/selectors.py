"""Reads of documents: a person's own (nobody sees another's), by booking, by kind."""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse

from accounts.models import User
from core.errors import NotFound
from receipts.models import Document, DocumentFile, Kind


def documents_of(person: User) -> QuerySet[Document]:
    """Everything issued to `person`, newest first (the PDF bytes are not loaded)."""
    return Document.objects.filter(recipient=person).select_related("corrects").order_by("-issued_at", "-pk")


def own_document(person: User, document_id: int) -> Document:
    """`person`'s document; someone else's is missing (NotFound), so ids reveal nothing."""
    document = documents_of(person).filter(pk=document_id).first()
    if document is None:
        raise NotFound("No such document.")
    return document


def booking_documents(person: User, booking_id: int) -> QuerySet[Document]:
    """The receipts, refunds and credit notes of one booking issued to `person`, oldest first."""
    return documents_of(person).filter(booking_id=booking_id).order_by("issued_at", "pk")


def statements_of(host: User) -> QuerySet[Document]:
    return documents_of(host).filter(kind=Kind.STATEMENT).order_by("-period_start", "-pk")


def pdf_of(document: Document) -> bytes | None:
    """The stored PDF, or None while the worker has not rendered it yet."""
    data = DocumentFile.objects.filter(document=document).values_list("pdf", flat=True).first()
    return bytes(data) if data is not None else None


def document_url(document: Document) -> str:
    return reverse("receipts:pdf", kwargs={"document_id": document.pk})
