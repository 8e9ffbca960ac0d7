"""Receipts and statements in the JSON API: a person's own documents, each as data, PDF and (statements) CSV.

Owner only: someone else's document id answers 404, like one that does not exist."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpResponse
from django.urls import reverse
from ninja import Query, Router, Schema

from core.api import session_or_token_auth
from core.errors import NotFound
from core.requests import ApiRequest
from receipts import render as rendering
from receipts import selectors
from receipts.models import Document, Kind

router = Router(tags=["receipts"], auth=session_or_token_auth)


class DocumentOut(Schema):
    id: int
    kind: str
    number: str
    issued_at: datetime
    booking_id: int | None
    corrects_number: str | None
    period_start: date | None
    currency: str
    total: int
    language: str
    pdf_url: str
    csv_url: str | None
    content: dict


class DocumentFilter(Schema):
    booking: int | None = None
    kind: Kind | None = None


def _out(document: Document) -> DocumentOut:
    statement = document.kind == Kind.STATEMENT
    return DocumentOut(
        id=document.pk,
        kind=document.kind,
        number=document.display_number,
        issued_at=document.issued_at,
        booking_id=document.booking_id,
        corrects_number=document.corrects.display_number if document.corrects is not None else None,
        period_start=document.period_start,
        currency=document.currency,
        total=document.total,
        language=document.language,
        pdf_url=reverse("api-v1:receipts_document_pdf", kwargs={"document_id": document.pk}),
        csv_url=reverse("api-v1:receipts_document_csv", kwargs={"document_id": document.pk}) if statement else None,
        content=document.content,
    )


@router.get("/", response=list[DocumentOut], summary="My receipts, refunds, credit notes and statements")
def list_documents(request: ApiRequest, filters: Query[DocumentFilter]) -> list[DocumentOut]:
    documents = selectors.documents_of(request.user)
    if filters.booking is not None:
        documents = documents.filter(booking_id=filters.booking)
    if filters.kind is not None:
        documents = documents.filter(kind=filters.kind)
    return [_out(document) for document in documents[:200]]


@router.get("/{int:document_id}", response=DocumentOut, summary="One of my documents")
def document_detail(request: ApiRequest, document_id: int) -> DocumentOut:
    return _out(selectors.own_document(request.user, document_id))


@router.get("/{int:document_id}/pdf", url_name="receipts_document_pdf", summary="One of my documents as PDF")
def document_pdf(request: ApiRequest, document_id: int) -> HttpResponse:
    document = selectors.own_document(request.user, document_id)
    response = HttpResponse(
        selectors.pdf_of(document) or rendering.render_pdf(document), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{document.display_number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@router.get("/{int:document_id}/csv", url_name="receipts_document_csv", summary="One of my statements as CSV")
def document_csv(request: ApiRequest, document_id: int) -> HttpResponse:
    document = selectors.own_document(request.user, document_id)
    if document.kind != Kind.STATEMENT:
        raise NotFound("Only statements have a CSV.")
    response = HttpResponse(rendering.render_csv(document), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{document.display_number}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
